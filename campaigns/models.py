"""Campaigns (创先争优 / 党群共建 / 百局联百村): the frame every pairing and record belongs to."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cobuild.codes import NeutralCodeMixin
from organizations.models import Unit
from organizations.records import RecordQuerySet
from organizations.scoping import scope_paths


class Phase(models.TextChoices):
    MOBILISE = "mobilise", _("动员部署")
    IMPLEMENT = "implement", _("组织实施")
    REVIEW = "review", _("总结评选")


class CampaignQuerySet(models.QuerySet):
    def for_user(self, user):
        """Campaigns owned inside the user's scope or by a unit above it (a county campaign is
        everyone's in that county)."""
        paths = scope_paths(user)
        if paths is None:
            return self
        if not paths:
            return self.none()
        q = Q()
        above: set[int] = set()
        for p in paths:
            q |= Q(owner_unit__path__startswith=p)
            above.update(int(x) for x in p.strip("/").split("/") if x)
        return self.filter(q | Q(owner_unit_id__in=above))


class Campaign(NeutralCodeMixin, models.Model):
    slug = models.SlugField(_("代码"), max_length=64, unique=True, allow_unicode=False)
    name = models.CharField(_("名称"), max_length=100)
    theme = models.CharField(_("主题"), max_length=200, blank=True)
    owner_unit = models.ForeignKey(Unit, verbose_name=_("主办单位"), on_delete=models.PROTECT,
                                   related_name="campaigns")
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    phase = models.CharField(_("阶段"), max_length=16, choices=Phase.choices, default=Phase.MOBILISE)
    description = models.TextField(_("实施方案要点"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("专项活动")
        verbose_name_plural = _("专项活动")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                   name="campaign_dates_ordered"),
        ]

    def __str__(self):
        return self.name


# --- the indicator catalogue (CONTRACT.md §4) ------------------------------------------------------
# It lives here, beside the records it is computed from, so that campaigns never imports metrics:
# metrics reads this catalogue and adds targets, roll-ups and dashboards on top of it.

class IndicatorKind(models.TextChoices):
    COUNT = "count", _("记录计数")
    OUTCOME = "outcome", _("活动成效填报")
    RATE = "rate", _("比率")


