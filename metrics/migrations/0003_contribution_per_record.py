# Contributions are kept per record (the units come from organizations.RecordScope). The old
# per-unit rows cannot be converted; they and the summary are emptied here and re-derived from
# the records by ``metrics.apps`` right after ``migrate`` (the same as ``rebuild_metrics``).

from django.db import migrations


def empty_summary(apps, schema_editor):
    apps.get_model("metrics", "Contribution").objects.all().delete()
    apps.get_model("metrics", "Fact").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('metrics', '0002_targets'),
        ('organizations', '0002_record_scope'),
    ]

    operations = [
        migrations.RunPython(empty_summary, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='contribution',
            name='unit_id',
        ),
    ]
