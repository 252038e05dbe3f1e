"""One stored full-text document per event, with one GIN index (PostgreSQL only).

The search box matches an event when every word is in its title, its summary or one of its sources'
titles. Migration 0003 indexed the events' text and the sources' titles apart, and the query ORed a match
on one with an EXISTS over the other: PostgreSQL can use neither index through such an OR, so at a
million events it walked the whole timeline computing to_tsvector per row (seconds for a word that
matches nothing). Here each event carries `search_vector`, to_tsvector('english', title, summary and
its sources' titles), kept right by triggers whatever writes the rows (admin, ingest, COPY, QuerySet
.update()), and the query is one indexable `search_vector @@ to_tsquery(...)`.

The column is not declared on the model: nothing reads it but `events.queries.search_condition`, and
every event fetched for a page would otherwise carry its document along. SQLite has no column and no
triggers; the search there is a substring match.
"""

from django.db import migrations

DOCUMENT = """
CREATE OR REPLACE FUNCTION events_search_document(event_id bigint, title text, summary text)
RETURNS tsvector AS $$
    SELECT to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(summary, '') || ' ' ||
        COALESCE((SELECT string_agg(s.title, ' ' ORDER BY s.id) FROM events_source s WHERE s.event_id = $1), ''))
$$ LANGUAGE sql STABLE;
"""

FORWARD = DOCUMENT + """
ALTER TABLE events_event ADD COLUMN IF NOT EXISTS search_vector tsvector;

-- Backfill before the triggers exist, in one pass over the sources rather than one lookup per event.
UPDATE events_event AS event
SET search_vector = to_tsvector('english'::regconfig,
    COALESCE(event.title, '') || ' ' || COALESCE(event.summary, '') || ' ' || COALESCE(sources.titles, ''))
FROM events_event AS e2
LEFT JOIN (SELECT event_id, string_agg(title, ' ' ORDER BY id) AS titles FROM events_source GROUP BY event_id)
    AS sources ON sources.event_id = e2.id
WHERE e2.id = event.id;

CREATE OR REPLACE FUNCTION events_event_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := events_search_document(NEW.id, NEW.title, NEW.summary);
    RETURN NEW;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS events_event_search_vector_insert ON events_event;
CREATE TRIGGER events_event_search_vector_insert BEFORE INSERT ON events_event
    FOR EACH ROW EXECUTE FUNCTION events_event_search_vector();
DROP TRIGGER IF EXISTS events_event_search_vector_update ON events_event;
CREATE TRIGGER events_event_search_vector_update BEFORE UPDATE OF title, summary ON events_event
    FOR EACH ROW EXECUTE FUNCTION events_event_search_vector();

-- Sources change their event's document. Statement-level, so a COPY of a million sources recomputes each
-- event once, not once per source.
CREATE OR REPLACE FUNCTION events_sources_refresh_search_vector() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE events_event SET search_vector = events_search_document(id, title, summary)
        WHERE id IN (SELECT DISTINCT event_id FROM new_sources);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE events_event SET search_vector = events_search_document(id, title, summary)
        WHERE id IN (SELECT DISTINCT event_id FROM old_sources);
    ELSE
        UPDATE events_event SET search_vector = events_search_document(id, title, summary)
        WHERE id IN (
            SELECT n.event_id FROM new_sources n JOIN old_sources o ON o.id = n.id
            WHERE n.title IS DISTINCT FROM o.title OR n.event_id IS DISTINCT FROM o.event_id
            UNION
            SELECT o.event_id FROM new_sources n JOIN old_sources o ON o.id = n.id
            WHERE n.event_id IS DISTINCT FROM o.event_id
        );
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS events_source_search_insert ON events_source;
CREATE TRIGGER events_source_search_insert AFTER INSERT ON events_source
    REFERENCING NEW TABLE AS new_sources
    FOR EACH STATEMENT EXECUTE FUNCTION events_sources_refresh_search_vector();
DROP TRIGGER IF EXISTS events_source_search_update ON events_source;
CREATE TRIGGER events_source_search_update AFTER UPDATE ON events_source
    REFERENCING OLD TABLE AS old_sources NEW TABLE AS new_sources
    FOR EACH STATEMENT EXECUTE FUNCTION events_sources_refresh_search_vector();
DROP TRIGGER IF EXISTS events_source_search_delete ON events_source;
CREATE TRIGGER events_source_search_delete AFTER DELETE ON events_source
    REFERENCING OLD TABLE AS old_sources
    FOR EACH STATEMENT EXECUTE FUNCTION events_sources_refresh_search_vector();

CREATE INDEX IF NOT EXISTS event_search_vector ON events_event USING gin (search_vector)
    WHERE status = 'published';

-- The two indexes of 0003 serve no query any more.
DROP INDEX IF EXISTS event_search_fts;
DROP INDEX IF EXISTS source_title_fts;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS events_source_search_insert ON events_source;
DROP TRIGGER IF EXISTS events_source_search_update ON events_source;
DROP TRIGGER IF EXISTS events_source_search_delete ON events_source;
DROP TRIGGER IF EXISTS events_event_search_vector_insert ON events_event;
DROP TRIGGER IF EXISTS events_event_search_vector_update ON events_event;
DROP FUNCTION IF EXISTS events_sources_refresh_search_vector();
DROP FUNCTION IF EXISTS events_event_search_vector();
DROP FUNCTION IF EXISTS events_search_document(bigint, text, text);
DROP INDEX IF EXISTS event_search_vector;
ALTER TABLE events_event DROP COLUMN IF EXISTS search_vector;
CREATE INDEX IF NOT EXISTS event_search_fts ON events_event USING gin (
    to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(summary, ''))
) WHERE status = 'published';
CREATE INDEX IF NOT EXISTS source_title_fts ON events_source USING gin (
    to_tsvector('english'::regconfig, COALESCE(title, ''))
);
"""


def on_postgresql(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("events", "0004_organisation_timeline_index")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD), elidable=False)]
