"""An event's date can be unknown (ingest found none); such an event cannot be published.

Drafts ingest made before this said so only in words, at the head of their summary: they become
unknown-date drafts and lose the note.
"""

from django.db import migrations, models


OLD_NOTE = (
    "Date unknown: the article gives no publication date and does not say when this happened; the date "
    "shown is the day it was ingested. "
)


def mark_unknown_dates(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    for event in Event.objects.filter(status="draft", summary__startswith=OLD_NOTE):
        event.date_precision = "unknown"
        event.summary = event.summary[len(OLD_NOTE):]
        event.save(update_fields=["date_precision", "summary"])


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0012_organisation_merge'),
    ]

    operations = [
        migrations.AlterField(
            model_name='event',
            name='date',
            field=models.DateField(help_text='For month or year precision, the first day of that month or year; for an unknown date, the day it was ingested (a placeholder).'),
        ),
        migrations.AlterField(
            model_name='event',
            name='date_precision',
            field=models.CharField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year'), ('unknown', 'Unknown (set a date before publishing)')], default='day', max_length=8),
        ),
        migrations.AlterField(
            model_name='historicalevent',
            name='date',
            field=models.DateField(help_text='For month or year precision, the first day of that month or year; for an unknown date, the day it was ingested (a placeholder).'),
        ),
        migrations.AlterField(
            model_name='historicalevent',
            name='date_precision',
            field=models.CharField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year'), ('unknown', 'Unknown (set a date before publishing)')], default='day', max_length=8),
        ),
        migrations.RunPython(mark_unknown_dates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='event',
            constraint=models.CheckConstraint(condition=models.Q(('date_precision', 'unknown'), ('status', 'published'), _negated=True), name='event_published_has_date'),
        ),
    ]
