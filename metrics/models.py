"""Live figures: a summary table maintained in the same transaction as the records.

Every record (pairing, activity, commitment, inspection, survey) contributes values to a few
keys (``activities``, ``tech_visits``, ``project_funds``, ``commitments_done`` ...) on its day,
for every unit whose scope holds it (its unit's ancestors and, through its pairing, the village's
and the bureau's; CONTRACT.md §4). ``Contribution`` remembers what each record added, so an edit
or delete subtracts exactly that; ``Fact`` holds the sums per (unit, campaign, day, key). A
figure for any unit and period is then one indexed range read of ``Fact``, whatever the number
of records. ``rebuild_metrics`` recomputes both tables from the records.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Fact(models.Model):
    unit = models.ForeignKey("organizations.Unit", verbose_name=_("单位"), on_delete=models.CASCADE,
                             related_name="+", db_index=False)
    campaign = models.ForeignKey("campaigns.Campaign", verbose_name=_("活动"), on_delete=models.CASCADE,
                                 related_name="+", db_index=False)
    day = models.DateField(_("日期"))
    key = models.CharField(_("指标键"), max_length=64)
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("汇总数据")
        verbose_name_plural = _("汇总数据")
        constraints = [
            models.UniqueConstraint(fields=["unit", "key", "day", "campaign"], name="fact_unique"),
        ]
        indexes = [
            models.Index(fields=["unit", "campaign", "key", "day"], name="fact_unit_campaign"),
        ]

    def __str__(self):
        return f"{self.unit_id}/{self.campaign_id}/{self.day}/{self.key}={self.value}"


class Contribution(models.Model):
    record_type = models.CharField(_("记录类型"), max_length=40)
    record_id = models.BigIntegerField(_("记录"))
    unit_id = models.BigIntegerField(_("单位"))
    campaign_id = models.BigIntegerField(_("活动"))
    day = models.DateField(_("日期"))
    key = models.CharField(_("指标键"), max_length=64)
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("记录贡献")
        verbose_name_plural = _("记录贡献")
        indexes = [models.Index(fields=["record_type", "record_id"], name="contribution_record")]

    def __str__(self):
        return f"{self.record_type}#{self.record_id} → {self.unit_id}:{self.key}={self.value}"
