"""GIN indexes for the timeline's full-text search (PostgreSQL only).

The expressions are exactly what `events.queries.search_condition` builds with Django's SearchVector
(`to_tsvector('english', COALESCE(title, '') || ' ' || COALESCE(summary, ''))`), so the planner can use
them. They are created with SQL rather than `Meta.indexes` because an expression index over a
SearchVector is PostgreSQL-only and the demo runs on SQLite; the migration state is left untouched so
later `makemigrations` runs see nothing to add or remove.
"""

from django.db import migrations

CREATE = [
    # The timeline's search box over published events' titles and summaries.
    """CREATE INDEX IF NOT EXISTS event_search_fts ON events_event USING gin (
        to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(summary, ''))
    ) WHERE status = 'published'""",
    # ...and over the titles of their sources.
    """CREATE INDEX IF NOT EXISTS source_title_fts ON events_source USING gin (
        to_tsvector('english'::regconfig, COALESCE(title, ''))
    )""",
]
DROP = ["DROP INDEX IF EXISTS event_search_fts", "DROP INDEX IF EXISTS source_title_fts"]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("events", "0002_curators_group")]

    operations = [migrations.RunPython(run(CREATE), run(DROP), elidable=False)]
