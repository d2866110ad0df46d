"""The person register (人员名册) and the 推优/发展 pipeline (issue 12, part A).

A ``Person`` belongs to one unit (the village, community, bureau or township whose register holds
them) and is a scoped record (``organizations.records``: kind ``person``, standing at its unit),
so ``Person.objects.for_user(user)`` is the one access filter. A ``PipelineStep`` is one dated
step of 推荐 → 入党积极分子 → 发展对象 → 预备党员 → 正式党员 and stands where its person stands
(kind ``pipelinestep``, a child of ``person``). ``PersonViewLog`` records every view of a
person's page by staff outside the person's unit (``people.policy``).

Only ``people.services`` writes these models.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cobuild.codes import NeutralCodeMixin
from organizations.models import Gender, Organization, Unit
from organizations.records import RecordQuerySet


class Education(models.TextChoices):
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")


#: 高学历 of the four priorities: college (大专) and above.
HIGHER_EDUCATION = (Education.COLLEGE, Education.BACHELOR, Education.POSTGRADUATE)


class PersonStatus(models.TextChoices):
    MASSES = "masses", _("群众")
    LEAGUE_MEMBER = "league_member", _("团员")
    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    DEVELOPMENT_TARGET = "development_target", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    MEMBER = "member", _("正式党员")


class Tag(models.TextChoices):
    VILLAGE_CADRE = "village_cadre", _("村干部")
    RICH_LEADER = "rich_leader", _("致富能手")
    VOLUNTEER = "volunteer", _("志愿者")
    MIGRANT_MEMBER = "migrant_member", _("流动党员")


#: Each tag is a boolean column of Person (indexed with the unit), so "致富能手 of this village" is
#: one indexed filter; ``Person.tags`` lists them in this order.
TAG_FIELDS = {
    Tag.VILLAGE_CADRE: "is_village_cadre",
    Tag.RICH_LEADER: "is_rich_leader",
    Tag.VOLUNTEER: "is_volunteer",
    Tag.MIGRANT_MEMBER: "is_migrant_member",
}


class PersonQuerySet(RecordQuerySet):
    def with_tag(self, tag: str):
        return self.filter(**{TAG_FIELDS[tag]: True})


class Person(NeutralCodeMixin, models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    unit = models.ForeignKey(Unit, verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="people")
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True)
    occupation = models.CharField(_("职业"), max_length=100, blank=True)
    frontline = models.BooleanField(_("生产工作一线"), default=False,
                                    help_text=_("四个优先中的“一线”:在生产、工作第一线"))
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    status = models.CharField(_("政治面貌"), max_length=24, choices=PersonStatus.choices,
                              default=PersonStatus.MASSES)
    status_since = models.DateField(_("何时起"), null=True, blank=True)
    branch = models.ForeignKey(Organization, verbose_name=_("所在(培养)党组织"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="people_in_branch")
    recommended_by = models.ForeignKey(Organization, verbose_name=_("推优组织"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="people_recommended",
                                       help_text=_("推荐其入党的群团组织(工会、共青团、妇联)"))
    memberships = models.ManyToManyField(Organization, verbose_name=_("所在组织"), blank=True,
                                         related_name="people")
    is_village_cadre = models.BooleanField(_("村干部"), default=False)
    is_rich_leader = models.BooleanField(_("致富能手"), default=False)
    is_volunteer = models.BooleanField(_("志愿者"), default=False)
    is_migrant_member = models.BooleanField(_("流动党员"), default=False)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[memberships])

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员名册")
        ordering = ["unit__path", "name", "code"]
        indexes = [
            models.Index(fields=["unit", "status"], name="person_unit_status"),
            models.Index(fields=["branch", "status"], name="person_branch_status"),
            models.Index(fields=["unit", "is_village_cadre"], name="person_unit_cadre"),
            models.Index(fields=["unit", "is_rich_leader"], name="person_unit_rich"),
            models.Index(fields=["unit", "is_volunteer"], name="person_unit_volunteer"),
            models.Index(fields=["unit", "is_migrant_member"], name="person_unit_migrant"),
            models.Index(fields=["name"], name="person_name"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="person_code_not_empty"),
            models.CheckConstraint(condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900),
                                   name="person_birth_year_sane"),
        ]

    def __str__(self):
        return self.name

    @property
    def tags(self) -> list[str]:
        return [tag for tag, field in TAG_FIELDS.items() if getattr(self, field)]

    @property
    def occupation_display(self) -> str:
        """The occupation as people read it: the import's ``frontline`` marker reads 一线."""
        return "生产工作一线" if self.occupation.lower() == "frontline" else self.occupation

    @property
    def tag_labels(self) -> list[str]:
        return [str(Tag(t).label) for t in self.tags]


