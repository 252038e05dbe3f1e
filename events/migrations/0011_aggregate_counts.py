"""Counts of published events kept by PostgreSQL itself, so charts and co-occurrence never scan events.

Three tables, kept right by triggers whatever writes the rows (admin, the review queue, ingest, COPY,
QuerySet.update()), each change costing a few index lookups:
- events_organisation_closure (organisation_id, ancestor_id): every organisation with itself and each
  organisation above it; rebuilt whole (a few thousand rows) when the hierarchy changes.
- events_monthly_count (scope, scope_id, month, kind, n): published events per month and kind, for the
  whole timeline (scope 'a', id 0), each organisation with its subsidiaries ('o': an event linked to the
  organisation or anything under it counts once), each organisation alone ('x'), person ('p'), lawsuit
  ('l') and agreement ('g'), and each organisation's total ('t', month 0001-01-01, kind ''), for the list
  of organisations. A chart for one of those reads at most months x kinds rows. `changed_at` is the
  latest change to an event counted in the row (the "latest change" shown above the results).
- events_cooccurrence_count (organisation_id, other_id, n): published events linked both to the
  organisation or one of its subsidiaries and to `other`, the organisation page's "often together with".

Every trigger on events and links works the same way: the event's contribution (the rows it adds one to) is computed before
and after the change, and the difference is added. Events count only while published. A session that
loads rows in bulk may `SET dailies.bulk_load = 'on'` to skip the triggers and call
events_rebuild_counts() afterwards (generate_events does). SQLite has none of this: the demo counts
events directly.
"""

from django.db import migrations

TABLES = """
CREATE TABLE IF NOT EXISTS events_organisation_closure (
    organisation_id bigint NOT NULL,
    ancestor_id bigint NOT NULL,
    PRIMARY KEY (organisation_id, ancestor_id)
);
CREATE INDEX IF NOT EXISTS events_organisation_closure_ancestor
    ON events_organisation_closure (ancestor_id, organisation_id);

CREATE TABLE IF NOT EXISTS events_monthly_count (
    scope "char" NOT NULL,
    scope_id bigint NOT NULL,
    month date NOT NULL,
    kind varchar(32) NOT NULL,
    n integer NOT NULL,
    changed_at timestamptz,  -- the latest change to an event counted here (its updated_at, or when it left)
    PRIMARY KEY (scope, scope_id, month, kind)
);

CREATE TABLE IF NOT EXISTS events_cooccurrence_count (
    organisation_id bigint NOT NULL,
    other_id bigint NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (organisation_id, other_id)
);
"""

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION events_rebuild_closure() RETURNS void AS $$
    -- One rebuild at a time: two interleaved ones would insert the same rows.
    LOCK TABLE events_organisation_closure IN EXCLUSIVE MODE;
    DELETE FROM events_organisation_closure;
    INSERT INTO events_organisation_closure (organisation_id, ancestor_id)
    WITH RECURSIVE up (organisation_id, ancestor_id, depth) AS (
        SELECT id, id, 0 FROM events_organisation
        UNION ALL
        SELECT up.organisation_id, o.parent_id, up.depth + 1
        FROM up JOIN events_organisation o ON o.id = up.ancestor_id
        WHERE o.parent_id IS NOT NULL AND up.depth < 64  -- a cycle, which the admin forbids, ends here
    )
    SELECT DISTINCT organisation_id, ancestor_id FROM up;
$$ LANGUAGE sql;

-- The rows one published event adds one to, given its fields and its organisations and people.
CREATE OR REPLACE FUNCTION events_contribution(
    p_date date, p_kind text, p_lawsuit bigint, p_agreement bigint, p_orgs bigint[], p_people bigint[]
) RETURNS TABLE (scope "char", scope_id bigint, month date, kind text) AS $$
    WITH m AS (SELECT date_trunc('month', p_date)::date AS month)
    SELECT 'a'::"char", 0::bigint, m.month, p_kind FROM m
    UNION ALL SELECT 'l'::"char", p_lawsuit, m.month, p_kind FROM m WHERE p_lawsuit IS NOT NULL
    UNION ALL SELECT 'g'::"char", p_agreement, m.month, p_kind FROM m WHERE p_agreement IS NOT NULL
    UNION ALL SELECT DISTINCT 'p'::"char", person, m.month, p_kind FROM m, unnest(p_people) AS person
    UNION ALL SELECT DISTINCT 'x'::"char", org, m.month, p_kind FROM m, unnest(p_orgs) AS org
    UNION ALL SELECT DISTINCT 't'::"char", org, '0001-01-01'::date, '' FROM unnest(p_orgs) AS org
    UNION ALL SELECT DISTINCT 'o'::"char", c.ancestor_id, m.month, p_kind
        FROM m, events_organisation_closure c WHERE c.organisation_id = ANY (p_orgs)
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION events_cooccurrence(p_orgs bigint[])
RETURNS TABLE (organisation_id bigint, other_id bigint) AS $$
    SELECT DISTINCT c.ancestor_id, other
    FROM events_organisation_closure c, unnest(p_orgs) AS other
    WHERE c.organisation_id = ANY (p_orgs)
