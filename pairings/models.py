"""百局联百村: bureau–village pairings and everything recorded under them.

A pairing is visible to whoever's scope holds its village or its bureau. Records linked to a
pairing (inspections, help pairs, and later activities and commitments) are visible through
their own unit and through the pairing, and appear in the pairing's ledger (``pairings.ledger``).
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cobuild.codes import NeutralCodeMixin
from organizations.models import Unit, UnitKind
from organizations.records import RecordQuerySet
from organizations.scoping import scope_q

PAIRING_BUREAU_KINDS = (UnitKind.BUREAU, UnitKind.ENTERPRISE, UnitKind.SCHOOL, UnitKind.SOCIAL_ORG)
PAIRING_VILLAGE_KINDS = (UnitKind.VILLAGE, UnitKind.COMMUNITY)
SILENT_AMBER_DAYS = 30
SILENT_RED_DAYS = 60


class PairingStatus(models.TextChoices):
    ACTIVE = "active", _("进行中")
    ENDED = "ended", _("已结束")


class PairingQuerySet(RecordQuerySet):
    def active_between(self, date_from=None, date_to=None):
        """Pairings active at any time in the period (CONTRACT.md §4): started by its end and not
        ended before its start."""
        qs = self
        if date_to is not None:
            qs = qs.filter(start_date__lte=date_to)
        if date_from is not None:
            qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=date_from))
        return qs


class Pairing(NeutralCodeMixin, models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    campaign = models.ForeignKey("campaigns.Campaign", verbose_name=_("所属活动"), on_delete=models.PROTECT,
                                 related_name="pairings")
    bureau = models.ForeignKey(Unit, verbose_name=_("帮建单位"), on_delete=models.PROTECT,
                               related_name="pairings_as_bureau")
    village = models.ForeignKey(Unit, verbose_name=_("结对村(社区)"), on_delete=models.PROTECT,
                                related_name="pairings_as_village")
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=PairingStatus.choices,
                              default=PairingStatus.ACTIVE)
    bureau_contact = models.CharField(_("帮建单位联系人"), max_length=50, blank=True)
    bureau_phone = models.CharField(_("帮建单位联系电话"), max_length=32, blank=True)
    village_contact = models.CharField(_("村联系人"), max_length=50, blank=True)
    village_phone = models.CharField(_("村联系电话"), max_length=32, blank=True)
    agreement = models.TextField(_("共建协议"), blank=True)
    agreement_signed_on = models.DateField(_("协议签订日期"), null=True, blank=True)
    goals = models.TextField(_("共建目标"), blank=True)
    last_logged_on = models.DateField(_("最近活动日期"), null=True, blank=True, editable=False,
                                      help_text=_("最近一次共建活动(已提交或已审核,不含退回)的日期,由系统维护"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("结对共建")
        verbose_name_plural = _("结对共建")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["campaign", "status"], name="pairing_campaign_status"),
            models.Index(fields=["village", "start_date"], name="pairing_village"),
            models.Index(fields=["bureau", "start_date"], name="pairing_bureau"),
            models.Index(fields=["last_logged_on"], name="pairing_last_logged"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="pairing_code_not_empty"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                                   name="pairing_dates_ordered"),
            models.UniqueConstraint(fields=["campaign", "bureau", "village"], name="pairing_unique_pair"),
        ]

    def __str__(self):
        return f"{self.bureau.name} — {self.village.name}" if self.bureau_id and self.village_id else self.code

    def silence(self, today=None):
        """'green', 'amber' or 'red': how long since the pair's last counted activity."""
        return silence_level(self.last_logged_on, today)


