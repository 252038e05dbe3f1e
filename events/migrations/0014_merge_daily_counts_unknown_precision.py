"""Joins the two migrations numbered 0013 that landed side by side (daily counts, unknown date precision):
they touch different things, so nothing runs here; it only gives the graph one leaf again."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0013_daily_counts"),
        ("events", "0013_event_date_precision_unknown"),
    ]

    operations = []
