"""Candidate names that the registry already answers (by name or alias) are marked added.

Since the registry settles its candidates as entries are added (ingest.signals), new names leave the open
list at once; names found before that, whose organisation or person a curator had since added, would
otherwise stay open and inflate the admin home's count."""

from django.db import migrations


def registry_keys(apps):
    keys = set()
    for model in (apps.get_model("events", "Organisation"), apps.get_model("events", "Person")):
        for name, aliases in model.objects.values_list("name", "aliases").iterator():
            for each in [name, *(aliases or "").splitlines()]:
                key = " ".join(each.casefold().split())
                if key:
                    keys.add(key)
    return keys


def settle_candidates(apps, schema_editor):
    candidates = apps.get_model("ingest", "CandidateName")
    keys = sorted(registry_keys(apps))
    for start in range(0, len(keys), 500):
        candidates.objects.filter(key__in=keys[start : start + 500], status="open").update(status="added")


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0006_url_run_outcome"),
        ("events", "0017_search_words_trigram_expression"),
    ]
    operations = [migrations.RunPython(settle_candidates, migrations.RunPython.noop)]
