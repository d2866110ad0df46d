"""双培双带, volunteers (党员志愿服务队) and 流动党员 (issue 12, part B).

Each model is a scoped record (``organizations.records``) standing where its person or team
stands: ``RichLink`` and ``MigrantRecord`` under their person, ``VolunteerTeam`` at its unit,
``ServiceRecord`` under its team, ``MigrantContact`` under its migrant record. The hours of a
service record per person (``ServiceHours``) and the volunteers of an activity
(``ActivityVolunteer``) are read through their scoped parents. Only ``people.services_service``
writes these models.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.models import Activity
from cobuild.codes import NeutralCodeMixin
from organizations.models import Organization, Unit
from organizations.records import RecordQuerySet
from pairings.models import HelpPair

from .models import Person


class RichLinkKind(models.TextChoices):
    MEMBER_TO_RICH = "member_to_rich", _("把党员培养成致富能手")
    RICH_TO_MEMBER = "rich_to_member", _("把致富能手培养成党员")
    LEAD_RICH = "lead_rich", _("党员带头致富、带领群众致富")


class RichLink(models.Model):
    """One tracked 双培双带 link of a person: what is aimed at, by whom, and when it was reached."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="rich_links")
    kind = models.CharField(_("类型"), max_length=24, choices=RichLinkKind.choices)
    started_on = models.DateField(_("开始日期"))
    goal = models.CharField(_("培养目标"), max_length=200)
    responsible = models.CharField(_("培养责任人"), max_length=100, blank=True)
    help_pair = models.ForeignKey(HelpPair, verbose_name=_("帮扶对子"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="rich_links",
                                  help_text=_("带领群众致富:该党员的帮扶对子"))
    result = models.CharField(_("培养结果"), max_length=200, blank=True)
    achieved_on = models.DateField(_("实现日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("双培双带")
        verbose_name_plural = _("双培双带")
        ordering = ["-started_on", "pk"]
        indexes = [models.Index(fields=["kind", "achieved_on"], name="richlink_kind_achieved")]
        constraints = [
            models.CheckConstraint(condition=Q(achieved_on__isnull=True) | Q(achieved_on__gte=models.F("started_on")),
                                   name="richlink_achieved_after_start"),
        ]

    def __str__(self):
        return f"{self.person} · {self.get_kind_display()}"


class VolunteerTeam(NeutralCodeMixin, models.Model):
    """党员志愿服务队 of a unit: its leader and members are people of the register."""

    code = models.CharField(_("编码"), max_length=64, unique=True)
    unit = models.ForeignKey(Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="volunteer_teams")
    name = models.CharField(_("服务队名称"), max_length=100)
    leader = models.ForeignKey(Person, verbose_name=_("队长"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="teams_led")
    members = models.ManyToManyField(Person, verbose_name=_("队员"), blank=True, related_name="volunteer_teams")
    description = models.CharField(_("服务内容"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[members])

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员志愿服务队")
        verbose_name_plural = _("党员志愿服务队")
        ordering = ["unit__path", "name"]
        constraints = [models.CheckConstraint(condition=~Q(code=""), name="volunteerteam_code_not_empty")]

    def __str__(self):
        return self.name


class ServiceRecord(models.Model):
    """One service of a team: when, where (e.g. 无物业小区), what, and each volunteer's hours."""

    team = models.ForeignKey(VolunteerTeam, verbose_name=_("服务队"), on_delete=models.PROTECT, related_name="services")
    date = models.DateField(_("服务日期"))
    place = models.CharField(_("服务地点"), max_length=100, help_text=_("例如:无物业小区、村广场"))
    content = models.CharField(_("服务内容"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["team", "date"], name="service_team_date")]

    def __str__(self):
        return f"{self.date} {self.place}"


class ServiceHours(models.Model):
    """A volunteer's hours on one service record."""

    record = models.ForeignKey(ServiceRecord, verbose_name=_("服务记录"), on_delete=models.CASCADE, related_name="hours")
    person = models.ForeignKey(Person, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="service_hours")
    hours = models.DecimalField(_("服务时长(小时)"), max_digits=5, decimal_places=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("志愿服务时长")
        verbose_name_plural = _("志愿服务时长")
        ordering = ["record", "person"]
        constraints = [
            models.UniqueConstraint(fields=["record", "person"], name="servicehours_once"),
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="servicehours_sane"),
        ]

    def __str__(self):
        return f"{self.person} {self.hours}h"


class ActivityVolunteer(models.Model):
    """A volunteer of the register who took part in a campaign activity."""

    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="volunteers")
    person = models.ForeignKey(Person, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="activities")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("活动志愿者")
        verbose_name_plural = _("活动志愿者")
        ordering = ["activity", "person"]
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="activityvolunteer_once")]

    def __str__(self):
        return f"{self.person} @ {self.activity_id}"


class ContactWay(models.TextChoices):
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信")
    VISIT = "visit", _("走访")


class MigrantRecord(models.Model):
    """A member working away (流动党员, "鸢式"管理): where, since when, who keeps in touch; a
    return date ends it."""

    person = models.ForeignKey(Person, verbose_name=_("流动党员"), on_delete=models.PROTECT, related_name="migrations")
    place = models.CharField(_("流入地"), max_length=100)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    since = models.DateField(_("外出时间"))
    contact = models.CharField(_("外出期间联系方式"), max_length=64, blank=True)
    keeper = models.ForeignKey(Organization, verbose_name=_("联系党组织"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="migrants_kept")
    liaison = models.CharField(_("联系人"), max_length=50, blank=True)
    returned_on = models.DateField(_("返乡日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("流动党员")
        verbose_name_plural = _("流动党员")
        ordering = ["person__unit__path", "person__name", "-since"]
        indexes = [models.Index(fields=["returned_on", "since"], name="migrant_open_since")]
        constraints = [
            models.CheckConstraint(condition=Q(returned_on__isnull=True) | Q(returned_on__gte=models.F("since")),
                                   name="migrant_return_after_leave"),
        ]

    def __str__(self):
        return f"{self.person} · {self.place}"


class MigrantContact(models.Model):
    """One contact with a member working away."""

    migrant = models.ForeignKey(MigrantRecord, verbose_name=_("流动党员"), on_delete=models.PROTECT,
                                related_name="contacts")
    date = models.DateField(_("联系日期"))
    way = models.CharField(_("联系方式"), max_length=12, choices=ContactWay.choices)
    content = models.CharField(_("联系内容"), max_length=300)
    remote_meeting = models.BooleanField(_("远程参加组织生活"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords()

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("流动党员联系记录")
        verbose_name_plural = _("流动党员联系记录")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["migrant", "date"], name="migrantcontact_date")]

    def __str__(self):
        return f"{self.date} {self.get_way_display()}"
