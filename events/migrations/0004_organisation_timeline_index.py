"""An organisation's timeline through one index: EventOrganisation gets a copy of its event's date.

At a million events, "events of organisation X, newest first" either walks the whole (date, id) index
probing links (slow for organisations of middling popularity) or fetches every link and sorts (slow for
popular ones). With the event's date copied onto the link, an index on (organisation, date desc, event
desc) yields the page directly. On PostgreSQL two triggers keep the copy right whatever writes the rows
(admin, ingest, bulk loads, QuerySet.update); other databases leave it empty and the timeline does not
use it there.
"""

from django.db import migrations, models

TRIGGERS = """
-- Backfill first: the row trigger below would otherwise run once per existing link.
UPDATE events_eventorganisation AS link SET event_date = event.date
    FROM events_event AS event WHERE event.id = link.event_id;

CREATE OR REPLACE FUNCTION events_link_copies_event_date() RETURNS trigger AS $$
BEGIN
    SELECT date INTO NEW.event_date FROM events_event WHERE id = NEW.event_id;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS events_link_event_date ON events_eventorganisation;
CREATE TRIGGER events_link_event_date BEFORE INSERT OR UPDATE ON events_eventorganisation
    FOR EACH ROW EXECUTE FUNCTION events_link_copies_event_date();

CREATE OR REPLACE FUNCTION events_event_date_to_links() RETURNS trigger AS $$
BEGIN
    UPDATE events_eventorganisation SET event_date = NEW.date WHERE event_id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS events_event_date_moves_links ON events_event;
CREATE TRIGGER events_event_date_moves_links AFTER UPDATE OF date ON events_event
    FOR EACH ROW WHEN (OLD.date IS DISTINCT FROM NEW.date) EXECUTE FUNCTION events_event_date_to_links();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS events_link_event_date ON events_eventorganisation;
DROP TRIGGER IF EXISTS events_event_date_moves_links ON events_event;
DROP FUNCTION IF EXISTS events_link_copies_event_date();
DROP FUNCTION IF EXISTS events_event_date_to_links();
"""


def on_postgresql(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="eventorganisation",
            name="event_date",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(on_postgresql(TRIGGERS), on_postgresql(DROP_TRIGGERS), elidable=False),
        migrations.AddIndex(
            model_name="eventorganisation",
            index=models.Index(fields=["organisation", "-event_date", "-event"], name="event_org_timeline"),
        ),
    ]
