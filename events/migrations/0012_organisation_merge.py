import django.db.models.deletion
"""Organisation merges are recorded: the old URL redirects to the survivor, and a merge can be undone.
Curators get the permissions of the new model."""

from django.db import migrations, models

from events.curators import create_all_permissions, grant_curator_permissions


def grant_merge_permissions(apps, schema_editor):
    create_all_permissions(apps)
    grant_curator_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), ["events"])


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0011_aggregate_counts'),
    ]

    operations = [
        migrations.CreateModel(
            name='OrganisationMerge',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('merged_name', models.CharField(max_length=200)),
                ('merged_slug', models.SlugField(max_length=100)),
                ('snapshot', models.JSONField(default=dict, help_text='The merged organisation and every row the merge moved.')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('undone_at', models.DateTimeField(blank=True, null=True)),
                ('survivor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='merges', to='events.organisation')),
            ],
            options={
                'verbose_name': 'organisation merge',
                'ordering': ['-created_at'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('undone_at__isnull', True)), fields=('merged_slug',), name='organisation_merge_live_slug')],
            },
        ),
        migrations.RunPython(grant_merge_permissions, migrations.RunPython.noop),
    ]