$$ LANGUAGE sql STABLE;

-- Subtract what the event contributed before (when it was published), add what it contributes now.
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

CREATE OR REPLACE FUNCTION events_orgs_of(p_event bigint) RETURNS bigint[] AS $$
    SELECT coalesce(array_agg(organisation_id), '{}') FROM events_eventorganisation WHERE event_id = p_event
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION events_people_of(p_event bigint) RETURNS bigint[] AS $$
    SELECT coalesce(array_agg(person_id), '{}') FROM events_eventperson WHERE event_id = p_event
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION events_bulk_loading() RETURNS boolean AS $$
    SELECT coalesce(current_setting('dailies.bulk_load', true), '') = 'on'
$$ LANGUAGE sql STABLE;

-- An event was inserted, updated or deleted: its links are the same before and after.
CREATE OR REPLACE FUNCTION events_event_counts() RETURNS trigger AS $$
DECLARE
    orgs bigint[];
    people bigint[];
BEGIN
    IF events_bulk_loading() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        orgs := events_orgs_of(OLD.id);
        people := events_people_of(OLD.id);
        PERFORM events_count_change(
            OLD.status = 'published', OLD.date, OLD.kind, OLD.lawsuit_id, OLD.agreement_id, orgs, people,
            false, NULL, NULL, NULL, NULL, '{}', '{}');
    ELSIF TG_OP = 'INSERT' THEN
        orgs := events_orgs_of(NEW.id);
        people := events_people_of(NEW.id);
        PERFORM events_count_change(
            false, NULL, NULL, NULL, NULL, '{}', '{}',
            NEW.status = 'published', NEW.date, NEW.kind, NEW.lawsuit_id, NEW.agreement_id, orgs, people);
    ELSE
        orgs := events_orgs_of(NEW.id);
        people := events_people_of(NEW.id);
        PERFORM events_count_change(
            OLD.status = 'published', OLD.date, OLD.kind, OLD.lawsuit_id, OLD.agreement_id, orgs, people,
            NEW.status = 'published', NEW.date, NEW.kind, NEW.lawsuit_id, NEW.agreement_id, orgs, people);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

-- An organisation or person link is about to change: the event's fields are the same, its links differ.
-- A BEFORE trigger, because one statement may change several links of an event (Django deletes an event's
-- links in one DELETE): each row then sees the links as the rows before it left them, not its own change.
CREATE OR REPLACE FUNCTION events_link_counts() RETURNS trigger AS $$
DECLARE
    event_row record;
    eid bigint;
    was_orgs bigint[];
    was_people bigint[];
    now_orgs bigint[];
    now_people bigint[];
BEGIN
    IF events_bulk_loading() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    FOREACH eid IN ARRAY (CASE TG_OP WHEN 'INSERT' THEN ARRAY[NEW.event_id] WHEN 'DELETE' THEN ARRAY[OLD.event_id]
                          ELSE ARRAY(SELECT DISTINCT unnest(ARRAY[OLD.event_id, NEW.event_id])) END) LOOP
        SELECT * INTO event_row FROM events_event WHERE id = eid;
        CONTINUE WHEN NOT FOUND OR event_row.status <> 'published';
        was_orgs := events_orgs_of(eid);
        was_people := events_people_of(eid);
        now_orgs := was_orgs;
        now_people := was_people;
        IF TG_TABLE_NAME = 'events_eventorganisation' THEN
            IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.event_id = eid THEN
                now_orgs := array_remove(now_orgs, OLD.organisation_id);
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.event_id = eid THEN
                now_orgs := array_append(now_orgs, NEW.organisation_id);
            END IF;
        ELSE
            IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.event_id = eid THEN
                now_people := array_remove(now_people, OLD.person_id);
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.event_id = eid THEN
                now_people := array_append(now_people, NEW.person_id);
            END IF;
        END IF;
        PERFORM events_count_change(
            true, event_row.date, event_row.kind, event_row.lawsuit_id, event_row.agreement_id,
            was_orgs, was_people,
            true, event_row.date, event_row.kind, event_row.lawsuit_id, event_row.agreement_id,
            now_orgs, now_people);
    END LOOP;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$ LANGUAGE plpgsql;

