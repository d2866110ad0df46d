from django.db import migrations, models


class Migration(migrations.Migration):
    """The activity lists' order (-date, -pk) as an index: a province's first and deep pages
    walk it instead of sorting millions of rows."""

    dependencies = [
        ("campaigns", "0006_activity_version"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(fields=["-date", "-id"], name="activity_date_desc"),
        ),
    ]
