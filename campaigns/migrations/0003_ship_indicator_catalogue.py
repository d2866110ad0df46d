from django.db import migrations


def load(apps, schema_editor):
    from campaigns.catalogue import CATALOGUE

    Indicator = apps.get_model("campaigns", "Indicator")
    for order, code, name, unit, kind, definition, cap, money in CATALOGUE:
        Indicator.objects.update_or_create(code=code, defaults={
            "order": order, "name": name, "unit": unit, "kind": kind, "definition": definition,
            "max_per_activity": cap, "is_money": money, "active": True,
        })


def unload(apps, schema_editor):
    from campaigns.catalogue import CATALOGUE

    apps.get_model("campaigns", "Indicator").objects.filter(code__in=[c[1] for c in CATALOGUE]).delete()


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0002_indicator_catalogue")]
    operations = [migrations.RunPython(load, unload)]
