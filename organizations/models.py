"""The organisation tree: units, the organisations inside them, the people who matter, and roles.

Units form one tree kept as ``parent`` plus a materialised ``path`` ("/1/23/456/") and
``depth``. "Everything under U" is one indexed prefix filter, ``path__startswith=U.path``.
Only the services in ``organizations.services`` write ``path``.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cobuild.codes import NeutralCodeMixin

from .scoping import ScopedQuerySet


class User(AbstractUser):
    """A person who logs in. What they may see comes from their role grants."""

    phone = models.CharField(_("手机号"), max_length=32, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self):
        full = f"{self.last_name}{self.first_name}".strip()
        return f"{full}({self.username})" if full else self.username


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市/盟")
    COUNTY = "county", _("县/旗/县级市")
    TOWNSHIP = "township", _("乡/镇/苏木/街道")
    VILLAGE = "village", _("行政村/嘎查")
    COMMUNITY = "community", _("社区")
    BUREAU = "bureau", _("机关事业单位")
    ENTERPRISE = "enterprise", _("企业")
    SCHOOL = "school", _("学校")
    SOCIAL_ORG = "social_org", _("社会组织")


# Which kinds of unit may hang under which (None = a top unit).
ALLOWED_PARENT_KINDS = {
    UnitKind.PROVINCE: {None},
    UnitKind.CITY: {None, UnitKind.PROVINCE},
    UnitKind.COUNTY: {None, UnitKind.PROVINCE, UnitKind.CITY},
    UnitKind.TOWNSHIP: {UnitKind.COUNTY, UnitKind.CITY},
    UnitKind.VILLAGE: {UnitKind.TOWNSHIP},
    UnitKind.COMMUNITY: {UnitKind.TOWNSHIP, UnitKind.COUNTY, UnitKind.CITY},
    UnitKind.BUREAU: {UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY, UnitKind.TOWNSHIP},
    UnitKind.ENTERPRISE: {UnitKind.CITY, UnitKind.COUNTY, UnitKind.TOWNSHIP, UnitKind.BUREAU},
    UnitKind.SCHOOL: {UnitKind.CITY, UnitKind.COUNTY, UnitKind.TOWNSHIP, UnitKind.BUREAU},
    UnitKind.SOCIAL_ORG: {UnitKind.CITY, UnitKind.COUNTY, UnitKind.TOWNSHIP, UnitKind.COMMUNITY},
}
# Administrative areas: the levels of the drill-down.
AREA_KINDS = (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY, UnitKind.TOWNSHIP)
# Where the county wants all four of 党、工、青、妇 (no blank spots).
GRASSROOTS_KINDS = (UnitKind.VILLAGE, UnitKind.COMMUNITY, UnitKind.ENTERPRISE)


class UnitQuerySet(ScopedQuerySet):
    scope_path_field = "path"

    def subtree(self, unit):
        return self.filter(path__startswith=unit.path)


class Unit(NeutralCodeMixin, models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    path = models.CharField(_("树路径"), max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("层级"), editable=False, default=0)
    sort_order = models.IntegerField(_("排序"), default=0)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    position_shared = models.BooleanField(
        _("党群共用活动阵地"), default=False, help_text=_("一室多用:党员、职工、青年、妇女共用活动场所")
    )
    # Derived: the unit has organisations of all four of 党·工·青·妇 (COVERAGE_AREAS), kept by
    # ``services.coverage_refresh`` whenever an organisation is saved; a grassroots unit without it
    # is a blank spot, counted under any area from a partial index of the blank spots alone.
    coverage_complete = models.BooleanField(_("党工青妇齐全"), default=False, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="unit_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["parent", "sort_order", "name"], name="unit_children"),
            models.Index(fields=["kind", "path"], name="unit_kind_path"),
            models.Index(fields=["path"], name="unit_blank_spot", opclasses=["varchar_pattern_ops"],
                         condition=Q(coverage_complete=False, kind__in=GRASSROOTS_KINDS)),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="unit_code_not_empty"),
        ]

    def __str__(self):
        return self.name

    @property
    def ancestor_ids(self):
        """Ids of the units above this one, top first (from the path, no query)."""
        return [int(p) for p in self.path.strip("/").split("/")[:-1] if p]

    @property
    def is_area(self):
        return self.kind in AREA_KINDS

    @property
    def is_grassroots(self):
        return self.kind in GRASSROOTS_KINDS


class OrgKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("党委")
    PARTY_GENERAL_BRANCH = "party_general_branch", _("党总支")
    PARTY_BRANCH = "party_branch", _("党支部")
    UNION = "union", _("工会")
    YOUTH_LEAGUE = "youth_league", _("共青团")
    WOMEN_FEDERATION = "women_federation", _("妇联/妇代会")


PARTY_KINDS = (OrgKind.PARTY_COMMITTEE, OrgKind.PARTY_GENERAL_BRANCH, OrgKind.PARTY_BRANCH)
MASS_KINDS = (OrgKind.UNION, OrgKind.YOUTH_LEAGUE, OrgKind.WOMEN_FEDERATION)
# The four of coverage 党·工·青·妇: key -> organisation kinds that count for it.
COVERAGE_AREAS = {
    "party": PARTY_KINDS,
    "union": (OrgKind.UNION,),
    "youth": (OrgKind.YOUTH_LEAGUE,),
    "women": (OrgKind.WOMEN_FEDERATION,),
}
COVERAGE_LABELS = {"party": _("党"), "union": _("工"), "youth": _("青"), "women": _("妇")}


class OrganizationQuerySet(ScopedQuerySet):
    scope_path_field = "unit__path"


class Organization(NeutralCodeMixin, models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=24, choices=OrgKind.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT,
                             related_name="organizations")
    led_by = models.ForeignKey(
        "self", verbose_name=_("领导党组织"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="led_organizations", help_text=_("党建带群建:群团组织由哪个党组织领导"),
    )
    members = models.PositiveIntegerField(_("成员数"), default=0)
    women_members = models.PositiveIntegerField(_("女性成员数"), default=0)
    established = models.DateField(_("成立日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["unit__path", "kind", "name"]
        indexes = [models.Index(fields=["unit", "kind"], name="org_unit_kind")]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="org_code_not_empty"),
            models.CheckConstraint(condition=Q(women_members__lte=models.F("members")),
                                   name="org_women_lte_members"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_party(self):
        return self.kind in PARTY_KINDS


class Position(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
    CHAIR = "chair", _("主席/主任")
    POLITICAL_INSTRUCTOR = "political_instructor", _("政治辅导员")
    INSTRUCTOR = "instructor", _("党建指导员")
    LIAISON = "liaison", _("联络员")
    OTHER = "other", _("其他")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class LeaderQuerySet(ScopedQuerySet):
    scope_path_field = "unit__path"


class Leader(models.Model):
    """A person who matters to the work: secretaries, political instructors, liaisons."""

    name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("职务"), max_length=24, choices=Position.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("所在单位"), on_delete=models.PROTECT,
                             related_name="leaders")
    organization = models.ForeignKey(
        Organization, verbose_name=_("所在组织"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="leaders",
    )
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    is_party_member = models.BooleanField(_("党员"), default=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = LeaderQuerySet.as_manager()

    class Meta:
        verbose_name = _("负责人")
        verbose_name_plural = _("负责人")
        ordering = ["unit__path", "position", "name"]
        indexes = [models.Index(fields=["unit", "position"], name="leader_unit_position")]

    def __str__(self):
        return f"{self.name}({self.get_position_display()})"


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("县级组织部管理员")
    TOWNSHIP_STAFF = "township_staff", _("乡镇工作人员")
    VILLAGE_SECRETARY = "village_secretary", _("村(社区)党组织书记")
    BUREAU_LIAISON = "bureau_liaison", _("机关单位联络员")
    INSPECTOR = "inspector", _("督查人员")
    VIEWER = "viewer", _("只读领导")


# Roles that may change the organisation tree and import data in their subtree.
MANAGER_ROLES = (Role.COUNTY_ADMIN, Role.TOWNSHIP_STAFF)
# Roles that may keep their own unit's organisations and leaders current.
EDITOR_ROLES = (*MANAGER_ROLES, Role.VILLAGE_SECRETARY, Role.BUREAU_LIAISON)


class RoleGrantQuerySet(ScopedQuerySet):
    scope_path_field = "unit__path"


class RoleGrant(models.Model):
    """A role over a unit's whole subtree."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="role_grants")
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT,
                             related_name="role_grants")
    created_at = models.DateTimeField(_("授权时间"), auto_now_add=True)
    history = HistoricalRecords()

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        ordering = ["user__username", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="rolegrant_unique"),
        ]

    def __str__(self):
        return f"{self.user.username} · {self.get_role_display()} · {self.unit.name}"


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("检查中")
    PENDING = "pending", _("待确认")
    WRITING = "writing", _("导入中")
    DONE = "done", _("已导入")
    FAILED = "failed", _("有错误")


