"""Published events per day and kind for the whole timeline, kept by the same triggers as 0011's counts.

A date range that starts or ends inside a month used to count those edge days from the events (two
partial months of the whole timeline: ~16,000 events, 1.4 s at a million events on a loaded machine). With
events_daily_count (day, kind, n, changed_at) the timeline's chart and summary for any date range read at
most days x kinds rows of the edges, whatever the number of events (events/aggregates.py).

events_count_change() gains the daily rows (an event contributes one to its day and kind while
published), events_rebuild_counts() recounts them, and the events' update trigger now also fires when an
event moves to another day of the same month.
"""

from django.db import migrations

TABLE = """
CREATE TABLE IF NOT EXISTS events_daily_count (
    day date NOT NULL,
    kind varchar(32) NOT NULL,
    n integer NOT NULL,
    changed_at timestamptz,  -- the latest change to an event counted here (its updated_at, or when it left)
    PRIMARY KEY (day, kind)
);
"""

COUNT_CHANGE = r"""
CREATE OR REPLACE FUNCTION events_count_change(
    o_published boolean, o_date date, o_kind text, o_lawsuit bigint, o_agreement bigint,
    o_orgs bigint[], o_people bigint[],
    n_published boolean, n_date date, n_kind text, n_lawsuit bigint, n_agreement bigint,
    n_orgs bigint[], n_people bigint[]
) RETURNS void AS $$
BEGIN
    INSERT INTO events_monthly_count AS t (scope, scope_id, month, kind, n, changed_at)
    SELECT d.scope, d.scope_id, d.month, d.kind, sum(d.sign), clock_timestamp()
    FROM (
        SELECT c.*, -1 AS sign FROM events_contribution(o_date, o_kind, o_lawsuit, o_agreement, o_orgs, o_people) c
        WHERE o_published
        UNION ALL
        SELECT c.*, 1 FROM events_contribution(n_date, n_kind, n_lawsuit, n_agreement, n_orgs, n_people) c
        WHERE n_published
    ) d
    -- Rows whose count does not move stay in when the event is counted there now: an edit is a change.
    GROUP BY 1, 2, 3, 4 HAVING sum(d.sign) <> 0 OR n_published
    ORDER BY 1, 2, 3, 4  -- one lock order for every writer
    ON CONFLICT (scope, scope_id, month, kind) DO UPDATE SET n = t.n + EXCLUDED.n, changed_at = clock_timestamp();

    INSERT INTO events_daily_count AS t (day, kind, n, changed_at)
    SELECT d.day, d.kind, sum(d.sign), clock_timestamp()
    FROM (
        SELECT o_date AS day, o_kind AS kind, -1 AS sign WHERE o_published
        UNION ALL
        SELECT n_date, n_kind, 1 WHERE n_published
    ) d
    GROUP BY 1, 2 HAVING sum(d.sign) <> 0 OR n_published
    ORDER BY 1, 2
    ON CONFLICT (day, kind) DO UPDATE SET n = t.n + EXCLUDED.n, changed_at = clock_timestamp();

    INSERT INTO events_cooccurrence_count AS t (organisation_id, other_id, n)
    SELECT d.organisation_id, d.other_id, sum(d.sign)
    FROM (
        SELECT c.*, -1 AS sign FROM events_cooccurrence(o_orgs) c WHERE o_published
        UNION ALL
        SELECT c.*, 1 FROM events_cooccurrence(n_orgs) c WHERE n_published
    ) d
    GROUP BY 1, 2 HAVING sum(d.sign) <> 0
    ORDER BY 1, 2
    ON CONFLICT (organisation_id, other_id) DO UPDATE SET n = t.n + EXCLUDED.n;
END $$ LANGUAGE plpgsql;
"""

