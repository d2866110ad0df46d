"""Pairings become two running counts of the summary (``pairings_started``, ``pairings_ended``):
derive them for the pairings already stored, through the same upkeep every writer runs."""

from django.db import migrations


CHUNK = 200


def derive(apps, schema_editor):
    from organizations import records
    from pairings.models import Pairing

    ids = list(Pairing.objects.order_by("pk").values_list("pk", flat=True))
    # One transaction (records.sync) per chunk: each takes the advisory locks of the chunk's units.
    for start in range(0, len(ids), CHUNK):
        records.sync(("pairing", pk) for pk in ids[start:start + CHUNK])
    if ids and schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("ANALYZE metrics_fact")


class Migration(migrations.Migration):
    atomic = False   # a transaction per chunk (see derive), not one for a province

    dependencies = [
        ("metrics", "0006_village_year"),
        ("pairings", "0002_last_logged_is_last_counted_activity"),
    ]

    operations = [migrations.RunPython(derive, migrations.RunPython.noop)]
