"""Sources get a review status: those that ingest adds to a published event wait for a curator.

Existing sources were all shown already, so they are accepted. On PostgreSQL the search document of an
event (migration 0005) now holds only its accepted sources' titles, and is recomputed when a source's
review status changes: a proposal must not make its event findable by words only the proposal holds.
Curators get the permissions of the new ProposedSource queue.
"""

from django.db import migrations, models

from events.curators import create_all_permissions, grant_curator_permissions

DOCUMENT = """
CREATE OR REPLACE FUNCTION events_search_document(event_id bigint, title text, summary text)
RETURNS tsvector AS $$
    SELECT to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(summary, '') || ' ' ||
        COALESCE((SELECT string_agg(s.title, ' ' ORDER BY s.id) FROM events_source s
                  WHERE s.event_id = $1 AND s.review = 'accepted'), ''))
$$ LANGUAGE sql STABLE;
"""

SOURCES_TRIGGER = """
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
                OR n.review IS DISTINCT FROM o.review
            UNION
            SELECT o.event_id FROM new_sources n JOIN old_sources o ON o.id = n.id
            WHERE n.event_id IS DISTINCT FROM o.event_id
        );
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

# Back to migration 0005's definitions.
OLD_DOCUMENT = DOCUMENT.replace(" AND s.review = 'accepted'", "")
OLD_SOURCES_TRIGGER = SOURCES_TRIGGER.replace("\n                OR n.review IS DISTINCT FROM o.review", "")


def on_postgresql(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


def grant_queue_permissions(apps, schema_editor):
    create_all_permissions(apps)
    grant_curator_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), ["events"])


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0005_event_search_vector'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProposedSource',
            fields=[
            ],
            options={
                'verbose_name': 'proposed source',
                'verbose_name_plural': 'proposed sources',
                'ordering': ['event', 'created_at'],
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('events.source',),
        ),
        migrations.AddField(
            model_name='historicalsource',
            name='review',
            field=models.CharField(choices=[('proposed', 'Waiting for review'), ('accepted', 'Accepted'), ('rejected', 'Rejected')], default='accepted', help_text='Only accepted sources are shown to readers.', max_length=16, verbose_name='review'),
        ),
        migrations.AddField(
            model_name='source',
            name='review',
            field=models.CharField(choices=[('proposed', 'Waiting for review'), ('accepted', 'Accepted'), ('rejected', 'Rejected')], default='accepted', help_text='Only accepted sources are shown to readers.', max_length=16, verbose_name='review'),
        ),
        migrations.AddIndex(
            model_name='source',
            index=models.Index(condition=models.Q(('review', 'proposed')), fields=['event'], name='source_proposed'),
        ),
        migrations.RunPython(
            on_postgresql(DOCUMENT + SOURCES_TRIGGER), on_postgresql(OLD_DOCUMENT + OLD_SOURCES_TRIGGER), elidable=False
        ),
        migrations.RunPython(grant_queue_permissions, migrations.RunPython.noop),
    ]
