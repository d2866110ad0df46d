"""Evaluations (评选先优, issue 13 part A): schemes as data and the 评选 cycle.

- A ``Scheme`` (五个好先进集体, 五标兵, 五好党组织, 示范点 …) says who may be nominated (units of
  some kinds, or people of some political statuses) and by which ``Criterion`` rows (weight,
  full score, optionally the indicator codes whose figures suggest a score).
- A ``Cycle`` is one year's 评选 of a scheme organised by a county (or higher) unit: nominations
  until a deadline, two review rounds, 公示 with start and end dates, then the awards.
- A ``Nomination`` of a unit or a person (evidence: linked activities and commitments, files, the
  nominee's figures) goes 推荐 → 乡镇审核 → 县级审核 (scored by the assigned reviewers) → 公示 →
  授予 / 不授予; each review is a ``Decision`` row with its reason; an ``Objection`` received
  during 公示 is recorded and answered (upheld: not awarded). ``Award`` is the result, shown on the
  unit's and the person's pages (another app links to it by a nullable key: keep its name).
- Scope: a nomination and an award stand at the nominee's unit (the person's unit for people),
  registered in ``organizations.records`` (kinds ``nomination``, ``award``); a cycle is seen by
  whoever's scope holds its organiser or lies below it. Scores, decisions, objections and files
  are read through their nomination.

Only ``evaluations.services`` writes these models; every one keeps its history.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cobuild.codes import NeutralCodeMixin
from organizations.records import RecordQuerySet, unit_ids
from organizations.scoping import scope_paths


class SchemeKind(models.TextChoices):
    UNIT = "unit", _("先进集体(单位)")
    PERSON = "person", _("先进个人")


class Scheme(NeutralCodeMixin, models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("评选对象"), max_length=8, choices=SchemeKind.choices)
    eligible_unit_kinds = models.CharField(
        _("可推荐的单位类型"), max_length=200, blank=True,
        help_text=_("单位类型编码,逗号分隔,如 village,community(先进集体评选)"))
    eligible_statuses = models.CharField(
        _("可推荐的政治面貌"), max_length=200, blank=True,
        help_text=_("政治面貌编码,逗号分隔,留空表示不限(先进个人评选)"))
    description = models.TextField(_("评选标准说明"), blank=True)
    award_title = models.CharField(_("授予称号"), max_length=60,
                                   help_text=_("如“五个好先进村党支部”"))
    active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评选方案")
        verbose_name_plural = _("评选方案")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=~Q(code=""), name="scheme_code_not_empty")]

    def __str__(self):
        return self.name

    @property
    def unit_kinds(self) -> list[str]:
        return [k.strip() for k in self.eligible_unit_kinds.split(",") if k.strip()]

    @property
    def statuses(self) -> list[str]:
        return [k.strip() for k in self.eligible_statuses.split(",") if k.strip()]

    @property
    def is_person(self) -> bool:
        return self.kind == SchemeKind.PERSON


class Criterion(models.Model):
    scheme = models.ForeignKey(Scheme, verbose_name=_("评选方案"), on_delete=models.CASCADE,
                               related_name="criteria")
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    name = models.CharField(_("标准"), max_length=40)
    description = models.TextField(_("具体要求"), blank=True)
    weight = models.PositiveSmallIntegerField(_("权重(%)"), help_text=_("各项权重合计 100"))
    max_score = models.PositiveSmallIntegerField(_("满分"), default=100)
    indicator_codes = models.CharField(
        _("参考指标"), max_length=200, blank=True,
        help_text=_("成效指标编码,逗号分隔;填写后评分页显示被推荐单位该年度的指标数和建议分"))
    full_at = models.DecimalField(_("满分对应指标值"), max_digits=12, decimal_places=2, null=True, blank=True,
                                  help_text=_("参考指标合计达到此值时建议给满分(按比例折算)"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评选标准")
        verbose_name_plural = _("评选标准")
        ordering = ["scheme", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="criterion_unique_name"),
            models.CheckConstraint(condition=Q(weight__gte=1) & Q(weight__lte=100), name="criterion_weight_range"),
            models.CheckConstraint(condition=Q(max_score__gte=1), name="criterion_max_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def codes(self) -> list[str]:
        return [c.strip() for c in self.indicator_codes.split(",") if c.strip()]


class CycleStatus(models.TextChoices):
    OPEN = "open", _("推荐评审中")
    PUBLICITY = "publicity", _("公示中")
    CLOSED = "closed", _("公示结束")
    FINISHED = "finished", _("已授予")


class CycleQuerySet(models.QuerySet):
    def for_user(self, user):
        """The organiser's side (organiser in the user's scope) and everyone below it (a village
        secretary sees the county's 评选 to nominate in it)."""
        paths = scope_paths(user)
        if paths is None:
            return self
        if not paths:
            return self.none()
        q = Q()
        above = set()
        for p in paths:
            q |= Q(organiser__path__startswith=p)
            above |= unit_ids(p)
        return self.filter(q | Q(organiser_id__in=sorted(above)))


class Cycle(models.Model):
    scheme = models.ForeignKey(Scheme, verbose_name=_("评选方案"), on_delete=models.PROTECT, related_name="cycles")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=100)
    organiser = models.ForeignKey("organizations.Unit", verbose_name=_("组织单位"), on_delete=models.PROTECT,
                                  related_name="evaluation_cycles")
    nomination_deadline = models.DateField(_("推荐截止日期"))
    review_deadline = models.DateField(_("评审截止日期"), null=True, blank=True)
    publicity_start = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateField(_("公示结束"), null=True, blank=True)
    objection_contact = models.CharField(_("异议受理方式"), max_length=200, blank=True,
                                         help_text=_("公示期间受理意见的电话、地址(单位的,不填个人手机)"))
    status = models.CharField(_("状态"), max_length=12, choices=CycleStatus.choices, default=CycleStatus.OPEN)
    board = models.ForeignKey("campaigns.PublicBoard", verbose_name=_("公示栏"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="evaluation_cycles")
    awarded_on = models.DateField(_("授予日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    objects = CycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("评选")
        verbose_name_plural = _("评选")
        ordering = ["-year", "scheme__code", "pk"]
        indexes = [models.Index(fields=["organiser", "year"], name="cycle_organiser_year")]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "organiser", "year"], name="cycle_once_a_year"),
            models.CheckConstraint(condition=Q(publicity_end__isnull=True) | Q(publicity_start__isnull=False)
                                   & Q(publicity_end__gte=models.F("publicity_start")),
                                   name="cycle_publicity_order"),
            models.CheckConstraint(condition=Q(status="open") | Q(publicity_end__isnull=False),
                                   name="cycle_publicity_dates"),
        ]

    def __str__(self):
        return self.title


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", _("已推荐,待乡镇审核")
    RETURNED = "returned", _("退回修改")
    TOWNSHIP_PASSED = "township_passed", _("乡镇审核通过,待县级评审")
    COUNTY_PASSED = "county_passed", _("县级评审通过,待公示")
    PUBLICITY = "publicity", _("公示中")
    AWARDED = "awarded", _("授予")
    REJECTED = "rejected", _("审核未通过")
    NOT_AWARDED = "not_awarded", _("不授予")


