# ``Pairing.last_logged_on`` now means the pair's last counted activity (not returned), the one
# silence rule of the matrix and the figures. Say so in its label, and recompute it for existing pairs.

from django.db import migrations, models
from django.db.models import Max


def recompute(apps, schema_editor):
    Pairing = apps.get_model("pairings", "Pairing")
    Activity = apps.get_model("campaigns", "Activity")
    last = dict(Activity.objects.exclude(status="returned").exclude(pairing=None).values("pairing_id")
                .annotate(m=Max("date")).values_list("pairing_id", "m"))
    for pairing in Pairing.objects.only("pk", "last_logged_on"):
        value = last.get(pairing.pk)
        if pairing.last_logged_on != value:
            Pairing.objects.filter(pk=pairing.pk).update(last_logged_on=value)


class Migration(migrations.Migration):

    dependencies = [
        ("pairings", "0001_initial"),
        ("campaigns", "0006_activity_version"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalpairing",
            name="last_logged_on",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="最近活动日期",
                                   help_text="最近一次共建活动(已提交或已审核,不含退回)的日期,由系统维护"),
        ),
        migrations.AlterField(
            model_name="pairing",
            name="last_logged_on",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="最近活动日期",
                                   help_text="最近一次共建活动(已提交或已审核,不含退回)的日期,由系统维护"),
        ),
        migrations.RunPython(recompute, migrations.RunPython.noop),
    ]
