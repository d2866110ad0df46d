"""The summary keeps a third grain, each unit's total (``Fact.grain`` "t"), and the days each
campaign's key spans (``FactSpan``): derive both from the rows already stored (the month rows'
sums, the day rows' first and last days), as the upkeep keeps them."""

import django.db.models.deletion
from django.db import migrations, models


def derive(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DELETE FROM metrics_fact WHERE grain = 't'")
        cursor.execute(
            "INSERT INTO metrics_fact (unit_id, grain, campaign_id, key, day, verified, value) "
            "SELECT unit_id, 't', campaign_id, key, '0001-01-01', verified, SUM(value) FROM metrics_fact "
            "WHERE grain = 'm' GROUP BY unit_id, campaign_id, key, verified HAVING SUM(value) <> 0")
        cursor.execute(
            "INSERT INTO metrics_factspan (campaign_id, key, first_day, last_day) "
            "SELECT campaign_id, key, MIN(day), MAX(day) FROM metrics_fact WHERE grain = 'd' "
            "GROUP BY campaign_id, key")
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("ANALYZE metrics_fact")


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DELETE FROM metrics_fact WHERE grain = 't'")


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0012_appraisal_subjects'),
        ('metrics', '0009_open_commitments'),
    ]

    operations = [
        migrations.AlterField(
            model_name='fact',
            name='grain',
            field=models.CharField(choices=[('d', '日'), ('m', '月'), ('t', '合计')], default='d', max_length=1, verbose_name='粒度'),
        ),
        migrations.CreateModel(
            name='FactSpan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=64, verbose_name='指标键')),
                ('first_day', models.DateField(verbose_name='最早日期')),
                ('last_day', models.DateField(verbose_name='最晚日期')),
                ('campaign', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.campaign', verbose_name='活动')),
            ],
            options={
                'verbose_name': '汇总日期范围',
                'verbose_name_plural': '汇总日期范围',
                'constraints': [models.UniqueConstraint(fields=('campaign', 'key'), name='fact_span_unique')],
            },
        ),
        migrations.RunPython(derive, drop),
    ]
