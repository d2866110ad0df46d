"""Live figures: a summary table maintained in the same transaction as the records.

Every counted record (activity, commitment, inspection, survey) contributes values to a few
keys (``activities``, ``tech_visits``, ``project_funds``, ``commitments_done`` ...) on its day,
for every unit whose scope holds it (its stored ``RecordScope``: its unit's ancestors and, through
its pairing, the village's and the bureau's; CONTRACT.md §4). ``Contribution`` remembers what each
record added, so an edit, delete or move subtracts exactly that; ``Fact`` holds the sums per
(unit, campaign, day, key) twice: per day (``grain`` "d") and per month (``grain`` "m", ``day`` the
month's first day). A figure for any unit and period is then one indexed range read of ``Fact``:
the period's whole months from month rows, the days at either end from day rows (``selectors.
facts_in``), so a three-year figure reads about forty rows per key whatever the number of records. Pairings are counted live from their stored scope
(active at any time in the period), not summed by day. ``rebuild_metrics`` re-derives both tables
from the records without stopping writers.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations.scoping import ScopedQuerySet

DAY, MONTH = "d", "m"


class Fact(models.Model):
    unit = models.ForeignKey("organizations.Unit", verbose_name=_("单位"), on_delete=models.CASCADE,
                             related_name="+", db_index=False)
    campaign = models.ForeignKey("campaigns.Campaign", verbose_name=_("活动"), on_delete=models.CASCADE,
                                 related_name="+", db_index=False)
    day = models.DateField(_("日期"))
    key = models.CharField(_("指标键"), max_length=64)
    # False: from records still awaiting review (submitted activities); the verified-only figures
    # leave these out and "awaiting review" is their ``activities``.
    verified = models.BooleanField(_("已审核"), default=True)
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=2, default=0)
    grain = models.CharField(_("粒度"), max_length=1, choices=[(DAY, _("日")), (MONTH, _("月"))], default=DAY)

    class Meta:
        verbose_name = _("汇总数据")
        verbose_name_plural = _("汇总数据")
        # One index serves the writers' upserts and every read (unit, grain, campaign, keys, days).
        constraints = [
            models.UniqueConstraint(fields=["unit", "grain", "campaign", "key", "day", "verified"],
                                    name="fact_unique_grain"),
        ]

    def __str__(self):
        return f"{self.unit_id}/{self.campaign_id}/{self.day}/{self.key}{'' if self.verified else '?'}={self.value}"


class Contribution(models.Model):
    """What one record adds to the figures (per key), whatever units hold it: the units come from
    its stored scope (``organizations.RecordScope``). Edits and moves subtract exactly this."""

    record_type = models.CharField(_("记录类型"), max_length=40)
    record_id = models.BigIntegerField(_("记录"))
    campaign_id = models.BigIntegerField(_("活动"))
    day = models.DateField(_("日期"))
    key = models.CharField(_("指标键"), max_length=64)
    verified = models.BooleanField(_("已审核"), default=True)
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("记录贡献")
        verbose_name_plural = _("记录贡献")
        indexes = [models.Index(fields=["record_type", "record_id"], name="contribution_record")]

    def __str__(self):
        return f"{self.record_type}#{self.record_id}:{self.key}={self.value}"


class VillageYear(models.Model):
    """A village's reporting in one campaign and year, kept from its own ``activities`` rows of
    ``Fact`` (``rollup.refresh_village_years``, in the writer's transaction): the months with a
    counted activity (bit ``m - 1`` for month ``m``), the months with a verified one, and the first
    and the last day with a counted (and with a verified) activity. Keyed by the village, not by its ancestors, so a unit moving in
    the tree changes nothing here; a province's silence and reporting rates read one small row per
    village and year instead of every village's summary rows (metrics.figures)."""

    unit = models.ForeignKey("organizations.Unit", verbose_name=_("村(社区)"), on_delete=models.CASCADE,
                             related_name="+", db_index=False)
    campaign = models.ForeignKey("campaigns.Campaign", verbose_name=_("活动"), on_delete=models.CASCADE,
                                 related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    months = models.PositiveIntegerField(_("有活动的月份"), default=0)
    verified_months = models.PositiveIntegerField(_("有已审核活动的月份"), default=0)
    first_on = models.DateField(_("年内首次活动日期"))
    last_on = models.DateField(_("最近活动日期"))
    verified_first_on = models.DateField(_("年内首次已审核活动日期"), null=True, blank=True)
    verified_last_on = models.DateField(_("最近已审核活动日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("村年度报送")
        verbose_name_plural = _("村年度报送")
        constraints = [models.UniqueConstraint(fields=["unit", "campaign", "year"], name="village_year_unique")]
        indexes = [models.Index(fields=["last_on"], name="village_year_last_on"),
                   models.Index(fields=["campaign", "year"], name="village_year_campaign")]

    def __str__(self):
        return f"{self.unit_id}/{self.campaign_id}/{self.year}: {self.months:012b}"


class TargetQuerySet(ScopedQuerySet):
    scope_path_field = "unit__path"

    def for_campaign(self, campaign):
        return self.filter(campaign=campaign)


class Target(models.Model):
    """What a unit should reach on one indicator in one campaign (目标任务).

    The county sets one for each township or bureau, or the same value for every unit of a kind
    (``metrics.services.targets_apply``); township staff set their villages'. Progress is the
    unit's figure (from ``Fact``) against ``value``, judged against the campaign calendar.
    """

    campaign = models.ForeignKey("campaigns.Campaign", verbose_name=_("专项活动"), on_delete=models.CASCADE,
                                 related_name="targets")
    unit = models.ForeignKey("organizations.Unit", verbose_name=_("单位"), on_delete=models.CASCADE,
                             related_name="targets")
    indicator = models.ForeignKey("campaigns.Indicator", verbose_name=_("指标"), on_delete=models.PROTECT,
                                  related_name="targets")
    value = models.DecimalField(_("目标值"), max_digits=18, decimal_places=2)
    due_date = models.DateField(_("完成时限"), null=True, blank=True,
                                help_text=_("不填则以专项活动结束日期为准"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    set_by = models.ForeignKey("organizations.User", verbose_name=_("下达人"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("目标任务")
        verbose_name_plural = _("目标任务")
        ordering = ["campaign", "unit__path", "indicator__order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit", "indicator"], name="target_unique"),
            models.CheckConstraint(condition=models.Q(value__gt=0), name="target_value_positive"),
        ]
        indexes = [models.Index(fields=["campaign", "indicator", "unit"], name="target_campaign_indicator")]

    def __str__(self):
        return f"{self.unit_id}/{self.indicator_id}: {self.value}"
