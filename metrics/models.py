"""Live figures: a summary table maintained in the same transaction as the records.

Every counted record (activity, commitment, inspection, survey) contributes values to a few
keys (``activities``, ``tech_visits``, ``project_funds``, ``commitments_done`` ...) on its day,
for every unit whose scope holds it (its stored ``RecordScope``: its unit's ancestors and, through
its pairing, the village's and the bureau's; CONTRACT.md §4). ``Contribution`` remembers what each
record added, so an edit, delete or move subtracts exactly that; ``Fact`` holds the sums per
(unit, campaign, day, key) three times: per day (``grain`` "d"), per month (``grain`` "m", ``day`` the
month's first day) and in total (``grain`` "t"). A figure for any unit and period is then one
indexed range read of ``Fact``: the period's whole months from month rows, the days at either end
from day rows (``selectors.facts_in``), so a three-year figure reads about forty rows per key
whatever the number of records; a period that holds every day of a key's rows (``FactSpan``, the
default campaign-to-date period of every page) reads one total row per key. Pairings are counted live from their stored scope
(active at any time in the period), not summed by day. ``rebuild_metrics`` re-derives both tables
from the records without stopping writers.
"""

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations.scoping import ScopedQuerySet

DAY, MONTH, TOTAL = "d", "m", "t"
# The ``day`` of a total row (``grain`` "t"): every day of the campaign's rows in one.
TOTAL_DAY = dt.date(1, 1, 1)


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
    grain = models.CharField(_("粒度"), max_length=1, choices=[(DAY, _("日")), (MONTH, _("月")), (TOTAL, _("合计"))], default=DAY)

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


class FactSpan(models.Model):
    """The days a campaign's rows of one key may fall on (no row of ``Fact`` lies outside
    [first_day, last_day]): every write widens it in its transaction and nothing narrows it, so it
    may be wider than the rows, never narrower. A period that holds the whole span reads the key's
    total rows (``grain`` "t", one per unit) instead of its months and days (``selectors``)."""

    campaign = models.ForeignKey("campaigns.Campaign", verbose_name=_("活动"), on_delete=models.CASCADE,
                                 related_name="+", db_index=False)
    key = models.CharField(_("指标键"), max_length=64)
    first_day = models.DateField(_("最早日期"))
    last_day = models.DateField(_("最晚日期"))

    class Meta:
        verbose_name = _("汇总日期范围")
        verbose_name_plural = _("汇总日期范围")
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="fact_span_unique")]

    def __str__(self):
        return f"{self.campaign_id}/{self.key}: {self.first_day}–{self.last_day}"


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


# --- assessment (考核): a scheme, its items and deduction rules, review adjustments, frozen results ---

class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEWED = "reviewed", _("已审核")
    FROZEN = "frozen", _("已冻结")
    PUBLISHED = "published", _("已发布")


class AssessmentLevel(models.TextChoices):
    """Which units are assessed (the keys of ``metrics.figures.LEVELS``)."""

    TOWNSHIP = "township", _("乡镇(街道)")
    VILLAGE = "village", _("村(社区)")
    BUREAU = "bureau", _("帮建单位")


class ScoringMethod(models.TextChoices):
    TARGET = "target", _("目标完成(数值÷目标)")
    BEST = "best", _("相对排名(数值÷最好单位)")
    MINMAX = "minmax", _("相对排名(最低—最高区间)")


class DeductionKind(models.TextChoices):
    OVERDUE_RECTIFICATION = "overdue_rectification", _("整改事项逾期未销号")
    OVERDUE_COMMITMENT = "overdue_commitment", _("承诺事项逾期未完成")