class Stage(models.TextChoices):
    """The pipeline, in order (``STAGE_ORDER``)."""

    RECOMMENDED = "recommended", _("推荐(推优)")
    ACTIVIST = "activist", _("确定为入党积极分子")
    DEVELOPMENT_TARGET = "development_target", _("列为发展对象")
    PROBATIONARY = "probationary", _("接收为预备党员")
    MEMBER = "member", _("转为正式党员")


STAGE_ORDER = [Stage.RECOMMENDED, Stage.ACTIVIST, Stage.DEVELOPMENT_TARGET, Stage.PROBATIONARY, Stage.MEMBER]
#: The person's status once the stage is recorded (推荐 leaves it as it was).
STAGE_STATUS = {
    Stage.ACTIVIST: PersonStatus.ACTIVIST,
    Stage.DEVELOPMENT_TARGET: PersonStatus.DEVELOPMENT_TARGET,
    Stage.PROBATIONARY: PersonStatus.PROBATIONARY,
    Stage.MEMBER: PersonStatus.MEMBER,
}


class PipelineStepQuerySet(RecordQuerySet):
    pass


class PipelineStep(models.Model):
    """One dated step of a person's 推优/发展: who is responsible, who recorded it."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="steps")
    stage = models.CharField(_("环节"), max_length=24, choices=Stage.choices)
    date = models.DateField(_("日期"))
    branch = models.ForeignKey(Organization, verbose_name=_("负责党组织"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="pipeline_steps")
    recommended_by = models.ForeignKey(Organization, verbose_name=_("推荐组织"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="recommendations",
                                       help_text=_("推荐环节:推优的群团组织"))
    contacts = models.CharField(_("培养联系人"), max_length=200, blank=True,
                                help_text=_("姓名,多人用顿号或逗号分隔"))
    contact_people = models.ManyToManyField(Person, verbose_name=_("培养联系人(名册中)"), blank=True,
                                            related_name="steps_as_contact")
    remarks = models.TextField(_("备注"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[contact_people])

    objects = PipelineStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("推优发展环节")
        verbose_name_plural = _("推优发展环节")
        ordering = ["person", "date", "pk"]
        indexes = [
            models.Index(fields=["stage", "date"], name="step_stage_date"),
            models.Index(fields=["branch", "stage"], name="step_branch_stage"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "stage"], name="step_once_per_person"),
        ]

    def __str__(self):
        return f"{self.get_stage_display()} {self.date}"


class PersonViewLog(models.Model):
    """A view of a person's page by staff outside the person's unit (append-only: no history,
    nobody edits it; the admin shows it read-only)."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="view_logs")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("查看人"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    viewed_at = models.DateTimeField(_("查看时间"), auto_now_add=True)
    what = models.CharField(_("查看内容"), max_length=32, default="page")
    identity_shown = models.BooleanField(_("显示了完整联系方式"), default=False)

    class Meta:
        verbose_name = _("人员信息查看记录")
        verbose_name_plural = _("人员信息查看记录")
        ordering = ["-viewed_at", "-pk"]
        indexes = [
            models.Index(fields=["person", "viewed_at"], name="viewlog_person_time"),
            models.Index(fields=["viewer", "viewed_at"], name="viewlog_viewer_time"),
        ]

    def __str__(self):
        return f"{self.person_id} @ {self.viewed_at:%Y-%m-%d %H:%M}"

from . import models_service  # noqa: E402,F401  (part B: 双培双带, volunteers, 流动党员)
