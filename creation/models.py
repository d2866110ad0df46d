"""三级联创 (seed 001): 县、乡、村三级党组织联创 — goals per level and year, and each unit's 创建.

- ``CreationGoal``: what a county sets for a year and a level (县级 / 乡镇 / 村(社区)): the title
  (五好乡镇党委, 五好村党支部, ...), the standards and a target — a number of units or a share of
  the level's units named by the year's end. Seen by everyone whose scope touches the county
  (its staff above or inside it: a village secretary reads the goal he works towards).
- ``CreationEntry``: one unit's 创建 for a goal, with its 一把手 (the leader responsible: a
  ``Leader`` of the unit's register, or a name and post) and its status
  未申报 → 已申报 → 验收通过 / 验收未通过 → 已命名, or 已退回 (back to 申报 with a reason). A scoped
  record (``organizations.records`` kind ``creationentry``, standing at its unit).
- ``CreationStep``: one dated step of an entry (申报, 验收, 命名, 退回) with who recorded it; its
  files are ``CreationEvidence``.

命名 is recorded here on its own (date, 文号, naming unit). ``award_ref`` keeps a free reference
to the 评选表彰 record for now; the ``evaluations`` app's ``Award`` will become a foreign key
next to it (``award``) once both apps are merged.

Only ``creation.services`` writes these models.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations.models import Leader, Unit, UnitKind
from organizations.records import RecordQuerySet
from organizations.scoping import scope_q, user_grants


class Level(models.TextChoices):
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇")
    VILLAGE = "village", _("村(社区)")


#: The kinds of unit each level covers.
LEVEL_KINDS = {
    Level.COUNTY: (UnitKind.COUNTY,),
    Level.TOWNSHIP: (UnitKind.TOWNSHIP,),
    Level.VILLAGE: (UnitKind.VILLAGE, UnitKind.COMMUNITY),
}
LEVEL_ORDER = [Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
#: The usual titles of seed 001 (the form suggests them).
DEFAULT_TITLES = {
    Level.COUNTY: "基层组织建设先进县",
    Level.TOWNSHIP: "五好乡镇党委",
    Level.VILLAGE: "五好村党支部",
}


class EntryStatus(models.TextChoices):
    NOT_DECLARED = "not_declared", _("未申报")
    DECLARED = "declared", _("已申报")
    ACCEPTED = "accepted", _("验收通过")
    FAILED = "failed", _("验收未通过")
    NAMED = "named", _("已命名")
    RETURNED = "returned", _("已退回")


class Action(models.TextChoices):
    DECLARE = "declare", _("申报")
    PASS = "pass", _("验收通过")
    FAIL = "fail", _("验收未通过")
    NAME = "name", _("命名")
    RETURN = "return", _("退回")


class GoalQuerySet(models.QuerySet):
    def for_user(self, user):
        """Goals of the counties the user's scope touches: a county inside one of their subtrees,
        or the county above one of their units (the township's and village's own goals)."""
        if user is not None and user.is_authenticated and user.is_superuser:
            return self
        grants = user_grants(user)
        if not grants:
            return self.none()
        above = {int(x) for g in grants for x in g.unit_path.strip("/").split("/") if x}
        q = Q(county_id__in=sorted(above))
        inside = scope_q(user, "county__path")
        return self.filter(q | inside if inside is not None else q)


class CreationGoal(models.Model):
    county = models.ForeignKey(Unit, verbose_name=_("县(旗)"), on_delete=models.PROTECT,
                               related_name="creation_goals", limit_choices_to={"kind": UnitKind.COUNTY})
    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    title = models.CharField(_("创建目标"), max_length=100, help_text=_("如:五好村党支部、五好乡镇党委"))
    standards = models.TextField(_("创建标准"), help_text=_("如“五个好”:领导班子好、党员队伍好、工作机制好、"
                                                       "工作业绩好、群众反映好"))
    target_count = models.PositiveIntegerField(_("年底命名数量目标"), null=True, blank=True)
    target_percent = models.PositiveSmallIntegerField(_("年底命名比例目标(%)"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("制定人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = GoalQuerySet.as_manager()

    class Meta:
        verbose_name = _("三级联创目标")
        verbose_name_plural = _("三级联创目标")
        ordering = ["-year", "county__path", "level"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "level"], name="creationgoal_once_per_level"),
            models.CheckConstraint(condition=Q(target_count__isnull=False) | Q(target_percent__isnull=False),
                                   name="creationgoal_has_target"),
            models.CheckConstraint(condition=Q(target_percent__isnull=True) | Q(target_percent__lte=100),
                                   name="creationgoal_percent_le_100"),
            models.CheckConstraint(condition=~Q(title=""), name="creationgoal_title_not_empty"),
        ]
        indexes = [models.Index(fields=["year", "level"], name="creationgoal_year_level")]

    def __str__(self):
        return f"{self.year}年 {self.title}"

    @property
    def target_label(self) -> str:
        if self.target_percent is not None:
            return f"{self.target_percent}%"
        return f"{self.target_count}个"

    def target_for(self, total: int) -> int:
        """The number of units to be named out of ``total`` (a percentage rounds up)."""
        if self.target_percent is not None:
            return -(-self.target_percent * total // 100)
        return self.target_count or 0


class EntryQuerySet(RecordQuerySet):
    pass


class CreationEntry(models.Model):
    goal = models.ForeignKey(CreationGoal, verbose_name=_("创建目标"), on_delete=models.PROTECT,
                             related_name="entries")
    unit = models.ForeignKey(Unit, verbose_name=_("创建单位"), on_delete=models.PROTECT,
                             related_name="creation_entries")
    status = models.CharField(_("创建状态"), max_length=16, choices=EntryStatus.choices,
                              default=EntryStatus.NOT_DECLARED)
    leader = models.ForeignKey(Leader, verbose_name=_("一把手(负责人名册)"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="creation_entries")
    leader_name = models.CharField(_("一把手"), max_length=50, blank=True,
                                   help_text=_("第一责任人:本级党组织书记"))
    leader_post = models.CharField(_("一把手职务"), max_length=100, blank=True)
    contact_leader = models.CharField(_("联系领导"), max_length=100, blank=True,
                                      help_text=_("县级领导联乡镇、乡镇干部联村"))
    declared_on = models.DateField(_("申报日期"), null=True, blank=True)
    inspected_on = models.DateField(_("验收日期"), null=True, blank=True)
    named_on = models.DateField(_("命名日期"), null=True, blank=True)
    doc_number = models.CharField(_("命名文号"), max_length=100, blank=True)
    naming_unit = models.CharField(_("命名单位"), max_length=100, blank=True)
    # The evaluations app's Award joins here after the merge: award = ForeignKey("evaluations.Award", ...)
    award_ref = models.CharField(_("评选表彰记录"), max_length=100, blank=True,
                                 help_text=_("对应的评选表彰(五好党组织评选)记录编号"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("三级联创创建单位")
        verbose_name_plural = _("三级联创创建单位")
        ordering = ["goal", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "unit"], name="creationentry_once_per_goal"),
            models.CheckConstraint(
                condition=~Q(status=EntryStatus.NAMED) | (Q(named_on__isnull=False) & ~Q(doc_number="")),
                name="creationentry_named_has_document"),
        ]
        indexes = [models.Index(fields=["goal", "status"], name="creationentry_goal_status")]

    def __str__(self):
        return f"{self.unit.name} · {self.goal.title}" if self.unit_id and self.goal_id else "创建单位"

    @property
    def leader_display(self) -> str:
        return " ".join(x for x in (self.leader_name, self.leader_post) if x)


def evidence_path(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"creation/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class CreationStep(models.Model):
    """One dated step of an entry, in order; the entry's status follows it."""

    entry = models.ForeignKey(CreationEntry, verbose_name=_("创建单位"), on_delete=models.CASCADE,
                              related_name="steps")
    action = models.CharField(_("环节"), max_length=16, choices=Action.choices)
    date = models.DateField(_("日期"))
    from_status = models.CharField(_("原状态"), max_length=16, choices=EntryStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=EntryStatus.choices)
    statement = models.TextField(_("说明"), blank=True,
                                 help_text=_("申报:创建情况;验收:验收意见和发现的问题;退回:退回理由"))
    links = models.TextField(_("佐证材料链接"), blank=True, help_text=_("每行一个网址"))
    reasons = models.TextField(_("未通过原因"), blank=True)
    inspectors = models.CharField(_("验收人员"), max_length=200, blank=True)
    doc_number = models.CharField(_("命名文号"), max_length=100, blank=True)
    naming_unit = models.CharField(_("命名单位"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("三级联创环节")
        verbose_name_plural = _("三级联创环节")
        ordering = ["entry", "date", "pk"]
        indexes = [models.Index(fields=["action", "date"], name="creationstep_action_date")]

    def __str__(self):
        return f"{self.get_action_display()} {self.date}"

    @property
    def link_list(self) -> list[str]:
        return [x for x in self.links.splitlines() if x.strip()]


class CreationEvidence(models.Model):
    """A file handed in with a step (申报材料, 验收记录, 命名文件). Served only through the scoped view."""

    step = models.ForeignKey(CreationStep, verbose_name=_("环节"), on_delete=models.CASCADE,
                             related_name="files")
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=150)
    size = models.PositiveIntegerField(_("大小(字节)"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("三级联创佐证材料")
        verbose_name_plural = _("三级联创佐证材料")
        ordering = ["pk"]

    def __str__(self):
        return self.name
