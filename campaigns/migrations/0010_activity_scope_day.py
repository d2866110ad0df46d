"""Activities' scope rows carry the activity's date (``RecordScope.day``, organizations 0006), so
a list reads a unit's newest activities in index order. Fill it for the activities stored."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

CHUNK = 50_000   # activities per statement (about five scope rows each)


def fill(apps, schema_editor):
    Activity = apps.get_model("campaigns", "Activity")
    RecordScope = apps.get_model("organizations", "RecordScope")
    connection = schema_editor.connection
    last = Activity.objects.order_by("-pk").values_list("pk", flat=True).first()
    if last is None:
        return
    for start in range(0, last + 1, CHUNK):
        end = start + CHUNK
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE organizations_recordscope s SET day = a.date FROM campaigns_activity a "
                    "WHERE s.record_type = 'activity' AND s.record_id = a.id AND a.id >= %s AND a.id < %s",
                    [start, end])
        else:
            RecordScope.objects.filter(record_type="activity", record_id__gte=start, record_id__lt=end).update(
                day=Subquery(Activity.objects.filter(pk=OuterRef("record_id")).values("date")[:1]))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE organizations_recordscope")


class Migration(migrations.Migration):
    atomic = False   # a statement per chunk, not one transaction for a province

    dependencies = [
        ("campaigns", "0009_plans_and_public_boards"),
        ("organizations", "0006_recordscope_day"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