class Indicator(models.Model):
    code = models.SlugField(_("指标代码"), max_length=64, unique=True)
    name = models.CharField(_("指标名称"), max_length=100)
    unit = models.CharField(_("计量单位"), max_length=16)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    kind = models.CharField(_("口径"), max_length=12, choices=IndicatorKind.choices)
    definition = models.CharField(_("口径说明"), max_length=200, blank=True)
    max_per_activity = models.DecimalField(
        _("单次活动上限"), max_digits=14, decimal_places=2, null=True, blank=True,
        help_text=_("填报成效时的合理上限,超过则提示核对;留空不限"),
    )
    is_money = models.BooleanField(_("金额(元)"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标目录")
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.name}({self.unit})"

    def clean(self):
        from .catalogue import RESERVED_CODES

        if self.kind == IndicatorKind.OUTCOME and self.code in RESERVED_CODES:
            raise ValidationError({"code": f"“{self.code}”是系统统计口径使用的代码,成效指标请换一个代码。"})
        if self.kind != IndicatorKind.OUTCOME and self.code not in RESERVED_CODES:
            raise ValidationError({"kind": "新增指标只能是“活动成效填报”类;计数和比率指标由系统按记录统计。"})


# --- activities ----------------------------------------------------------------------------------

class Category(models.TextChoices):
    ORG_LIFE = "org_life", _("组织生活/党组织活动")
    DEMOCRATIC_LIFE_MEETING = "democratic_life_meeting", _("民主生活会")
    JOINT_MEETING = "joint_meeting", _("联席会议")
    PARTY_LECTURE = "party_lecture", _("党课/专题讲座")
    TRAINING = "training", _("培训")
    TECH_TO_COUNTRYSIDE = "tech_to_countryside", _("送科技/技术下乡")
    CULTURE_TO_COUNTRYSIDE = "culture_to_countryside", _("送文化")
    HEALTH_TO_COUNTRYSIDE = "health_to_countryside", _("送卫生")
    POLICY_LAW_TO_COUNTRYSIDE = "policy_law_to_countryside", _("送政策/送法律")
    VISIT_CONDOLENCE = "visit_condolence", _("走访慰问")
    VOLUNTEER_SERVICE = "volunteer_service", _("志愿服务")
    PROJECT_SUPPORT = "project_support", _("项目帮扶")
    OTHER = "other", _("其他")


class LinkArea(models.TextChoices):
    """The six 联 of 百局联百村 (DOMAIN.md): a second classification of activities."""

    ORG_LIFE = "org_life", _("组织生活联过")
    MEMBERS = "members", _("党员队伍联建")
    CARRIERS = "carriers", _("活动载体联创")
    SERVICE = "service", _("服务群众联做")
    RESOURCES = "resources", _("党建资源联享")
    DEVELOPMENT = "development", _("城乡发展联促")


class ReviewStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    VERIFIED = "verified", _("已审核")
    RETURNED = "returned", _("已退回")


class ActivityQuerySet(RecordQuerySet):
    def counted(self):
        """Activities that count in figures: submitted or verified, never returned to their author
        (CONTRACT.md §4; the same rule as ``metrics.rollup.values`` and the ledger's silence)."""
        return self.exclude(status=ReviewStatus.RETURNED)


class Activity(NeutralCodeMixin, models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    campaign = models.ForeignKey(Campaign, verbose_name=_("所属活动"), on_delete=models.PROTECT,
                                 related_name="activities")
    date = models.DateField(_("日期"))
    unit = models.ForeignKey(Unit, verbose_name=_("开展地点/单位"), on_delete=models.PROTECT,
                             related_name="activities")
    pairing = models.ForeignKey("pairings.Pairing", verbose_name=_("结对共建"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="activities")
    category = models.CharField(_("类别"), max_length=32, choices=Category.choices)
    link_area = models.CharField(_("六联"), max_length=16, choices=LinkArea.choices, blank=True)
    title = models.CharField(_("活动名称"), max_length=120)
    description = models.TextField(_("活动内容"), blank=True)
    participants = models.PositiveIntegerField(_("参加人数"), default=0)
    status = models.CharField(_("审核状态"), max_length=12, choices=ReviewStatus.choices,
                              default=ReviewStatus.SUBMITTED)
    review_comment = models.CharField(_("审核意见"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey("organizations.User", verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    author = models.ForeignKey("organizations.User", verbose_name=_("填报人"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="activities_authored")
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("共建活动")
        verbose_name_plural = _("共建活动")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["pairing", "date"], name="activity_pairing_date"),
            models.Index(fields=["unit", "date"], name="activity_unit_date"),
            models.Index(fields=["campaign", "category", "date"], name="activity_campaign_cat"),
            models.Index(fields=["status", "date"], name="activity_status_date"),
            models.Index(fields=["author", "date"], name="activity_author_date"),
            # The lists' order (-date, -pk): a province's first and deep pages walk this index
            # and check each row's stored scope, instead of sorting millions of rows.
            models.Index(fields=["-date", "-id"], name="activity_date_desc"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(code=""), name="activity_code_not_empty")]

    def __str__(self):
        return f"{self.date} {self.title}"


class OrganizerRole(models.TextChoices):
    LEADS = "leads", _("牵头")
    CO_ORGANISES = "co_organises", _("协办")
    SUPPORTS = "supports", _("支持")


class ActivityOrganizer(models.Model):
    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE,
                                 related_name="organizers")
    unit = models.ForeignKey(Unit, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("organizations.Organization", verbose_name=_("组织"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("作用"), max_length=16, choices=OrganizerRole.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("活动组织方")
        verbose_name_plural = _("活动组织方")
        ordering = ["activity", "role", "pk"]

    def __str__(self):
        return f"{self.get_role_display()}:{self.organization or self.unit}"


def photo_path(instance, filename):
    # Never the uploaded name: a random one, under the month, always re-encoded as JPEG.
    return f"activity-photos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE,
                                 related_name="photos")
    image = models.ImageField(_("照片"), upload_to=photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(_("宽"), default=0, editable=False)
    height = models.PositiveIntegerField(_("高"), default=0, editable=False)
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey("organizations.User", verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")
        ordering = ["activity", "pk"]

    def __str__(self):
        return self.caption or f"照片 {self.pk}"


def staged_photo_path(instance, filename):
    return f"staged-photos/{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}.jpg"


class StagedPhoto(models.Model):
    """A photo uploaded (already checked and resized) before its activity form was accepted, so a
    form refused by the server keeps its photos. Only its uploader can attach or see it; it
    expires after ``STAGED_PHOTO_HOURS`` (``prune_jobs`` removes it and its file)."""

    user = models.ForeignKey("organizations.User", verbose_name=_("上传人"), on_delete=models.CASCADE,
                             related_name="+")
    image = models.FileField(_("照片"), upload_to=staged_photo_path)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("待提交的照片")
        verbose_name_plural = _("待提交的照片")
        ordering = ["pk"]

    def __str__(self):
        return f"待提交照片 {self.pk}"


class ActivityOutcome(models.Model):
    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE,
                                 related_name="outcomes")
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.PROTECT,
                                  related_name="outcomes", limit_choices_to={"kind": IndicatorKind.OUTCOME})
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("活动成效")
        verbose_name_plural = _("活动成效")
        ordering = ["activity", "indicator__order"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "indicator"], name="outcome_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="outcome_non_negative"),
        ]
        indexes = [models.Index(fields=["indicator", "activity"], name="outcome_indicator")]

    def __str__(self):
        return f"{self.indicator.code}={self.value}"


# --- commitments ---------------------------------------------------------------------------------

class CommitmentStatus(models.TextChoices):
    PENDING = "pending", _("未开始")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


# A commitment still to keep: overdue once its due date has passed (the list's filter, the
# record's mark and the summary's running count of open commitments by due date).
COMMITMENT_OPEN = (CommitmentStatus.PENDING, CommitmentStatus.IN_PROGRESS)


class CommitmentQuerySet(RecordQuerySet):
    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.filter(status__in=COMMITMENT_OPEN, due_date__lt=today)


class Commitment(NeutralCodeMixin, models.Model):
    """公开承诺: made by a unit or organisation, optionally for a pairing."""

    code = models.CharField(_("编码"), max_length=64, unique=True)
    campaign = models.ForeignKey(Campaign, verbose_name=_("所属活动"), on_delete=models.PROTECT,
                                 related_name="commitments")
    unit = models.ForeignKey(Unit, verbose_name=_("承诺单位"), on_delete=models.PROTECT,
                             related_name="commitments")
    organization = models.ForeignKey("organizations.Organization", verbose_name=_("承诺组织"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="commitments")
    pairing = models.ForeignKey("pairings.Pairing", verbose_name=_("结对共建"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="commitments")
    content = models.TextField(_("承诺内容"))
    made_on = models.DateField(_("承诺日期"))
    due_date = models.DateField(_("承诺时限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=CommitmentStatus.choices,
                              default=CommitmentStatus.PENDING)
    progress = models.TextField(_("进展情况"), blank=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    evidence = models.TextField(_("完成佐证"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("公开承诺")
        verbose_name_plural = _("公开承诺")
        ordering = ["-made_on", "code"]
        indexes = [
            models.Index(fields=["pairing", "made_on"], name="commitment_pairing_date"),
            models.Index(fields=["unit", "status"], name="commitment_unit_status"),
            models.Index(fields=["campaign", "status", "due_date"], name="commitment_campaign_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="commitment_code_not_empty"),
            models.CheckConstraint(condition=~Q(status="done") | Q(completed_on__isnull=False),
                                   name="commitment_done_has_date"),
        ]

    def __str__(self):
        return self.content[:40]

    @property
    def is_overdue(self):
        return (self.status in COMMITMENT_OPEN and self.due_date is not None and self.due_date < timezone.localdate())


# --- joint meetings (党工青妇联席会议) --------------------------------------------------------------

class MeetingQuerySet(RecordQuerySet):
    pass


class JointMeeting(NeutralCodeMixin, models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    campaign = models.ForeignKey(Campaign, verbose_name=_("所属活动"), on_delete=models.PROTECT,
                                 related_name="meetings")
    held_on = models.DateField(_("会议日期"))
    host_unit = models.ForeignKey(Unit, verbose_name=_("召集单位"), on_delete=models.PROTECT,
                                  related_name="meetings_hosted")
    pairing = models.ForeignKey("pairings.Pairing", verbose_name=_("结对共建"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="meetings")
    member_units = models.ManyToManyField(Unit, verbose_name=_("参会单位"), related_name="meetings_attended",
                                          blank=True)
    member_organizations = models.ManyToManyField("organizations.Organization", verbose_name=_("参会组织"),
                                                  related_name="meetings_attended", blank=True)
    title = models.CharField(_("会议名称"), max_length=120)
    minutes = models.TextField(_("会议纪要"), blank=True)
    created_by = models.ForeignKey("organizations.User", verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[member_units, member_organizations])

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["host_unit", "held_on"], name="meeting_host_date")]

    def __str__(self):
        return f"{self.held_on} {self.title}"


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("待落实")
    IN_PROGRESS = "in_progress", _("落实中")
    DONE = "done", _("已落实")


class DecisionQuerySet(RecordQuerySet):
    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.exclude(status=DecisionStatus.DONE).filter(deadline__lt=today)


class MeetingDecision(models.Model):
    """议定事项: a decision of a joint meeting that becomes a follow-up item."""

    meeting = models.ForeignKey(JointMeeting, verbose_name=_("会议"), on_delete=models.CASCADE,
                                related_name="decisions")
    content = models.TextField(_("议定事项"))
    assigned_unit = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT,
                                      related_name="meeting_decisions")
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=DecisionStatus.choices,
                              default=DecisionStatus.OPEN)
    result = models.TextField(_("落实情况"), blank=True)
    done_on = models.DateField(_("落实日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["assigned_unit", "status"], name="decision_unit_status")]

    def __str__(self):
        return self.content[:40]


# --- democratic appraisal tallies (民主测评) --------------------------------------------------------

class SurveySubject(models.TextChoices):
    """The two subjects of seed 004 and CONTRACT.md (each with its satisfaction indicator); more are
    data (``AppraisalSubject``)."""

    PARTY_ORG = "party_org", _("对基层党组织")
    COBUILD = "cobuild", _("对共建单位")


class AppraisalSubject(models.Model):
    """Who or what a 民主测评 appraises (测评对象): data, so a county can appraise more than the two
    of seed 004 (e.g. 对村委会, 对驻村工作队). The two contract subjects are shipped by a data
    migration and feed the satisfaction indicators; the others are tallied on their own
    (``metrics.reports.survey_years``). Written only through ``campaigns.services.appraisal_subject_save``."""

    code = models.SlugField(_("编码"), max_length=32, unique=True, allow_unicode=False,
                            help_text=_("英文字母、数字、下划线,如 village_committee;导入时填写"))
    name = models.CharField(_("名称"), max_length=40, unique=True, help_text=_("如:对村委会"))
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True, help_text=_("停用后不能再登记新的测评,已有记录保留"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("测评对象")
        verbose_name_plural = _("测评对象")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


def subject_names() -> dict[str, str]:
    """{code: name} of every appraisal subject: the two of the contract, always, and the table's
    (one query)."""
    return {**{c: str(label) for c, label in SurveySubject.choices},
            **dict(AppraisalSubject.objects.values_list("code", "name"))}


def subject_choices(include: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of the subjects a tally may be recorded for: the contract's two and the active
    ones of the table, in their order (``include``: an inactive code an existing record keeps)."""
    rows = list(AppraisalSubject.objects.filter(Q(active=True) | Q(code=include or "")).values_list("code", "name"))
    known = {c for c, _ in rows}
    return [*[(c, str(label)) for c, label in SurveySubject.choices if c not in known], *rows]


class SurveyQuerySet(RecordQuerySet):
    def with_subject_name(self):
        return self.annotate(_subject_name=Coalesce(Subquery(
            AppraisalSubject.objects.filter(code=OuterRef("subject")).values("name")[:1]), F("subject")))


class Survey(NeutralCodeMixin, models.Model):
    """Ballot tallies of one appraisal: satisfied / basically satisfied / dissatisfied."""

    code = models.CharField(_("编码"), max_length=64, unique=True)
    campaign = models.ForeignKey(Campaign, verbose_name=_("所属活动"), on_delete=models.PROTECT,
                                 related_name="surveys")
    unit = models.ForeignKey(Unit, verbose_name=_("测评单位"), on_delete=models.PROTECT, related_name="surveys")
    subject = models.CharField(_("测评对象"), max_length=32, db_index=False,
                               help_text=_("测评对象的编码(见“测评对象”)"))
    held_on = models.DateField(_("测评日期"))
    satisfied = models.PositiveIntegerField(_("满意"))
    basically_satisfied = models.PositiveIntegerField(_("基本满意"))
    dissatisfied = models.PositiveIntegerField(_("不满意"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("民主测评")
        verbose_name_plural = _("民主测评")
        ordering = ["-held_on", "code"]
        indexes = [models.Index(fields=["unit", "subject", "held_on"], name="survey_unit_subject")]
        constraints = [models.CheckConstraint(condition=~Q(code=""), name="survey_code_not_empty")]

    def __str__(self):
        return f"{self.unit.name if self.unit_id else ''} {self.subject_name} {self.held_on}"

    @property
    def subject_name(self) -> str:
        """The subject's name: annotated on lists (``SurveyQuerySet.with_subject_name``), the
        contract's label for its two, else read once for this record."""
        if not hasattr(self, "_subject_name"):
            if self.subject in SurveySubject.values:
                self._subject_name = str(SurveySubject(self.subject).label)
            else:
                self._subject_name = subject_names().get(self.subject, self.subject)
        return self._subject_name

    @property
    def ballots(self):
        return self.satisfied + self.basically_satisfied + self.dissatisfied


# --- annual plan per pairing (共建计划) -------------------------------------------------------------

class PlanMeasure(models.TextChoices):
    """What a plan line counts: indicator codes of the catalogue (CONTRACT.md §4), so "done" is the
    very figure the rest of the portal shows (see ``campaigns.plans``)."""

    ACTIVITIES = "activities", _("共建活动(次)")
    PROJECTS = "projects_introduced", _("引进项目(个)")
    PROJECT_FUNDS = "project_funds", _("争取项目资金(元)")
    CONSTRUCTION_FUNDS = "construction_funds", _("投入建设资金(元)")


class PlanQuerySet(models.QuerySet):
    def for_user(self, user):
        """A plan is visible to whoever sees its pairing (either side, and the levels above)."""
        pairing_model = self.model._meta.get_field("pairing").related_model
        return self.filter(pairing__in=pairing_model.objects.for_user(user).values("pk"))


class PairingPlan(models.Model):
    """共建计划: what a pair plans to do in a year, quarter by quarter (its ``items``)."""

    pairing = models.ForeignKey("pairings.Pairing", verbose_name=_("结对共建"), on_delete=models.CASCADE,
                                related_name="plans")
    year = models.PositiveSmallIntegerField(_("年度"))
    note = models.TextField(_("计划说明"), blank=True)
    updated_by = models.ForeignKey("organizations.User", verbose_name=_("最后修改人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("共建计划")
        verbose_name_plural = _("共建计划")
        ordering = ["-year", "pairing__code"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "year"], name="plan_unique_pairing_year"),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="plan_year_sane"),
        ]
        indexes = [models.Index(fields=["year", "pairing"], name="plan_year_pairing")]

    def __str__(self):
        return f"{self.year}年共建计划"


class PlanItemQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(plan__in=PairingPlan.objects.for_user(user).values("pk"))


class PlanItem(models.Model):
    """One planned figure: a measure (optionally activities of one category) in one quarter."""

    plan = models.ForeignKey(PairingPlan, verbose_name=_("共建计划"), on_delete=models.CASCADE,
                             related_name="items")
    quarter = models.PositiveSmallIntegerField(_("季度"), choices=[(q, f"第{q}季度") for q in (1, 2, 3, 4)])
    measure = models.CharField(_("计划项目"), max_length=32, choices=PlanMeasure.choices)
    category = models.CharField(_("活动类别"), max_length=32, choices=Category.choices, blank=True,
                                help_text=_("只对“共建活动”有效;留空表示所有类别"))
    planned = models.DecimalField(_("计划数"), max_digits=14, decimal_places=2)
    history = HistoricalRecords()

    objects = PlanItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("计划项")
        verbose_name_plural = _("计划项")
        ordering = ["plan", "measure", "category", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "quarter", "measure", "category"], name="planitem_unique"),
            models.CheckConstraint(condition=Q(planned__gte=0), name="planitem_non_negative"),
            models.CheckConstraint(condition=Q(quarter__gte=1) & Q(quarter__lte=4), name="planitem_quarter"),
            models.CheckConstraint(condition=Q(category="") | Q(measure="activities"),
                                   name="planitem_category_only_for_activities"),
        ]

    def __str__(self):
        return f"Q{self.quarter} {self.measure}{'/' + self.category if self.category else ''}={self.planned}"


# --- public boards (公示) ----------------------------------------------------------------------------

class BoardKind(models.TextChoices):
    COMMITMENTS = "commitments", _("承诺公示")
    # award 公示 (issue 13): what it shows is registered by ``evaluations`` (``boards.register_kind``)
    AWARDS = "awards", _("评选公示")


class BoardStatus(models.TextChoices):
    ACTIVE = "active", _("公示中")
    WITHDRAWN = "withdrawn", _("已撤回")


class BoardQuerySet(models.QuerySet):
    def for_user(self, user):
        """A board is its unit's: visible to whoever's scope holds the unit (or, for a pairing's
        board, either side of the pair)."""
        paths = scope_paths(user)
        if paths is None:
            return self
        if not paths:
            return self.none()
        q = Q()
        for p in paths:
            q |= (Q(unit__path__startswith=p) | Q(pairing__village__path__startswith=p)
                  | Q(pairing__bureau__path__startswith=p))
        return self.filter(q)

    def active(self):
        return self.filter(status=BoardStatus.ACTIVE)


class PublicBoard(models.Model):
    """A 公示 board readable without login at ``/p/<token>/`` (and as a printed QR code).

    The token is ``secrets.token_urlsafe(24)`` (192 random bits): unguessable, never the pk. It is
    kept as is (not hashed) so staff can reprint the QR code at any time; it only opens public
    information, and withdrawing the board makes the link answer 404 for good."""

    kind = models.CharField(_("公示类型"), max_length=16, choices=BoardKind.choices, default=BoardKind.COMMITMENTS)
    title = models.CharField(_("公示标题"), max_length=100)
    unit = models.ForeignKey(Unit, verbose_name=_("公示单位"), on_delete=models.PROTECT, related_name="boards")
    pairing = models.ForeignKey("pairings.Pairing", verbose_name=_("结对共建"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="boards",
                                help_text=_("填写后公示该结对双方的承诺;留空则公示本单位的承诺"))
    campaign = models.ForeignKey(Campaign, verbose_name=_("所属活动"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="boards",
                                 help_text=_("留空表示所有活动"))
    token = models.CharField(_("公开链接口令"), max_length=64, unique=True, editable=False)
    status = models.CharField(_("状态"), max_length=12, choices=BoardStatus.choices, default=BoardStatus.ACTIVE)
    created_by = models.ForeignKey("organizations.User", verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey("organizations.User", verbose_name=_("撤回人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords(excluded_fields=["token"])

    objects = BoardQuerySet.as_manager()

    class Meta:
        verbose_name = _("公示栏")
        verbose_name_plural = _("公示栏")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["unit", "status"], name="board_unit_status")]
        constraints = [
            models.CheckConstraint(condition=~Q(token=""), name="board_token_not_empty"),  # nosec B106 - a constraint on an empty token, no password
            models.CheckConstraint(condition=Q(status="active") | Q(withdrawn_at__isnull=False),
                                   name="board_withdrawn_has_time"),
        ]

    def __str__(self):
        return self.title
