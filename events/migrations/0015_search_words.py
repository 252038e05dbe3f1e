"""The distinct words of the published events' titles and summaries, with a trigram index (PostgreSQL only).

The search forgave one typo in a name ("Midjourny") but not in any other word ("copyrigt", "strik" as a
whole word, "lawsiut"). `events_searchword` holds every word of three letters or more that a published
event's title or summary has held; `events.search` looks a mistyped word up in it (pg_trgm's `%` on the
GIN index, and the word's one-letter variants on the primary key) to find the words one edit away.

Triggers keep it whatever writes the rows: statement-level on INSERT (a bulk load reads its new rows
once), row-level on UPDATE with a WHEN clause, so an update that changes no title, summary or status costs
nothing. Words are never removed: a word whose events went away matches nothing, and events.search only
uses a word that matches a published event. The table is not a model, like `search_vector` (0005).
SQLite has none of this; there the search reads the words of the events themselves (the demo's size).
"""

from django.db import migrations

FORWARD = r"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE IF NOT EXISTS events_searchword (word text PRIMARY KEY);
-- events.search._near_words: pg_trgm's similarity operator on this index finds the candidates.
CREATE INDEX IF NOT EXISTS events_searchword_trgm ON events_searchword USING gin (word gin_trgm_ops);

CREATE OR REPLACE FUNCTION events_text_words(body text) RETURNS SETOF text AS $$
    SELECT DISTINCT w FROM regexp_split_to_table(lower(COALESCE(body, '')), '[^[:alnum:]]+') AS w
    WHERE length(w) BETWEEN 3 AND 40
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION events_searchword_insert_rows() RETURNS trigger AS $$
BEGIN
    INSERT INTO events_searchword (word)
    SELECT DISTINCT w FROM new_events e, events_text_words(COALESCE(e.title, '') || ' ' || COALESCE(e.summary, '')) AS w
    WHERE e.status = 'published'
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION events_searchword_update_row() RETURNS trigger AS $$
BEGIN
    INSERT INTO events_searchword (word)
    SELECT w FROM events_text_words(COALESCE(NEW.title, '') || ' ' || COALESCE(NEW.summary, '')) AS w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS events_searchword_insert ON events_event;
CREATE TRIGGER events_searchword_insert AFTER INSERT ON events_event
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION events_searchword_insert_rows();
DROP TRIGGER IF EXISTS events_searchword_update ON events_event;
CREATE TRIGGER events_searchword_update AFTER UPDATE ON events_event FOR EACH ROW
    WHEN (NEW.status = 'published' AND (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.title IS DISTINCT FROM NEW.title OR OLD.summary IS DISTINCT FROM NEW.summary))
    EXECUTE FUNCTION events_searchword_update_row();

INSERT INTO events_searchword (word)
SELECT DISTINCT w FROM events_event e, events_text_words(COALESCE(e.title, '') || ' ' || COALESCE(e.summary, '')) AS w
WHERE e.status = 'published'
ON CONFLICT DO NOTHING;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS events_searchword_insert ON events_event;
DROP TRIGGER IF EXISTS events_searchword_update ON events_event;
DROP FUNCTION IF EXISTS events_searchword_insert_rows();
DROP FUNCTION IF EXISTS events_searchword_update_row();
DROP FUNCTION IF EXISTS events_text_words(text);
DROP TABLE IF EXISTS events_searchword;
"""


def on_postgresql(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("events", "0014_merge_daily_counts_unknown_precision")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD), elidable=False)]