def silence_level(last: dt.date | None, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if last is None:
        return "red"
    days = (today - last).days
    if days > SILENT_RED_DAYS:
        return "red"
    if days > SILENT_AMBER_DAYS:
        return "amber"
    return "green"


class ContactPointQuerySet(models.QuerySet):
    def for_user(self, user):
        q = scope_q(user, "unit__path")
        if q is None:
            return self
        return self.filter(q | Q(user_id=user.pk))


class ContactPoint(models.Model):
    """A standing-committee member's contact point (常委联系点)."""

    leader_name = models.CharField(_("联系领导"), max_length=50)
    leader_title = models.CharField(_("职务"), max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("领导账号"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="contact_points")
    unit = models.ForeignKey(Unit, verbose_name=_("联系点"), on_delete=models.PROTECT,
                             related_name="contact_points")
    campaign = models.ForeignKey("campaigns.Campaign", verbose_name=_("所属活动"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="contact_points")
    since = models.DateField(_("确定日期"), null=True, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    history = HistoricalRecords()

    objects = ContactPointQuerySet.as_manager()

    class Meta:
        verbose_name = _("领导联系点")
        verbose_name_plural = _("领导联系点")
        ordering = ["leader_name", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["leader_name", "unit"], name="contactpoint_unique")]

    def __str__(self):
        return f"{self.leader_name} · {self.unit.name}"


class InspectionKind(models.TextChoices):
    LEADER_VISIT = "leader_visit", _("领导联系点走访")
    INSPECTION = "inspection", _("督查指导")


class InspectionMethod(models.TextChoices):
    TOUR = "tour", _("巡回检查")
    FOLLOW_UP = "follow_up", _("跟踪督办")
    SPOT_CHECK = "spot_check", _("随机抽查")
    REGULAR_VISIT = "regular_visit", _("定期走访")


class InspectionQuerySet(RecordQuerySet):
    pass


class Inspection(NeutralCodeMixin, models.Model):
    """A leader's visit to a contact point or a supervision visit (督查)."""

    code = models.CharField(_("编码"), max_length=64, unique=True)
    campaign = models.ForeignKey("campaigns.Campaign", verbose_name=_("所属活动"), on_delete=models.PROTECT,
                                 related_name="inspections")
    unit = models.ForeignKey(Unit, verbose_name=_("走访/检查地点"), on_delete=models.PROTECT,
                             related_name="inspections")
    pairing = models.ForeignKey(Pairing, verbose_name=_("结对共建"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="inspections")
    contact_point = models.ForeignKey(ContactPoint, verbose_name=_("领导联系点"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="visits")
    held_on = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=16, choices=InspectionKind.choices)
    method = models.CharField(_("方式"), max_length=16, choices=InspectionMethod.choices, blank=True)
    visitors = models.PositiveIntegerField(_("人次"), default=1)
    inspector = models.CharField(_("检查人/带队领导"), max_length=100, blank=True)
    findings = models.TextField(_("发现问题/情况"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="inspections_created")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("督查走访")
        verbose_name_plural = _("督查走访")
        ordering = ["-held_on", "code"]
        indexes = [
            models.Index(fields=["pairing", "held_on"], name="inspection_pairing_date"),
            models.Index(fields=["unit", "held_on"], name="inspection_unit_date"),
            models.Index(fields=["campaign", "kind", "held_on"], name="inspection_campaign_kind"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="inspection_code_not_empty"),
            models.CheckConstraint(condition=Q(visitors__gte=1), name="inspection_visitors_positive"),
        ]

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()} · {self.unit.name}" if self.unit_id else self.code


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    IN_PROGRESS = "in_progress", _("整改中")
    CLOSED = "closed", _("已销号")


class RectificationQuerySet(RecordQuerySet):
    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.exclude(status=RectificationStatus.CLOSED).filter(deadline__lt=today)


class RectificationItem(models.Model):
    """A finding to put right (整改事项): responsible unit, deadline, closure with evidence."""

    inspection = models.ForeignKey(Inspection, verbose_name=_("来源督查"), on_delete=models.CASCADE,
                                   related_name="rectifications")
    description = models.TextField(_("整改事项"))
    responsible_unit = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT,
                                         related_name="rectifications")
    deadline = models.DateField(_("整改时限"))
    status = models.CharField(_("状态"), max_length=12, choices=RectificationStatus.choices,
                              default=RectificationStatus.OPEN)
    progress = models.TextField(_("整改进展"), blank=True)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    evidence = models.TextField(_("销号佐证"), blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("销号人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("督办人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="rectifications_created")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="rectification_status_deadline"),
            models.Index(fields=["responsible_unit", "status"], name="rectification_unit_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_on__isnull=False) & ~Q(evidence="")),
                name="rectification_closed_has_evidence",
            ),
        ]

    def __str__(self):
        return self.description[:40]

    @property
    def is_overdue(self):
        return self.status != RectificationStatus.CLOSED and self.deadline < timezone.localdate()


class HouseholdKind(models.TextChoices):
    POOR = "poor", _("贫困户")
    SPECIAL_DIFFICULTY = "special_difficulty", _("特困户")
    MEMBER_IN_DIFFICULTY = "member_in_difficulty", _("困难党员")


class HelpStatus(models.TextChoices):
    ACTIVE = "active", _("帮扶中")
    LIFTED = "lifted", _("已脱困")
    ENDED = "ended", _("已结束")


class HelpPairQuerySet(RecordQuerySet):
    pass


class HelpPair(NeutralCodeMixin, models.Model):
    """帮扶对子: a Party member helping a household."""

    code = models.CharField(_("编码"), max_length=64, unique=True)
    village = models.ForeignKey(Unit, verbose_name=_("所在村(社区)"), on_delete=models.PROTECT,
                                related_name="help_pairs")
    pairing = models.ForeignKey(Pairing, verbose_name=_("结对共建"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="help_pairs")
    member_name = models.CharField(_("帮扶党员"), max_length=50)
    member_unit = models.ForeignKey(Unit, verbose_name=_("党员所在单位"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="help_pairs_as_member_unit")
    household_name = models.CharField(_("帮扶对象(户主)"), max_length=50)
    household_kind = models.CharField(_("对象类别"), max_length=24, choices=HouseholdKind.choices)
    measures = models.TextField(_("帮扶措施"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=HelpStatus.choices, default=HelpStatus.ACTIVE)
    started_on = models.DateField(_("结对日期"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = HelpPairQuerySet.as_manager()

    class Meta:
        verbose_name = _("帮扶对子")
        verbose_name_plural = _("帮扶对子")
        ordering = ["village__name", "member_name"]
        indexes = [
            models.Index(fields=["pairing", "started_on"], name="helppair_pairing_date"),
            models.Index(fields=["village", "status"], name="helppair_village_status"),
        ]

    def __str__(self):
        return f"{self.member_name} → {self.household_name}"


