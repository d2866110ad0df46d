"""Pairings become two running counts of the summary (``pairings_started``, ``pairings_ended``):
derive them for the pairings already stored, through the same upkeep every writer runs."""

from django.db import migrations


def derive(apps, schema_editor):
    from organizations import records
    from pairings.models import Pairing

    ids = list(Pairing.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 2000):
        records.sync(("pairing", pk) for pk in ids[start:start + 2000])


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0006_village_year"),
        ("pairings", "0002_last_logged_is_last_counted_activity"),
    ]

    operations = [migrations.RunPython(derive, migrations.RunPython.noop)]