class ImportJobQuerySet(models.QuerySet):
    def for_user(self, user):
        if user.is_superuser:
            return self
        return self.filter(user=user)


class ImportJob(models.Model):
    """An uploaded file on its way through preview and confirmation (web import)."""

    user = models.ForeignKey(User, verbose_name=_("上传人"), on_delete=models.CASCADE,
                             related_name="import_jobs")
    kind = models.CharField(_("数据类型"), max_length=24)
    filename = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("文件内容"))
    # The file's rows as read once (``[[row number, [cell texts]], ...]``): the check and the write
    # use them, the file is never parsed again. ``prune_jobs`` empties both after IMPORT_KEEP_DAYS.
    rows = models.JSONField(_("解析后的数据行"), null=True, blank=True, editable=False)
    purged_at = models.DateTimeField(_("文件清除时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=ImportStatus.choices,
                              default=ImportStatus.PENDING)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    error_count = models.PositiveIntegerField(_("错误"), default=0)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    job = models.ForeignKey("Job", verbose_name=_("后台任务"), null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords(excluded_fields=["content", "rows"])

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class JobQuerySet(models.QuerySet):
    def for_user(self, user):
        """Only the owner sees a job and its file (a superuser too: another's export is a 404)."""
        return self.filter(user=user)

    def active(self):
        return self.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING))


