"""Open commitments become a running count of the summary by due date (``rollup.OPEN_KEY``):
derive it for the commitments already stored, through the same upkeep every writer runs."""

from django.db import migrations

CHUNK = 200


def derive(apps, schema_editor):
    from campaigns.models import Commitment
    from organizations import records

    ids = list(Commitment.objects.order_by("pk").values_list("pk", flat=True))
    # One transaction (records.sync) per chunk: each takes the advisory locks of the chunk's units.
    for start in range(0, len(ids), CHUNK):
        records.sync(("commitment", pk) for pk in ids[start:start + CHUNK])
    if ids and schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("ANALYZE metrics_fact")


class Migration(migrations.Migration):
    atomic = False   # a transaction per chunk (see derive), not one for a province

    dependencies = [
        ("metrics", "0008_assessment"),
        ("campaigns", "0012_appraisal_subjects"),
    ]

    operations = [migrations.RunPython(derive, migrations.RunPython.noop)]