#: statuses in the order a cycle page lists them
STATUS_ORDER = [NominationStatus.NOMINATED, NominationStatus.RETURNED, NominationStatus.TOWNSHIP_PASSED,
                NominationStatus.COUNTY_PASSED, NominationStatus.PUBLICITY, NominationStatus.AWARDED,
                NominationStatus.REJECTED, NominationStatus.NOT_AWARDED]


class NominationQuerySet(RecordQuerySet):
    pass


class Nomination(models.Model):
    cycle = models.ForeignKey(Cycle, verbose_name=_("评选"), on_delete=models.PROTECT, related_name="nominations")
    unit = models.ForeignKey("organizations.Unit", verbose_name=_("被推荐单位(或所在单位)"), on_delete=models.PROTECT,
                             related_name="nominations")
    person = models.ForeignKey("people.Person", verbose_name=_("被推荐人"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="nominations")
    nominating_unit = models.ForeignKey("organizations.Unit", verbose_name=_("推荐单位"), on_delete=models.PROTECT,
                                        related_name="nominations_made")
    statement = models.TextField(_("主要事迹"))
    activities = models.ManyToManyField("campaigns.Activity", verbose_name=_("佐证活动"), blank=True,
                                        related_name="+")
    commitments = models.ManyToManyField("campaigns.Commitment", verbose_name=_("佐证承诺"), blank=True,
                                         related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=NominationStatus.choices,
                              default=NominationStatus.NOMINATED)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("推荐人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    nominated_at = models.DateTimeField(_("推荐时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[activities, commitments])

    objects = NominationQuerySet.as_manager()

    class Meta:
        verbose_name = _("推荐对象")
        verbose_name_plural = _("推荐对象")
        ordering = ["cycle", "unit__path", "pk"]
        indexes = [models.Index(fields=["cycle", "status"], name="nomination_cycle_status")]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "unit"], condition=Q(person__isnull=True),
                                    name="nomination_unit_once"),
            models.UniqueConstraint(fields=["cycle", "person"], condition=Q(person__isnull=False),
                                    name="nomination_person_once"),
        ]

    def __str__(self):
        return self.nominee_name

    @property
    def nominee_name(self) -> str:
        return self.person.name if self.person_id else self.unit.name