class Job(models.Model):
    """Long work off the request (``organizations.jobs``): an import check or write, a big
    workbook, the metrics rebuild. The worker runs the registered ``handler`` with ``params`` and
    keeps the progress here; a workbook's file lives in the default storage until ``expires_at``."""

    user = models.ForeignKey(User, verbose_name=_("发起人"), on_delete=models.CASCADE, related_name="jobs")
    handler = models.CharField(_("任务类型"), max_length=32)
    label = models.CharField(_("名称"), max_length=200)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(_("当前步骤"), max_length=100, blank=True)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    message = models.TextField(_("说明"), blank=True)
    file = models.FileField(_("文件"), upload_to="jobs/%Y/%m/", max_length=200, blank=True)
    filename = models.CharField(_("下载文件名"), max_length=200, blank=True)
    task_id = models.CharField(_("队列任务编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("文件保留至"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["result", "done", "stage"])

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="job_user_created"),
            models.Index(fields=["handler", "status"], name="job_handler_status"),
            models.Index(fields=["expires_at"], name="job_expires"),
        ]

    def __str__(self):
        return f"{self.label} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0


class RecordScope(models.Model):
    """Where a record stands: one row for every unit whose scope holds it.

    Kept by ``organizations.records`` whenever a record, its pairing or a unit above it changes
    (CONTRACT.md §4: a record is in U's scope when its unit is U or below, or its pairing's
    village or bureau is). "Records of type T in the scope of units G" is then one indexed
    equality filter, ``unit_id IN G``, on SQLite and PostgreSQL alike; access control
    (``for_user``) and the summary figures read the same rows.
    """

    record_type = models.CharField(_("记录类型"), max_length=16)
    record_id = models.BigIntegerField(_("记录"))
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+",
                             db_index=False)
    # The record's own day (an activity's date) for the kinds that register one: "the newest
    # records in U's scope" is then one index range read in order (a list's first page, a deep
    # page, its count), whatever the share of the province U holds.
    day = models.DateField(_("日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("记录范围")
        verbose_name_plural = _("记录范围")
        constraints = [
            models.UniqueConstraint(fields=["unit", "record_type", "record_id"], name="recordscope_unique"),
        ]
        indexes = [
            models.Index(fields=["record_type", "record_id"], name="recordscope_record"),
            models.Index(fields=["unit", "record_type", "-day", "-record_id"], name="recordscope_unit_day",
                         condition=Q(day__isnull=False)),
        ]

    def __str__(self):
        return f"{self.record_type}#{self.record_id} ∈ {self.unit_id}"


class Submission(models.Model):
    """A create form's once-only token (``organizations.submissions``): the hidden field a form
    carries from when it was rendered, claimed in the same transaction as the record it created.
    A second submit of the same form finds the claim and goes to that record instead of making
    another. Unique per (user, token): one person's token never touches another's records."""

    user = models.ForeignKey(User, verbose_name=_("提交人"), on_delete=models.CASCADE, related_name="+",
                             db_index=False)
    token = models.CharField(_("提交令牌"), max_length=32)
    record_type = models.CharField(_("记录类型"), max_length=64, blank=True)
    record_id = models.BigIntegerField(_("记录"), null=True, blank=True)
    url = models.CharField(_("记录页面"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("表单提交记录")
        verbose_name_plural = _("表单提交记录")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "token"], name="submission_user_token")]
        indexes = [models.Index(fields=["created_at"], name="submission_created")]

    def __str__(self):
        return f"{self.record_type}#{self.record_id or '-'} ({self.token[:8]})"