-- Recount the with-subsidiaries rows of some organisations from their links (the hierarchy moved).
CREATE OR REPLACE FUNCTION events_recount_organisations(p_orgs bigint[]) RETURNS void AS $$
BEGIN
    DELETE FROM events_monthly_count WHERE scope = 'o' AND scope_id = ANY (p_orgs);
    DELETE FROM events_cooccurrence_count WHERE organisation_id = ANY (p_orgs);
    INSERT INTO events_monthly_count (scope, scope_id, month, kind, n, changed_at)
    SELECT 'o', c.ancestor_id, date_trunc('month', e.date)::date, e.kind, count(DISTINCT e.id), max(e.updated_at)
    FROM events_organisation_closure c
    JOIN events_eventorganisation l ON l.organisation_id = c.organisation_id
    JOIN events_event e ON e.id = l.event_id AND e.status = 'published'
    WHERE c.ancestor_id = ANY (p_orgs)
    GROUP BY 1, 2, 3, 4;
    INSERT INTO events_cooccurrence_count (organisation_id, other_id, n)
    SELECT c.ancestor_id, other.organisation_id, count(DISTINCT e.id)
    FROM events_organisation_closure c
    JOIN events_eventorganisation l ON l.organisation_id = c.organisation_id
    JOIN events_event e ON e.id = l.event_id AND e.status = 'published'
    JOIN events_eventorganisation other ON other.event_id = e.id
    WHERE c.ancestor_id = ANY (p_orgs)
    GROUP BY 1, 2;
END $$ LANGUAGE plpgsql;

