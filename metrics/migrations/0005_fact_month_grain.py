"""``Fact`` per day and per month (``grain``): the month rows are added from the day rows."""

from django.db import migrations, models
from django.db.models import Sum
from django.db.models.functions import TruncMonth


def add_month_rows(apps, schema_editor):
    Fact = apps.get_model("metrics", "Fact")
    rows = (Fact.objects.filter(grain="d").annotate(month=TruncMonth("day"))
            .values("unit_id", "campaign_id", "key", "verified", "month").annotate(total=Sum("value")).order_by())
    batch = []
    for r in rows.iterator(chunk_size=5000):
        if r["total"]:
            batch.append(Fact(unit_id=r["unit_id"], campaign_id=r["campaign_id"], key=r["key"], verified=r["verified"],
                              day=r["month"], grain="m", value=r["total"]))
        if len(batch) >= 5000:
            Fact.objects.bulk_create(batch)
            batch = []
    Fact.objects.bulk_create(batch)


def drop_month_rows(apps, schema_editor):
    apps.get_model("metrics", "Fact").objects.filter(grain="m").delete()


class Migration(migrations.Migration):

    dependencies = [("metrics", "0004_fact_verified")]

    operations = [
        migrations.RemoveConstraint(model_name="fact", name="fact_unique_v"),
        migrations.RemoveIndex(model_name="fact", name="fact_unit_campaign"),
        migrations.AddField(
            model_name="fact", name="grain",
            field=models.CharField(choices=[("d", "日"), ("m", "月")], default="d", max_length=1, verbose_name="粒度"),
        ),
        migrations.AddConstraint(
            model_name="fact",
            constraint=models.UniqueConstraint(fields=("unit", "grain", "campaign", "key", "day", "verified"),
                                               name="fact_unique_grain"),
        ),
        migrations.RunPython(add_month_rows, drop_month_rows),
    ]