class AssessmentSchemeQuerySet(models.QuerySet):
    def for_user(self, user):
        """Schemes of units in the user's scope, and published schemes above the user's units
        (a township or village sees the county's published result for its own units)."""
        from organizations.scoping import scope_paths

        paths = scope_paths(user)
        if paths is None:
            return self
        above = set()
        for p in paths:
            parts = [x for x in p.split("/") if x]
            above.update("/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1))
        q = models.Q(pk__in=[])
        for p in paths:
            q |= models.Q(unit__path__startswith=p)
        return self.filter(q | models.Q(status=AssessmentStatus.PUBLISHED, unit__path__in=sorted(above)))


class AssessmentScheme(models.Model):
    """考核方案: which units (``level``) under ``unit`` are assessed in ``campaign`` over a period,
    on weighted items and deductions. Draft → reviewed → frozen (results stored, never recomputed)
    → published (the assessed units see their own result). ``metrics.assessment`` holds the rules."""

    title = models.CharField(_("方案名称"), max_length=100)
    campaign = models.ForeignKey("campaigns.Campaign", verbose_name=_("专项活动"), on_delete=models.PROTECT,
                                 related_name="assessment_schemes")
    unit = models.ForeignKey("organizations.Unit", verbose_name=_("考核单位"), on_delete=models.PROTECT,
                             related_name="assessment_schemes", help_text=_("组织考核的单位(县、市)"))
    year = models.PositiveSmallIntegerField(_("考核年度"))
    level = models.CharField(_("考核对象"), max_length=12, choices=AssessmentLevel.choices)
    date_from = models.DateField(_("统计开始日期"))
    date_to = models.DateField(_("统计截止日期"))
    status = models.CharField(_("状态"), max_length=12, choices=AssessmentStatus.choices,
                              default=AssessmentStatus.DRAFT)
    review_note = models.TextField(_("审核意见"), blank=True)
    created_by = models.ForeignKey("organizations.User", verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    reviewed_by = models.ForeignKey("organizations.User", verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    frozen_by = models.ForeignKey("organizations.User", verbose_name=_("冻结人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True)
    frozen_as_of = models.DateField(_("冻结时的统计截止日"), null=True, blank=True)
    published_by = models.ForeignKey("organizations.User", verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    objects = AssessmentSchemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit", "year", "level", "title"], name="assessment_unique"),
            models.CheckConstraint(condition=models.Q(date_from__lte=models.F("date_to")),
                                   name="assessment_period_order"),
        ]

    def __str__(self):
        return f"{self.year}年{self.title}"

    @property
    def is_frozen(self) -> bool:
        return self.status in (AssessmentStatus.FROZEN, AssessmentStatus.PUBLISHED)

    @property
    def reviewed_by_name(self) -> str:
        return person_name(self.reviewed_by)

    @property
    def frozen_by_name(self) -> str:
        return person_name(self.frozen_by)

    @property
    def published_by_name(self) -> str:
        return person_name(self.published_by)


def person_name(user) -> str:
    """Who did a step: the account's full name or username; "系统" for the system (seed, commands)."""
    if user is None:
        return "系统"
    return user.get_full_name() or user.username


class SchemePartQuerySet(ScopedQuerySet):
    """Items, rules and adjustments belong to their scheme's unit."""

    scope_path_field = "scheme__unit__path"


class AssessmentItem(models.Model):
    """考核指标: an indicator of the catalogue, its points and how they are earned."""

    scheme = models.ForeignKey(AssessmentScheme, verbose_name=_("考核方案"), on_delete=models.CASCADE,
                               related_name="items")
    indicator = models.ForeignKey("campaigns.Indicator", verbose_name=_("指标"), on_delete=models.PROTECT,
                                  related_name="+")
    method = models.CharField(_("计分方法"), max_length=8, choices=ScoringMethod.choices)
    max_points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    cap_percent = models.PositiveSmallIntegerField(_("目标完成率封顶(%)"), default=100)
    history = HistoricalRecords()

    objects = SchemePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["scheme", "indicator__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "indicator"], name="assessment_item_unique"),
            models.CheckConstraint(condition=models.Q(max_points__gt=0), name="assessment_item_points_positive"),
        ]

    def __str__(self):
        return f"{self.indicator_id}×{self.max_points}"


class DeductionRule(models.Model):
    """扣分规则: so many points per breach, up to a cap."""

    scheme = models.ForeignKey(AssessmentScheme, verbose_name=_("考核方案"), on_delete=models.CASCADE,
                               related_name="rules")
    kind = models.CharField(_("扣分情形"), max_length=32, choices=DeductionKind.choices)
    points_each = models.DecimalField(_("每项扣分"), max_digits=6, decimal_places=2)
    cap = models.DecimalField(_("最多扣分"), max_digits=6, decimal_places=2)
    history = HistoricalRecords()

    objects = SchemePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("扣分规则")
        verbose_name_plural = _("扣分规则")
        ordering = ["scheme", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "kind"], name="deduction_rule_unique"),
            models.CheckConstraint(condition=models.Q(points_each__gt=0, cap__gt=0), name="deduction_rule_positive"),
        ]

    def __str__(self):
        return f"{self.kind}: {self.points_each}/{self.cap}"


class AssessmentAdjustment(models.Model):
    """审核调整: points added or taken from one unit's score by the reviewer, with the reason."""

    scheme = models.ForeignKey(AssessmentScheme, verbose_name=_("考核方案"), on_delete=models.CASCADE,
                               related_name="adjustments")
    unit = models.ForeignKey("organizations.Unit", verbose_name=_("单位"), on_delete=models.PROTECT,
                             related_name="+")
    points = models.DecimalField(_("调整分值"), max_digits=6, decimal_places=2,
                                 help_text=_("加分为正,减分为负"))
    reason = models.CharField(_("调整理由"), max_length=200)
    made_by = models.ForeignKey("organizations.User", verbose_name=_("调整人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    made_at = models.DateTimeField(_("调整时间"), auto_now_add=True)
    history = HistoricalRecords()

    objects = SchemePartQuerySet.as_manager()

    class Meta:
        verbose_name = _("审核调整")
        verbose_name_plural = _("审核调整")
        ordering = ["scheme", "pk"]

    def __str__(self):
        return f"{self.unit_id}: {self.points}"

    @property
    def made_by_name(self) -> str:
        return person_name(self.made_by)


class AssessmentResultQuerySet(ScopedQuerySet):
    scope_path_field = "unit__path"


class AssessmentResult(models.Model):
    """One unit's frozen result: written once when the scheme is frozen, never changed after
    (``parts``: each item's value, target, ratio and points; ``deductions``; ``adjustments``)."""

    scheme = models.ForeignKey(AssessmentScheme, verbose_name=_("考核方案"), on_delete=models.CASCADE,
                               related_name="results")
    unit = models.ForeignKey("organizations.Unit", verbose_name=_("单位"), on_delete=models.PROTECT,
                             related_name="+")
    unit_name = models.CharField(_("单位名称(冻结时)"), max_length=100)
    rank = models.PositiveIntegerField(_("名次"))
    score = models.DecimalField(_("总分"), max_digits=8, decimal_places=2)
    base_points = models.DecimalField(_("指标得分"), max_digits=8, decimal_places=2)
    deducted = models.DecimalField(_("扣分"), max_digits=8, decimal_places=2)
    adjusted = models.DecimalField(_("审核调整"), max_digits=8, decimal_places=2)
    parts = models.JSONField(_("各指标"), default=list)
    deductions = models.JSONField(_("扣分明细"), default=list)
    adjustments = models.JSONField(_("调整明细"), default=list)
    history = HistoricalRecords()

    objects = AssessmentResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核结果(冻结)")
        verbose_name_plural = _("考核结果(冻结)")
        ordering = ["scheme", "rank", "unit_name"]
        constraints = [models.UniqueConstraint(fields=["scheme", "unit"], name="assessment_result_unique")]

    def __str__(self):
        return f"{self.unit_name}: {self.score}"
