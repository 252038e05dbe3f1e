"""The search document also holds the names on an event, and pg_trgm finds names a letter off (PostgreSQL).

"Crabtree-Ireland", "Electronic Arts" or "Lucasfilm" found nothing: the document of migration 0005 held
the title, the summary and the (accepted) sources' titles, not the organisations and people linked to the event. Here
`events_search_document` adds their names and aliases, and triggers keep it right when links are added,
moved or removed, and when an organisation or a person is renamed or gets an alias (statement-level, so a
bulk load recomputes each event once). The column, the GIN index and the query stay those of 0005.

pg_trgm's trigram indexes on the names serve the typo tolerance and "did you mean" of
`events.queries` (`near_names`): `word <% (name || ' ' || aliases)` seeks the index.
SQLite has none of this; its search reads the names through the links.
"""

from django.db import migrations

DOCUMENT = r"""
CREATE OR REPLACE FUNCTION events_search_document(event_id bigint, title text, summary text)
RETURNS tsvector AS $$
    SELECT to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(summary, '') || ' ' ||
        COALESCE((SELECT string_agg(s.title, ' ' ORDER BY s.id) FROM events_source s
                  WHERE s.event_id = $1 AND s.review = 'accepted'), '')
        || ' ' || COALESCE((
            SELECT string_agg(o.name || ' ' || translate(o.aliases, E'\n\r', '  '), ' ' ORDER BY l.id)
            FROM events_eventorganisation l JOIN events_organisation o ON o.id = l.organisation_id
            WHERE l.event_id = $1), '')
        || ' ' || COALESCE((
            SELECT string_agg(p.name || ' ' || translate(p.aliases, E'\n\r', '  '), ' ' ORDER BY l.id)
            FROM events_eventperson l JOIN events_person p ON p.id = l.person_id
            WHERE l.event_id = $1), ''))
$$ LANGUAGE sql STABLE;
"""

# Back to migration 0006's definition: accepted sources' titles, no names.
OLD_DOCUMENT = """
CREATE OR REPLACE FUNCTION events_search_document(event_id bigint, title text, summary text)
RETURNS tsvector AS $$
    SELECT to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(summary, '') || ' ' ||
        COALESCE((SELECT string_agg(s.title, ' ' ORDER BY s.id) FROM events_source s
                  WHERE s.event_id = $1 AND s.review = 'accepted'), ''))
$$ LANGUAGE sql STABLE;
"""

LINK_TRIGGERS = """
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

CREATE OR REPLACE FUNCTION events_names_refresh_search_vector() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'events_organisation' THEN
        UPDATE events_event SET search_vector = events_search_document(id, title, summary)
        WHERE id IN (
            SELECT l.event_id FROM events_eventorganisation l
            JOIN new_names n ON n.id = l.organisation_id JOIN old_names o ON o.id = n.id
            WHERE n.name IS DISTINCT FROM o.name OR n.aliases IS DISTINCT FROM o.aliases);
    ELSE
        UPDATE events_event SET search_vector = events_search_document(id, title, summary)
        WHERE id IN (
            SELECT l.event_id FROM events_eventperson l
            JOIN new_names n ON n.id = l.person_id JOIN old_names o ON o.id = n.id
            WHERE n.name IS DISTINCT FROM o.name OR n.aliases IS DISTINCT FROM o.aliases);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

TRIGGERS = ""
for table in ("events_eventorganisation", "events_eventperson"):
    TRIGGERS += f"""
DROP TRIGGER IF EXISTS {table}_search_insert ON {table};
CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_links FOR EACH STATEMENT EXECUTE FUNCTION events_links_refresh_search_vector();
DROP TRIGGER IF EXISTS {table}_search_update ON {table};
CREATE TRIGGER {table}_search_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION events_links_refresh_search_vector();
DROP TRIGGER IF EXISTS {table}_search_delete ON {table};
CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_links FOR EACH STATEMENT EXECUTE FUNCTION events_links_refresh_search_vector();
"""
for table in ("events_organisation", "events_person"):
    TRIGGERS += f"""
DROP TRIGGER IF EXISTS {table}_search_rename ON {table};
CREATE TRIGGER {table}_search_rename AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_names NEW TABLE AS new_names
    FOR EACH STATEMENT EXECUTE FUNCTION events_names_refresh_search_vector();
CREATE INDEX IF NOT EXISTS {table}_names_trgm ON {table}
    USING gin ((lower(name || ' ' || aliases)) gin_trgm_ops);
"""

FORWARD = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n" + DOCUMENT + LINK_TRIGGERS + TRIGGERS
    + "\nUPDATE events_event SET search_vector = events_search_document(id, title, summary);\n"
)

BACKWARD = ""
for table in ("events_eventorganisation", "events_eventperson"):
    BACKWARD += "".join(f"DROP TRIGGER IF EXISTS {table}_search_{op} ON {table};\n" for op in ("insert", "update", "delete"))
for table in ("events_organisation", "events_person"):
    BACKWARD += f"DROP TRIGGER IF EXISTS {table}_search_rename ON {table};\nDROP INDEX IF EXISTS {table}_names_trgm;\n"
BACKWARD += """
DROP FUNCTION IF EXISTS events_links_refresh_search_vector();
DROP FUNCTION IF EXISTS events_names_refresh_search_vector();
""" + OLD_DOCUMENT + "\nUPDATE events_event SET search_vector = events_search_document(id, title, summary);\n"


def on_postgresql(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("events", "0008_event_machine_draft")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD), elidable=False)]
