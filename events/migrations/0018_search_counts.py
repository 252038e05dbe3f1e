"""Published events per search lexeme, month and kind, kept by triggers (PostgreSQL only).

A search's chart and count were the newest 1,000 matches ("More than 1,000 events"): at a million events a
common word such as "strike" is in one event in five, and finding even those 1,000 meant checking ~5,000
events' search documents, after every publication (13-24 ms). `events_search_count` (lexeme, month, kind,
n, changed_at) holds, for each lexeme of the published events' stored search documents (`search_vector`,
migrations 0005 and 0009: titles, summaries, accepted sources' titles, names and aliases), how many
published events of each month and kind have it. A search of one word whose prefix is the start of one
lexeme only (events.aggregates) then reads its exact chart and count from at most months x kinds rows.

Row triggers on events_event keep it: an event counts once per lexeme of its document while published, so
a change to its status, kind, date or document (a source, link or name changes the document through
0009's triggers) moves the rows of its old and new lexemes. A bulk load (`dailies.bulk_load`, as
generate_events sets it) skips them and calls events_rebuild_search_counts() once at the end. The lexeme
is in the "C" collation, so that `LIKE 'prefix%'` reads the primary key's range.
"""

from django.db import migrations

FORWARD = r"""
CREATE TABLE IF NOT EXISTS events_search_count (
    lexeme text COLLATE "C" NOT NULL,
    month date NOT NULL,
    kind varchar(32) NOT NULL,
    n integer NOT NULL,
    changed_at timestamptz,  -- the latest change to an event counted here (as events_monthly_count's)
    PRIMARY KEY (lexeme, month, kind)
-- Room on each page, so that a trigger's update of a row stays on its page (HOT) and a lexeme's rows stay
-- together: a search reads its lexeme's ~2,000 rows from a few pages, not one page each (14 ms at 1M events).
) WITH (fillfactor = 70);

CREATE OR REPLACE FUNCTION events_search_count_change() RETURNS trigger AS $$
BEGIN
    IF events_bulk_loading() THEN
        RETURN NULL;
    END IF;
    INSERT INTO events_search_count AS t (lexeme, month, kind, n, changed_at)
    SELECT d.lexeme, d.month, d.kind, sum(d.sign), clock_timestamp()
    FROM (
        SELECT unnest(tsvector_to_array(OLD.search_vector)) AS lexeme,
               date_trunc('month', OLD.date)::date AS month, OLD.kind AS kind, -1 AS sign
        WHERE TG_OP <> 'INSERT' AND OLD.status = 'published'
        UNION ALL
        SELECT unnest(tsvector_to_array(NEW.search_vector)), date_trunc('month', NEW.date)::date, NEW.kind, 1
        WHERE TG_OP <> 'DELETE' AND NEW.status = 'published'
    ) d
    -- As events_count_change: the rows of an event still counted there are touched too (an edit is a change).
    GROUP BY 1, 2, 3 HAVING sum(d.sign) <> 0 OR (TG_OP <> 'DELETE' AND NEW.status = 'published')
    ORDER BY 1, 2, 3  -- one lock order for every writer
    ON CONFLICT (lexeme, month, kind) DO UPDATE SET n = t.n + EXCLUDED.n, changed_at = clock_timestamp();
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION events_rebuild_search_counts() RETURNS void AS $$
BEGIN
    TRUNCATE events_search_count;
    INSERT INTO events_search_count (lexeme, month, kind, n, changed_at)
    SELECT w.lexeme, date_trunc('month', e.date)::date, e.kind, count(*), max(e.updated_at)
    FROM events_event e, unnest(tsvector_to_array(e.search_vector)) AS w (lexeme)
    WHERE e.status = 'published'
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3;  -- each lexeme's rows on neighbouring pages
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS events_event_search_counts_insert ON events_event;
CREATE TRIGGER events_event_search_counts_insert AFTER INSERT ON events_event
    FOR EACH ROW WHEN (NEW.status = 'published') EXECUTE FUNCTION events_search_count_change();
DROP TRIGGER IF EXISTS events_event_search_counts_delete ON events_event;
CREATE TRIGGER events_event_search_counts_delete AFTER DELETE ON events_event
    FOR EACH ROW WHEN (OLD.status = 'published') EXECUTE FUNCTION events_search_count_change();
DROP TRIGGER IF EXISTS events_event_search_counts_update ON events_event;
CREATE TRIGGER events_event_search_counts_update AFTER UPDATE ON events_event
    FOR EACH ROW WHEN (
        (OLD.status = 'published' OR NEW.status = 'published') AND (
            OLD.status IS DISTINCT FROM NEW.status OR OLD.kind IS DISTINCT FROM NEW.kind
            OR OLD.date IS DISTINCT FROM NEW.date OR OLD.updated_at IS DISTINCT FROM NEW.updated_at
            OR OLD.search_vector IS DISTINCT FROM NEW.search_vector))
    EXECUTE FUNCTION events_search_count_change();

SELECT events_rebuild_search_counts();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS events_event_search_counts_insert ON events_event;
DROP TRIGGER IF EXISTS events_event_search_counts_delete ON events_event;
DROP TRIGGER IF EXISTS events_event_search_counts_update ON events_event;
DROP FUNCTION IF EXISTS events_search_count_change();
DROP FUNCTION IF EXISTS events_rebuild_search_counts();
DROP TABLE IF EXISTS events_search_count;
"""


def on_postgresql(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("events", "0017_search_words_trigram_expression")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD))]