REBUILD = r"""
CREATE OR REPLACE FUNCTION events_rebuild_counts() RETURNS void AS $$
BEGIN
    PERFORM events_rebuild_closure();
    TRUNCATE events_monthly_count, events_cooccurrence_count, events_daily_count;
    INSERT INTO events_daily_count (day, kind, n, changed_at)
    SELECT date, kind, count(*), max(updated_at)
    FROM events_event WHERE status = 'published' GROUP BY 1, 2;
    INSERT INTO events_monthly_count (scope, scope_id, month, kind, n, changed_at)
    SELECT 'a', 0, date_trunc('month', day)::date, kind, sum(n), max(changed_at)
    FROM events_daily_count GROUP BY 3, 4
    UNION ALL
    SELECT 'l', lawsuit_id, date_trunc('month', date)::date, kind, count(*), max(updated_at)
    FROM events_event WHERE status = 'published' AND lawsuit_id IS NOT NULL GROUP BY 2, 3, 4
    UNION ALL
    SELECT 'g', agreement_id, date_trunc('month', date)::date, kind, count(*), max(updated_at)
    FROM events_event WHERE status = 'published' AND agreement_id IS NOT NULL GROUP BY 2, 3, 4
    UNION ALL
    SELECT 'p', l.person_id, date_trunc('month', e.date)::date, e.kind, count(*), max(e.updated_at)
    FROM events_eventperson l JOIN events_event e ON e.id = l.event_id AND e.status = 'published'
    GROUP BY 2, 3, 4;
    INSERT INTO events_monthly_count (scope, scope_id, month, kind, n, changed_at)
    SELECT 'x', l.organisation_id, date_trunc('month', e.date)::date, e.kind, count(*), max(e.updated_at)
    FROM events_eventorganisation l JOIN events_event e ON e.id = l.event_id AND e.status = 'published'
    GROUP BY 2, 3, 4;
    INSERT INTO events_monthly_count (scope, scope_id, month, kind, n, changed_at)
    SELECT 't', scope_id, '0001-01-01', '', sum(n), max(changed_at)
    FROM events_monthly_count WHERE scope = 'x' GROUP BY scope_id;
    PERFORM events_recount_organisations(ARRAY(SELECT id FROM events_organisation));
END $$ LANGUAGE plpgsql;
"""

# As 0011's, but a move to another day of the same month changes the daily rows too.
UPDATE_TRIGGER = """
DROP TRIGGER IF EXISTS events_event_counts_update ON events_event;
CREATE TRIGGER events_event_counts_update AFTER UPDATE ON events_event
    FOR EACH ROW WHEN (
        (OLD.status = 'published' OR NEW.status = 'published') AND (
            OLD.status IS DISTINCT FROM NEW.status OR OLD.kind IS DISTINCT FROM NEW.kind
            OR OLD.updated_at IS DISTINCT FROM NEW.updated_at OR OLD.date IS DISTINCT FROM NEW.date
            OR OLD.lawsuit_id IS DISTINCT FROM NEW.lawsuit_id OR OLD.agreement_id IS DISTINCT FROM NEW.agreement_id))
    EXECUTE FUNCTION events_event_counts();
"""

# The daily rows of what is published now, counted once (the other tables are already right).
FILL = """
INSERT INTO events_daily_count (day, kind, n, changed_at)
SELECT date, kind, count(*), max(updated_at) FROM events_event WHERE status = 'published' GROUP BY 1, 2
ON CONFLICT (day, kind) DO NOTHING;
"""

FORWARD = TABLE + COUNT_CHANGE + REBUILD + UPDATE_TRIGGER + FILL


def _previous_functions():
    """0011's own definitions of the two functions and the trigger this migration replaces, to put back."""
    import importlib
    import re

    previous = importlib.import_module("events.migrations.0011_aggregate_counts")
    bodies = re.findall(
        r"(CREATE OR REPLACE FUNCTION (?:events_count_change|events_rebuild_counts)\(.*?\$\$ LANGUAGE plpgsql;)",
        previous.FUNCTIONS, re.S,
    )
    trigger = re.search(
        r"(DROP TRIGGER IF EXISTS events_event_counts_update.*?EXECUTE FUNCTION events_event_counts\(\);)",
        previous.TRIGGERS, re.S,
    )
    assert len(bodies) == 2 and trigger
    return "\n".join(bodies) + "\n" + trigger.group(1) + "\n"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_previous_functions() + "DROP TABLE IF EXISTS events_daily_count;\n")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0012_organisation_merge"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
