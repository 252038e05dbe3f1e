"""The timeline of organisations and a kind through one index: links also copy their event's kind and
whether it is published.

`/?org=a&org=b&kind=lawsuit_filed` walked each organisation's links newest first (event_org_timeline) and
joined every link's event to test its kind and status, until it had found a page of matches: about one
link in fourteen is of a given kind, so a branch read ~350 links and events for 26 matches, more the
rarer the kind is among the organisation's events. With the kind and the published flag on the link, an
index on (organisation, kind, date desc, event desc) of published links yields each branch's matches
directly, and the chart of several organisations counts the links where they overlap without reading an
event (events/aggregates.py).

The copies are kept like event_date (migration 0004), by triggers whatever writes the rows: a link
copies its event's date, kind and status when it is written, and an event that changes one of them
writes it to its links. Existing links are backfilled by one UPDATE, with the link trigger dropped first
so that it does not run once per row.
"""

from django.db import migrations, models

# The links' search trigger (migration 0009) rewrote the search document of every event whose links a
# statement updated; only an event or organisation (person) moved to another row changes a document, not
# the copies, which move with every publication and would otherwise rewrite its document each time (and
# the document of every event in the backfill: minutes at a million events).
REFRESH_SEARCH = """
CREATE OR REPLACE FUNCTION events_links_refresh_search_vector() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE events_event SET search_vector = events_search_document(id, title, summary)
        WHERE id IN (SELECT DISTINCT event_id FROM new_links);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE events_event SET search_vector = events_search_document(id, title, summary)
        WHERE id IN (SELECT DISTINCT event_id FROM old_links);
    ELSIF TG_TABLE_NAME = 'events_eventorganisation' THEN
        UPDATE events_event SET search_vector = events_search_document(id, title, summary)
        WHERE id IN (SELECT unnest(ARRAY[o.event_id, n.event_id]) FROM old_links o JOIN new_links n ON n.id = o.id
                     WHERE (o.event_id, o.organisation_id) IS DISTINCT FROM (n.event_id, n.organisation_id));
    ELSE
        UPDATE events_event SET search_vector = events_search_document(id, title, summary)
        WHERE id IN (SELECT unnest(ARRAY[o.event_id, n.event_id]) FROM old_links o JOIN new_links n ON n.id = o.id
                     WHERE (o.event_id, o.person_id) IS DISTINCT FROM (n.event_id, n.person_id));
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

OLD_REFRESH_SEARCH = """
CREATE OR REPLACE FUNCTION events_links_refresh_search_vector() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE events_event SET search_vector = events_search_document(id, title, summary)
        WHERE id IN (SELECT DISTINCT event_id FROM new_links);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE events_event SET search_vector = events_search_document(id, title, summary)
        WHERE id IN (SELECT DISTINCT event_id FROM old_links);
    ELSE
        UPDATE events_event SET search_vector = events_search_document(id, title, summary)
        WHERE id IN (SELECT event_id FROM new_links UNION SELECT event_id FROM old_links);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

FORWARD = REFRESH_SEARCH + """
DROP TRIGGER IF EXISTS events_link_event_date ON events_eventorganisation;
DROP TRIGGER IF EXISTS events_event_date_moves_links ON events_event;
DROP FUNCTION IF EXISTS events_link_copies_event_date();
DROP FUNCTION IF EXISTS events_event_date_to_links();

UPDATE events_eventorganisation AS link
    SET event_date = event.date, event_kind = event.kind, event_published = event.status = 'published'
    FROM events_event AS event WHERE event.id = link.event_id;

CREATE OR REPLACE FUNCTION events_link_copies_event() RETURNS trigger AS $$
BEGIN
    SELECT date, kind, status = 'published' INTO NEW.event_date, NEW.event_kind, NEW.event_published
        FROM events_event WHERE id = NEW.event_id;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER events_link_event_fields BEFORE INSERT OR UPDATE ON events_eventorganisation
    FOR EACH ROW EXECUTE FUNCTION events_link_copies_event();

CREATE OR REPLACE FUNCTION events_event_fields_to_links() RETURNS trigger AS $$
BEGIN
    UPDATE events_eventorganisation
        SET event_date = NEW.date, event_kind = NEW.kind, event_published = NEW.status = 'published'
        WHERE event_id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER events_event_fields_move_links AFTER UPDATE OF date, kind, status ON events_event
    FOR EACH ROW WHEN (
        OLD.date IS DISTINCT FROM NEW.date OR OLD.kind IS DISTINCT FROM NEW.kind
        OR (OLD.status = 'published') IS DISTINCT FROM (NEW.status = 'published'))
    EXECUTE FUNCTION events_event_fields_to_links();
"""

# Back to migration 0004's triggers, which copy the date alone, and 0009's search trigger.
BACKWARD = OLD_REFRESH_SEARCH + """
DROP TRIGGER IF EXISTS events_link_event_fields ON events_eventorganisation;
DROP TRIGGER IF EXISTS events_event_fields_move_links ON events_event;
DROP FUNCTION IF EXISTS events_link_copies_event();
DROP FUNCTION IF EXISTS events_event_fields_to_links();

CREATE OR REPLACE FUNCTION events_link_copies_event_date() RETURNS trigger AS $$
BEGIN
    SELECT date INTO NEW.event_date FROM events_event WHERE id = NEW.event_id;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER events_link_event_date BEFORE INSERT OR UPDATE ON events_eventorganisation
    FOR EACH ROW EXECUTE FUNCTION events_link_copies_event_date();

CREATE OR REPLACE FUNCTION events_event_date_to_links() RETURNS trigger AS $$
BEGIN
    UPDATE events_eventorganisation SET event_date = NEW.date WHERE event_id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER events_event_date_moves_links AFTER UPDATE OF date ON events_event
    FOR EACH ROW WHEN (OLD.date IS DISTINCT FROM NEW.date) EXECUTE FUNCTION events_event_date_to_links();
"""


def on_postgresql(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0018_search_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="eventorganisation",
            name="event_kind",
            field=models.CharField(blank=True, default="", editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="eventorganisation",
            name="event_published",
            field=models.BooleanField(default=False, editable=False),
        ),
        # Before the index, so the backfill does not update it row by row.
        migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD), elidable=False),
        migrations.AddIndex(
            model_name="eventorganisation",
            index=models.Index(
                condition=models.Q(("event_published", True)),
                fields=["organisation", "event_kind", "-event_date", "-event"],
                name="event_org_kind_timeline",
            ),
        ),
    ]
