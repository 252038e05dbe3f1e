"""The trigram index of events_searchword moves onto `lower(word)`, so that equality uses the primary key.

Since PostgreSQL 14 a pg_trgm GIN index also answers `=`, and the planner picked it for the one-edit
variants of a mistyped word (`word = ANY(<a few hundred variants>)`): one trigram search per variant,
3.7 s for "submit" on a table of 1,000 words on a loaded machine, where the primary key answers in well
under a millisecond. Words are stored lower-case, so `lower(word) % 'typed'` (events.search._event_words)
finds the same rows through this index, and `word = ANY(...)` can only use the primary key.
"""

from django.db import migrations

FORWARD = """
DROP INDEX IF EXISTS events_searchword_trgm;
CREATE INDEX IF NOT EXISTS events_searchword_lower_trgm ON events_searchword USING gin (lower(word) gin_trgm_ops);
"""

BACKWARD = """
DROP INDEX IF EXISTS events_searchword_lower_trgm;
CREATE INDEX IF NOT EXISTS events_searchword_trgm ON events_searchword USING gin (word gin_trgm_ops);
"""


def on_postgresql(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("events", "0016_lawsuit_party_counts")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD), elidable=False)]