class ReviewerAssignment(models.Model):
    """A user the county asked to score the nominations of a cycle (评审专家/评审组成员)."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("评选"), on_delete=models.CASCADE, related_name="reviewers")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评审人"), on_delete=models.PROTECT,
                                 related_name="evaluation_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("指派人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(_("指派时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评审人指派")
        verbose_name_plural = _("评审人指派")
        ordering = ["cycle", "pk"]
        constraints = [models.UniqueConstraint(fields=["cycle", "reviewer"], name="reviewer_once_per_cycle")]

    def __str__(self):
        return f"{self.cycle_id}:{self.reviewer_id}"


class Score(models.Model):
    nomination = models.ForeignKey(Nomination, verbose_name=_("推荐对象"), on_delete=models.CASCADE,
                                   related_name="scores")
    criterion = models.ForeignKey(Criterion, verbose_name=_("评选标准"), on_delete=models.PROTECT,
                                  related_name="scores")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评审人"), on_delete=models.PROTECT,
                                 related_name="+")
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    comment = models.CharField(_("评语"), max_length=300, blank=True)
    scored_at = models.DateTimeField(_("评分时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        ordering = ["nomination", "criterion__order", "reviewer_id"]
        constraints = [
            models.UniqueConstraint(fields=["nomination", "criterion", "reviewer"], name="score_once"),
            models.CheckConstraint(condition=Q(score__gte=0), name="score_not_negative"),
        ]

    def __str__(self):
        return f"{self.criterion_id}: {self.score}"


class Round(models.TextChoices):
    TOWNSHIP = "township", _("乡镇审核")
    COUNTY = "county", _("县级评审")
    OBJECTION = "objection", _("公示异议处理")
    AWARD = "award", _("授予")


class Result(models.TextChoices):
    PASS = "pass", _("通过")
    RETURN = "return", _("退回修改")
    REJECT = "reject", _("不通过")
    AWARD = "award", _("授予")
    NOT_AWARD = "not_award", _("不授予")


class Decision(models.Model):
    nomination = models.ForeignKey(Nomination, verbose_name=_("推荐对象"), on_delete=models.CASCADE,
                                   related_name="decisions")
    round = models.CharField(_("环节"), max_length=12, choices=Round.choices)
    result = models.CharField(_("结论"), max_length=12, choices=Result.choices)
    reason = models.TextField(_("理由"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("审核决定")
        verbose_name_plural = _("审核决定")
        ordering = ["nomination", "decided_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(result="pass") | Q(result="award") | ~Q(reason=""),
                                   name="decision_reason_when_refused"),
        ]

    def __str__(self):
        return f"{self.get_round_display()} {self.get_result_display()}"


class ObjectionOutcome(models.TextChoices):
    PENDING = "", _("待答复")
    UPHELD = "upheld", _("异议成立(不授予)")
    DISMISSED = "dismissed", _("异议不成立")


class Objection(models.Model):
    nomination = models.ForeignKey(Nomination, verbose_name=_("推荐对象"), on_delete=models.CASCADE,
                                   related_name="objections")
    received_on = models.DateField(_("收到日期"))
    from_name = models.CharField(_("反映人"), max_length=50, blank=True, help_text=_("可匿名,留空"))
    content = models.TextField(_("异议内容"))
    answer = models.TextField(_("核实答复"), blank=True)
    outcome = models.CharField(_("处理结果"), max_length=12, choices=ObjectionOutcome.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["nomination", "received_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(outcome="") | (~Q(answer="") & Q(answered_at__isnull=False)),
                                   name="objection_answered_fully"),
        ]

    def __str__(self):
        return f"{self.received_on} {self.content[:20]}"

    @property
    def answered(self) -> bool:
        return bool(self.outcome)


def evidence_path(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evaluations/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class EvidenceFile(models.Model):
    """A file attached to a nomination (事迹材料、证明). Served only through the scoped view."""

    nomination = models.ForeignKey(Nomination, verbose_name=_("推荐对象"), on_delete=models.CASCADE,
                                   related_name="files")
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=150)
    size = models.PositiveIntegerField(_("大小(字节)"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class AwardQuerySet(RecordQuerySet):
    pass


class Award(models.Model):
    """A title awarded at the end of a cycle (the unit's, or the person's at their unit)."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("评选方案"), on_delete=models.PROTECT, related_name="awards")
    cycle = models.ForeignKey(Cycle, verbose_name=_("评选"), on_delete=models.PROTECT, related_name="awards")
    nomination = models.OneToOneField(Nomination, verbose_name=_("推荐对象"), on_delete=models.PROTECT,
                                      related_name="award")
    unit = models.ForeignKey("organizations.Unit", verbose_name=_("单位"), on_delete=models.PROTECT,
                             related_name="awards")
    person = models.ForeignKey("people.Person", verbose_name=_("个人"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="awards")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("称号"), max_length=100)
    awarded_on = models.DateField(_("授予日期"))
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("授予人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    objects = AwardQuerySet.as_manager()

    class Meta:
        verbose_name = _("表彰")
        verbose_name_plural = _("表彰")
        ordering = ["-year", "-awarded_on", "pk"]
        indexes = [models.Index(fields=["unit", "year"], name="award_unit_year"),
                   models.Index(fields=["person", "year"], name="award_person_year")]

    def __str__(self):
        return f"{self.year}年度{self.title}"