-- Organisations came, went or moved in the hierarchy (one statement may move several: Django sets the
-- parent of all of a deleted organisation's subsidiaries to NULL at once). Rebuild the closure and recount
-- what a move changed: the organisations above the moved ones, before and after.
CREATE OR REPLACE FUNCTION events_organisation_counts() RETURNS trigger AS $$
DECLARE
    moved bigint[];
    affected bigint[];
BEGIN
    IF events_bulk_loading() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        moved := ARRAY(SELECT n.id FROM new_organisations n JOIN old_organisations o ON o.id = n.id
                       WHERE o.parent_id IS DISTINCT FROM n.parent_id);
        IF cardinality(moved) = 0 THEN
            RETURN NULL;  -- a rename or any other edit: the hierarchy is as it was
        END IF;
        affected := ARRAY(SELECT ancestor_id FROM events_organisation_closure WHERE organisation_id = ANY (moved));
    END IF;
    PERFORM events_rebuild_closure();
    IF TG_OP = 'UPDATE' THEN
        affected := affected || ARRAY(
            SELECT ancestor_id FROM events_organisation_closure WHERE organisation_id = ANY (moved));
        PERFORM events_recount_organisations(ARRAY(SELECT DISTINCT unnest(affected)));
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM events_monthly_count
        WHERE scope IN ('o', 'x', 't') AND scope_id IN (SELECT id FROM old_organisations);
        DELETE FROM events_cooccurrence_count
        WHERE organisation_id IN (SELECT id FROM old_organisations) OR other_id IN (SELECT id FROM old_organisations);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

-- Everything from scratch: after a bulk load, or to check the triggers.
CREATE OR REPLACE FUNCTION events_rebuild_counts() RETURNS void AS $$
BEGIN
    PERFORM events_rebuild_closure();
    TRUNCATE events_monthly_count, events_cooccurrence_count;
    INSERT INTO events_monthly_count (scope, scope_id, month, kind, n, changed_at)
    SELECT 'a', 0, date_trunc('month', date)::date, kind, count(*), max(updated_at)
    FROM events_event WHERE status = 'published' GROUP BY 3, 4
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

TRIGGERS = """
DROP TRIGGER IF EXISTS events_event_counts_insert ON events_event;
CREATE TRIGGER events_event_counts_insert AFTER INSERT ON events_event
    FOR EACH ROW WHEN (NEW.status = 'published') EXECUTE FUNCTION events_event_counts();
DROP TRIGGER IF EXISTS events_event_counts_delete ON events_event;
CREATE TRIGGER events_event_counts_delete AFTER DELETE ON events_event
    FOR EACH ROW WHEN (OLD.status = 'published') EXECUTE FUNCTION events_event_counts();
-- Only what the counts read, and updated_at (an edit is the counted events' latest change): a trigger
-- that only rewrites a search document costs nothing here.
DROP TRIGGER IF EXISTS events_event_counts_update ON events_event;
CREATE TRIGGER events_event_counts_update AFTER UPDATE ON events_event
    FOR EACH ROW WHEN (
        (OLD.status = 'published' OR NEW.status = 'published') AND (
            OLD.status IS DISTINCT FROM NEW.status OR OLD.kind IS DISTINCT FROM NEW.kind
            OR OLD.updated_at IS DISTINCT FROM NEW.updated_at
            OR date_trunc('month', OLD.date) IS DISTINCT FROM date_trunc('month', NEW.date)
            OR OLD.lawsuit_id IS DISTINCT FROM NEW.lawsuit_id OR OLD.agreement_id IS DISTINCT FROM NEW.agreement_id))
    EXECUTE FUNCTION events_event_counts();

DROP TRIGGER IF EXISTS events_organisation_link_counts ON events_eventorganisation;
CREATE TRIGGER events_organisation_link_counts BEFORE INSERT OR DELETE OR UPDATE OF event_id, organisation_id
    ON events_eventorganisation FOR EACH ROW EXECUTE FUNCTION events_link_counts();
DROP TRIGGER IF EXISTS events_person_link_counts ON events_eventperson;
CREATE TRIGGER events_person_link_counts BEFORE INSERT OR DELETE OR UPDATE OF event_id, person_id
    ON events_eventperson FOR EACH ROW EXECUTE FUNCTION events_link_counts();

DROP TRIGGER IF EXISTS events_organisation_insert_counts ON events_organisation;
CREATE TRIGGER events_organisation_insert_counts AFTER INSERT ON events_organisation
    REFERENCING NEW TABLE AS new_organisations FOR EACH STATEMENT EXECUTE FUNCTION events_organisation_counts();
DROP TRIGGER IF EXISTS events_organisation_delete_counts ON events_organisation;
CREATE TRIGGER events_organisation_delete_counts AFTER DELETE ON events_organisation
    REFERENCING OLD TABLE AS old_organisations FOR EACH STATEMENT EXECUTE FUNCTION events_organisation_counts();
DROP TRIGGER IF EXISTS events_organisation_update_counts ON events_organisation;
CREATE TRIGGER events_organisation_update_counts AFTER UPDATE ON events_organisation
    REFERENCING OLD TABLE AS old_organisations NEW TABLE AS new_organisations
    FOR EACH STATEMENT EXECUTE FUNCTION events_organisation_counts();
"""

FORWARD = TABLES + FUNCTIONS + "SELECT events_rebuild_counts();\n" + TRIGGERS

BACKWARD = """
DROP TRIGGER IF EXISTS events_event_counts_insert ON events_event;
DROP TRIGGER IF EXISTS events_event_counts_delete ON events_event;
DROP TRIGGER IF EXISTS events_event_counts_update ON events_event;
DROP TRIGGER IF EXISTS events_organisation_link_counts ON events_eventorganisation;
DROP TRIGGER IF EXISTS events_person_link_counts ON events_eventperson;
DROP TRIGGER IF EXISTS events_organisation_insert_counts ON events_organisation;
DROP TRIGGER IF EXISTS events_organisation_delete_counts ON events_organisation;
DROP TRIGGER IF EXISTS events_organisation_update_counts ON events_organisation;
DROP FUNCTION IF EXISTS events_rebuild_counts();
DROP FUNCTION IF EXISTS events_organisation_counts();
DROP FUNCTION IF EXISTS events_recount_organisations(bigint[]);
DROP FUNCTION IF EXISTS events_link_counts();
DROP FUNCTION IF EXISTS events_event_counts();
DROP FUNCTION IF EXISTS events_bulk_loading();
DROP FUNCTION IF EXISTS events_people_of(bigint);
DROP FUNCTION IF EXISTS events_orgs_of(bigint);
DROP FUNCTION IF EXISTS events_count_change(boolean, date, text, bigint, bigint, bigint[], bigint[],
    boolean, date, text, bigint, bigint, bigint[], bigint[]);
DROP FUNCTION IF EXISTS events_cooccurrence(bigint[]);
DROP FUNCTION IF EXISTS events_contribution(date, text, bigint, bigint, bigint[], bigint[]);
DROP FUNCTION IF EXISTS events_rebuild_closure();
DROP TABLE IF EXISTS events_cooccurrence_count;
DROP TABLE IF EXISTS events_monthly_count;
DROP TABLE IF EXISTS events_organisation_closure;
"""


def on_postgresql(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0010_source_is_primary"),
    ]

    operations = [
        migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD), elidable=False),
    ]
