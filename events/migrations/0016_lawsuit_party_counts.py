"""Which lawsuits each organisation is a plaintiff or defendant in on published events, kept by triggers.

The organisation page lists the suits its organisation (or a subsidiary) is a party to; finding those
named on events walked every link of the subtree and each link's event (the most covered organisation:
~100,000 links at a million events, the page's slowest query, and it was not cached).
events_lawsuit_party_count (organisation_id, lawsuit_id, role, n) holds, per organisation, lawsuit and
role ('plaintiff' or 'defendant'), the published events of the suit that link the organisation in that
role, so the page reads a few rows per organisation of the subtree.

Kept as 0011's counts are: a BEFORE trigger on links (insert, delete, or a change of event,
organisation or role) and AFTER triggers on events (publishing, unpublishing, a change of lawsuit), each
adding or taking away one per link; skipped while `dailies.bulk_load` is on, and recounted by
events_rebuild_counts(), which now calls events_rebuild_lawsuit_parties().
"""

import importlib

from django.db import migrations

TABLE = """
CREATE TABLE IF NOT EXISTS events_lawsuit_party_count (
    organisation_id bigint NOT NULL,
    lawsuit_id bigint NOT NULL,
    role varchar(32) NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (organisation_id, lawsuit_id, role)
);
"""

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION events_party_add(p_organisation bigint, p_lawsuit bigint, p_role text, p_sign int)
RETURNS void AS $$
    INSERT INTO events_lawsuit_party_count AS t (organisation_id, lawsuit_id, role, n)
    VALUES (p_organisation, p_lawsuit, p_role, p_sign)
    ON CONFLICT (organisation_id, lawsuit_id, role) DO UPDATE SET n = t.n + EXCLUDED.n;
$$ LANGUAGE sql;

-- An event was published, unpublished, deleted or moved to another lawsuit: each of its party links counts
-- for the lawsuit it had before (minus one) and the one it has now (plus one), while published.
CREATE OR REPLACE FUNCTION events_event_parties() RETURNS trigger AS $$
DECLARE
    link record;
BEGIN
    IF events_bulk_loading() THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'published' AND OLD.lawsuit_id IS NOT NULL THEN
        FOR link IN SELECT organisation_id, role FROM events_eventorganisation
                    WHERE event_id = OLD.id AND role IN ('plaintiff', 'defendant') ORDER BY organisation_id LOOP
            PERFORM events_party_add(link.organisation_id, OLD.lawsuit_id, link.role, -1);
        END LOOP;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'published' AND NEW.lawsuit_id IS NOT NULL THEN
        FOR link IN SELECT organisation_id, role FROM events_eventorganisation
                    WHERE event_id = NEW.id AND role IN ('plaintiff', 'defendant') ORDER BY organisation_id LOOP
            PERFORM events_party_add(link.organisation_id, NEW.lawsuit_id, link.role, 1);
        END LOOP;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

-- A link came, went or changed (event, organisation or role): it counts while its event is published and
-- has a lawsuit.
CREATE OR REPLACE FUNCTION events_link_parties() RETURNS trigger AS $$
DECLARE
    suit bigint;
BEGIN
    IF events_bulk_loading() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.role IN ('plaintiff', 'defendant') THEN
        SELECT lawsuit_id INTO suit FROM events_event WHERE id = OLD.event_id AND status = 'published';
        IF suit IS NOT NULL THEN
            PERFORM events_party_add(OLD.organisation_id, suit, OLD.role, -1);
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.role IN ('plaintiff', 'defendant') THEN
        SELECT lawsuit_id INTO suit FROM events_event WHERE id = NEW.event_id AND status = 'published';
        IF suit IS NOT NULL THEN
            PERFORM events_party_add(NEW.organisation_id, suit, NEW.role, 1);
        END IF;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION events_rebuild_lawsuit_parties() RETURNS void AS $$
    TRUNCATE events_lawsuit_party_count;
    INSERT INTO events_lawsuit_party_count (organisation_id, lawsuit_id, role, n)
    SELECT l.organisation_id, e.lawsuit_id, l.role, count(*)
    FROM events_eventorganisation l
    JOIN events_event e ON e.id = l.event_id AND e.status = 'published' AND e.lawsuit_id IS NOT NULL
    WHERE l.role IN ('plaintiff', 'defendant')
    GROUP BY 1, 2, 3;
$$ LANGUAGE sql;
"""

TRIGGERS = """
DROP TRIGGER IF EXISTS events_event_parties_insert ON events_event;
CREATE TRIGGER events_event_parties_insert AFTER INSERT ON events_event
    FOR EACH ROW WHEN (NEW.status = 'published' AND NEW.lawsuit_id IS NOT NULL) EXECUTE FUNCTION events_event_parties();
DROP TRIGGER IF EXISTS events_event_parties_delete ON events_event;
CREATE TRIGGER events_event_parties_delete AFTER DELETE ON events_event
    FOR EACH ROW WHEN (OLD.status = 'published' AND OLD.lawsuit_id IS NOT NULL) EXECUTE FUNCTION events_event_parties();
DROP TRIGGER IF EXISTS events_event_parties_update ON events_event;
CREATE TRIGGER events_event_parties_update AFTER UPDATE ON events_event
    FOR EACH ROW WHEN (
        (OLD.lawsuit_id IS NOT NULL OR NEW.lawsuit_id IS NOT NULL)
        AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.lawsuit_id IS DISTINCT FROM NEW.lawsuit_id))
    EXECUTE FUNCTION events_event_parties();
DROP TRIGGER IF EXISTS events_link_parties ON events_eventorganisation;
CREATE TRIGGER events_link_parties BEFORE INSERT OR DELETE OR UPDATE OF event_id, organisation_id, role
    ON events_eventorganisation FOR EACH ROW EXECUTE FUNCTION events_link_parties();
"""

BACKWARD_TRIGGERS = """
DROP TRIGGER IF EXISTS events_event_parties_insert ON events_event;
DROP TRIGGER IF EXISTS events_event_parties_delete ON events_event;
DROP TRIGGER IF EXISTS events_event_parties_update ON events_event;
DROP TRIGGER IF EXISTS events_link_parties ON events_eventorganisation;
DROP FUNCTION IF EXISTS events_link_parties();
DROP FUNCTION IF EXISTS events_event_parties();
DROP FUNCTION IF EXISTS events_rebuild_lawsuit_parties();
DROP FUNCTION IF EXISTS events_party_add(bigint, bigint, text, int);
DROP TABLE IF EXISTS events_lawsuit_party_count;
"""


def _rebuild_counts():
    """0013's events_rebuild_counts(), and the same calling events_rebuild_lawsuit_parties() at its end."""
    before = importlib.import_module("events.migrations.0013_daily_counts").REBUILD
    marker = "    PERFORM events_recount_organisations(ARRAY(SELECT id FROM events_organisation));\n"
    assert marker in before
    return before, before.replace(marker, marker + "    PERFORM events_rebuild_lawsuit_parties();\n")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _, rebuild = _rebuild_counts()
        schema_editor.execute(TABLE + FUNCTIONS + rebuild + TRIGGERS + "SELECT events_rebuild_lawsuit_parties();\n")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        before, _ = _rebuild_counts()
        schema_editor.execute(before + BACKWARD_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0015_search_words"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
