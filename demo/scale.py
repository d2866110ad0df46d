"""A synthetic province for benchmarks (``manage.py seed_scale``, CONTRACT.md §2).

Province ``SC`` with N counties (``SC-001`` …), each shaped like the demo county: about ten
townships of about fifteen villages, a bureau and a 百局联百村 pairing per village or so,
organisations and leaders, and about three years of records per village with a realistic skew
(a few villages very active, most ordinary, some silent or gone quiet).

Records are written with ``bulk_create`` a county at a time, then handed to
``organizations.records.bulk_created``, the same upkeep every service runs (record scope,
contributions, summary rows), and the pairings' ``last_logged_on`` is refreshed through the
pairing service's deferred refresh, so every derived structure ends exactly as if each record had
been saved through the services. Deterministic for a given seed (and "today").
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, models, transaction
from django.utils import timezone

from campaigns.models import (
    Activity,
    ActivityOutcome,
    Campaign,
    Category,
    Commitment,
    CommitmentStatus,
    Indicator,
    IndicatorKind,
    LinkArea,
    Phase,
    ReviewStatus,
    Survey,
    SurveySubject,
)
from campaigns.services import campaign_save
from cobuild.batching import batch
from organizations import records, services
from organizations.models import (
    Leader,
    Organization,
    OrgKind,
    Position,
    Role,
    RoleGrant,
    Unit,
    UnitKind,
    User,
)
from pairings.models import Inspection, InspectionKind, InspectionMethod, Pairing
from pairings.services import refresh_last_logged

PROVINCE_CODE = "SC"
CAMPAIGN_SLUG = "sc-bjlbc"
PASSWORD = "cobuild-demo"  # the documented benchmark accounts' password (CONTRACT.md §2)  # nosec B105
ACCOUNTS = (("scale", PROVINCE_CODE), ("scale-county", f"{PROVINCE_CODE}-001"))
YEARS = 3

ROOTS = ("安", "宝", "昌", "德", "丰", "福", "广", "和", "红", "华", "吉", "嘉", "建", "金", "锦", "康",
         "乐", "临", "龙", "隆", "明", "宁", "平", "庆", "仁", "瑞", "山", "胜", "泰", "通", "文", "新",
         "兴", "阳", "永", "裕", "云", "长", "正", "中", "东", "西", "南", "北", "青", "松", "柳", "杨")
BUREAUS = ("组织部", "宣传部", "统战部", "政法委", "发改局", "教育局", "科技局", "民政局", "司法局", "财政局",
           "人社局", "自然资源局", "住建局", "交通局", "水务局", "农业农村局", "商务局", "文旅局", "卫健局",
           "应急局", "审计局", "市场监管局", "统计局", "医保局", "林草局", "税务局", "供电公司", "邮政公司",
           "农商银行", "气象局", "档案馆", "党校", "总工会", "团委", "妇联", "科协", "残联", "工商联",
           "人民医院", "第一中学", "职业学校", "融媒体中心")
TITLES = {
    Category.ORG_LIFE: ("联合主题党日", "“三会一课”联学", "支部共建组织生活会"),
    Category.DEMOCRATIC_LIFE_MEETING: ("联合召开民主生活会",),
    Category.PARTY_LECTURE: ("书记讲党课", "专题党课进村"),
    Category.TRAINING: ("种养技术培训", "电商技能培训", "村干部业务培训"),
    Category.TECH_TO_COUNTRYSIDE: ("送科技下乡", "农技专家田间指导"),
    Category.CULTURE_TO_COUNTRYSIDE: ("送文化进村", "文艺演出下乡"),
    Category.HEALTH_TO_COUNTRYSIDE: ("义诊进村", "健康讲座"),
    Category.POLICY_LAW_TO_COUNTRYSIDE: ("政策宣讲", "法律咨询进村"),
    Category.VISIT_CONDOLENCE: ("走访慰问困难群众", "慰问老党员"),
    Category.VOLUNTEER_SERVICE: ("党员志愿服务", "环境整治志愿活动"),
    Category.PROJECT_SUPPORT: ("项目对接座谈", "产业项目帮扶"),
    Category.OTHER: ("共建座谈", "联合调研"),
}
CATEGORY_WEIGHTS = {
    Category.ORG_LIFE: 22, Category.DEMOCRATIC_LIFE_MEETING: 3, Category.PARTY_LECTURE: 8,
    Category.TRAINING: 10, Category.TECH_TO_COUNTRYSIDE: 10, Category.CULTURE_TO_COUNTRYSIDE: 6,
    Category.HEALTH_TO_COUNTRYSIDE: 5, Category.POLICY_LAW_TO_COUNTRYSIDE: 6, Category.VISIT_CONDOLENCE: 12,
    Category.VOLUNTEER_SERVICE: 8, Category.PROJECT_SUPPORT: 6, Category.OTHER: 4,
}
# Outcome indicator code -> (low, high) of one activity's value.
OUTCOME_RANGES = {
    "systems_established": (1, 3), "help_pairs": (1, 8), "activists_added": (1, 3),
    "households_visited": (2, 40), "relief_money": (500, 20000), "problems_solved": (1, 12),
    "agent_services": (1, 15), "project_funds": (10000, 500000), "projects_introduced": (1, 2),
    "people_trained": (10, 120), "info_posts": (1, 20), "labour_transferred": (1, 30),
}
CHUNK = 5000


@dataclass
class Size:
    counties: int = 100
    townships: int = 10        # per county, on average
    villages: int = 15         # per township, on average
    activities: int = 130      # per village over three years, on average


def _name(rng: random.Random, suffix: str) -> str:
    return rng.choice(ROOTS) + rng.choice(ROOTS) + suffix


def _around(rng: random.Random, mean: int) -> int:
    return max(1, rng.randint(mean - mean // 5, mean + mean // 5))


def exists() -> bool:
    return Unit.objects.filter(code=PROVINCE_CODE).exists()


# --- removing a province (--replace) --------------------------------------------------------------

def _purge(model, qs, done: set) -> None:
    """Delete ``qs`` (rows of ``model``) and, first, every row that points at them, with set-based
    deletes (no rows in memory): the province is large. Derived rows of registered records (record
    scope, contributions) go with them."""
    key = (model, str(qs.query))
    if key in done:
        return
    done.add(key)
    pks = qs.values("pk")
    for rel in model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        field = rel.field
        related = rel.related_model
        if related is model or not getattr(field, "db_constraint", True):
            continue   # the tree's own parent link (the whole subtree goes), history copies
        dependents = related._base_manager.filter(**{f"{field.name}__in": pks})
        if field.remote_field.on_delete is models.SET_NULL:
            dependents.update(**{field.name: None})
        else:
            _purge(related, dependents, done)
    kind = records._BY_MODEL.get(model)
    if kind is not None:
        from metrics.models import Contribution  # noqa: PLC0415 - demo sits above metrics
        from organizations.models import RecordScope
        RecordScope.objects.filter(record_type=kind, record_id__in=pks)._raw_delete(RecordScope.objects.db)
        Contribution.objects.filter(record_type=kind, record_id__in=pks)._raw_delete(Contribution.objects.db)
    qs._raw_delete(qs.db)


@transaction.atomic
def remove_province() -> None:
    top = Unit.objects.get(code=PROVINCE_CODE)
    if top.parent_id is not None:  # a top unit: nothing outside its subtree counts its records
        raise ValueError(f"{PROVINCE_CODE} is not a top unit: refusing to remove it")
    units = Unit.objects.filter(path__startswith=top.path)
    done: set = set()
    _purge(Campaign, Campaign.objects.filter(owner_unit__in=units.values("pk")), done)
    _purge(Unit, units, done)


# --- building -------------------------------------------------------------------------------------

class Builder:
    def __init__(self, size: Size, seed: int, today: dt.date | None = None,
                 progress: Callable[[str], None] | None = None):
        self.size = size
        self.seed = seed
        self.today = today or timezone.localdate()
        self.start = self.today - dt.timedelta(days=365 * YEARS)
        self.progress = progress or (lambda msg: None)
        self.counts = {"counties": 0, "townships": 0, "villages": 0, "bureaus": 0, "pairings": 0,
                       "activities": 0, "outcomes": 0, "commitments": 0, "inspections": 0, "surveys": 0}

    def run(self) -> dict:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:   # a benchmark load: don't wait for each commit's fsync
                cursor.execute("SET synchronous_commit TO off")
        with transaction.atomic():
            province = self._unit(PROVINCE_CODE, "示范省(规模测试)", UnitKind.PROVINCE, None, 0)
            self.campaign, _ = campaign_save(
                actor=None, slug=CAMPAIGN_SLUG, name="百局联百村(全省规模测试)", owner_unit=province,
                start_date=self.start, phase=Phase.IMPLEMENT,
                theme="城乡党组织结对共建", description="规模测试用的合成数据。")
        self.outcomes = {i.code: i for i in Indicator.objects.filter(kind=IndicatorKind.OUTCOME,
                                                                     code__in=list(OUTCOME_RANGES))}
        for n in range(1, self.size.counties + 1):
            with transaction.atomic():
                self._county(province, n)
            self.progress(f"{n}/{self.size.counties} 个县")
        with transaction.atomic():
            self._accounts()
        if connection.vendor == "postgresql":
            # Fresh statistics after a bulk load, or the planner takes the new tables for empty;
            # outside a transaction also VACUUM, which marks the new pages all-visible as autovacuum
            # would in a while, so the index-only reads (scope ids, counts) stay index-only.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        return self.counts

    def _unit(self, code, name, kind, parent, order) -> Unit:
        unit = Unit(code=code, name=name, kind=kind, parent=parent, sort_order=order, path="/")
        unit.save()
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.depth = unit.path.count("/") - 2
        Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
        return unit

    def _units(self, parent: Unit, specs: list[tuple[str, str, str, int]]) -> list[Unit]:
        """Bulk-create children of ``parent`` (code, name, kind, order) with their paths."""
        made = Unit.objects.bulk_create([Unit(code=c, name=nm, kind=k, parent=parent, sort_order=o, path="/")
                                         for c, nm, k, o in specs])
        for u in made:
            u.path = f"{parent.path}{u.pk}/"
            u.depth = parent.depth + 1
        Unit.objects.bulk_update(made, ["path", "depth"], batch_size=CHUNK)
        return made

    def _county(self, province: Unit, n: int) -> None:
        rng = random.Random(f"{self.seed}-{n}")  # deterministic synthetic data, not secrets  # nosec B311
        size = self.size
        code = f"{PROVINCE_CODE}-{n:03d}"
        county = self._unit(code, _name(rng, "县"), UnitKind.COUNTY, province, n)
        towns = self._units(county, [(f"{code}-T{t:02d}", _name(rng, rng.choice("镇镇乡")), UnitKind.TOWNSHIP, t)
                                     for t in range(1, _around(rng, size.townships) + 1)])
        villages: list[Unit] = []
        for town in towns:
            villages += self._units(town, [(f"{town.code}-V{v:02d}", _name(rng, "村"), UnitKind.VILLAGE, v)
                                           for v in range(1, _around(rng, size.villages) + 1)])
        # About as many bureaus as villages (the demo county: 76 bureaus, 80 villages), one pair each.
        paired = [v for v in villages if rng.random() < 0.95]
        bureaus = self._units(county, [(f"{code}-B{b:03d}", f"{BUREAUS[(b - 1) % len(BUREAUS)]}"
                                        + ("" if b <= len(BUREAUS) else f"{(b - 1) // len(BUREAUS) + 1}"),
                                        UnitKind.BUREAU, 100 + b) for b in range(1, len(paired) + 1)])
        self._organisations(rng, county, towns, villages, bureaus)
        pairings = Pairing.objects.bulk_create([
            Pairing(code=f"{code}-P{i:03d}", campaign=self.campaign, bureau=b, village=v,
                    start_date=self.start + dt.timedelta(days=rng.randint(0, 60)),
                    bureau_contact=f"{rng.choice(ROOTS)}联络员", village_contact=f"{rng.choice(ROOTS)}书记",
                    goals="组织共建、产业共兴、服务共做")
            for i, (b, v) in enumerate(zip(bureaus, paired, strict=True), start=1)])
        records.bulk_created(pairings)
        pair_of = {p.village_id: p for p in pairings}
        self._activities(rng, code, villages, pair_of)
        self._others(rng, code, county, towns, villages, pair_of)
        with batch():
            for p in pairings:
                refresh_last_logged(p.pk)
        c = self.counts
        c["counties"] += 1
        c["townships"] += len(towns)
        c["villages"] += len(villages)
        c["bureaus"] += len(bureaus)
        c["pairings"] += len(pairings)

    def _organisations(self, rng, county, towns, villages, bureaus) -> None:
        committees = Organization.objects.bulk_create([
            Organization(code=f"{t.code}-DW", name=f"{t.name}党委", kind=OrgKind.PARTY_COMMITTEE, unit=t, members=0)
            for t in towns])
        committee_of = {o.unit_id: o for o in committees}
        orgs, leaders = [], []
        for v in villages:
            members = rng.randint(15, 80)
            orgs.append(Organization(code=f"{v.code}-DZB", name=f"{v.name}党支部", kind=OrgKind.PARTY_BRANCH,
                                     unit=v, led_by=committee_of[v.parent_id], members=members,
                                     women_members=members * rng.randint(15, 35) // 100))
            if rng.random() < 0.8:
                orgs.append(Organization(code=f"{v.code}-FL", name=f"{v.name}妇联", kind=OrgKind.WOMEN_FEDERATION,
                                         unit=v, members=rng.randint(5, 30)))
            if rng.random() < 0.6:
                orgs.append(Organization(code=f"{v.code}-TZB", name=f"{v.name}团支部", kind=OrgKind.YOUTH_LEAGUE,
                                         unit=v, members=rng.randint(3, 20)))
            leaders.append(Leader(name=rng.choice(ROOTS) + rng.choice(ROOTS), position=Position.SECRETARY, unit=v,
                                  phone=f"139{rng.randint(0, 99999999):08d}"))
        for b in bureaus:
            orgs.append(Organization(code=f"{b.code}-DZB", name=f"{b.name}党支部", kind=OrgKind.PARTY_BRANCH,
                                     unit=b, members=rng.randint(10, 60)))
        Organization.objects.bulk_create(orgs, batch_size=CHUNK)
        Leader.objects.bulk_create(leaders, batch_size=CHUNK)
        services.coverage_refresh([u.pk for u in (*towns, *villages, *bureaus)])   # as organization_save keeps it

    def _activities(self, rng, code, villages, pair_of) -> None:
        days = (self.today - self.start).days
        categories, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
        outcome_codes = list(self.outcomes)
        # Skew: a log-normal number of activities per village (mean ≈ size.activities once the
        # silent ones are left out); 5 % never log anything, 10 % went quiet some months ago.
        sigma = 0.8
        mu = math.log(self.size.activities / 0.95) - sigma * sigma / 2
        rows: list[Activity] = []
        values: list[tuple[int, str, Decimal]] = []   # (row index, indicator code, value)
        seq = 0
        for v in villages:
            r = rng.random()
            if r < 0.05:
                continue
            last = days if r >= 0.15 else days - rng.randint(45, 400)
            n = min(int(rng.lognormvariate(mu, sigma)), 1500)
            pairing = pair_of.get(v.pk)
            for _ in range(n):
                seq += 1
                on = self.start + dt.timedelta(days=rng.randint(0, max(last, 1)))
                category = rng.choices(categories, weights)[0]
                linked = pairing is not None and rng.random() < 0.7
                unit = pairing.bureau_id if linked and rng.random() < 0.15 else v.pk
                age = (self.today - on).days
                s = rng.random()
                status = (ReviewStatus.RETURNED if s < 0.04 else
                          ReviewStatus.SUBMITTED if s < 0.10 or (age < 20 and s < 0.6) else ReviewStatus.VERIFIED)
                rows.append(Activity(
                    code=f"{code}-A{seq:06d}", campaign=self.campaign, date=on, unit_id=unit,
                    pairing=pairing if linked else None, category=category,
                    link_area=rng.choice(LinkArea.values) if linked else "",
                    title=rng.choice(TITLES[category]), participants=rng.randint(5, 80), status=status))
                if outcome_codes and rng.random() < 0.35:
                    oc = rng.choice(outcome_codes)
                    lo, hi = OUTCOME_RANGES[oc]
                    values.append((len(rows) - 1, oc, Decimal(rng.randint(lo, hi))))
        made = Activity.objects.bulk_create(rows, batch_size=CHUNK)
        outcomes = [ActivityOutcome(activity=made[i], indicator=self.outcomes[oc], value=val) for i, oc, val in values]
        ActivityOutcome.objects.bulk_create(outcomes, batch_size=CHUNK)
        for start in range(0, len(made), CHUNK * 4):
            records.bulk_created(made[start:start + CHUNK * 4])
        self.counts["activities"] += len(made)
        self.counts["outcomes"] += len(outcomes)

    def _others(self, rng, code, county, towns, villages, pair_of) -> None:
        days = (self.today - self.start).days
        commitments, seq = [], 0
        for v in villages:
            pairing = pair_of.get(v.pk)
            for _ in range(rng.randint(1, 4)):
                seq += 1
                made_on = self.start + dt.timedelta(days=rng.randint(0, days))
                due = made_on + dt.timedelta(days=rng.randint(60, 300))
                s = rng.random()
                status = (CommitmentStatus.DONE if s < 0.6 and due <= self.today + dt.timedelta(days=60) else
                          CommitmentStatus.CANCELLED if s > 0.97 else
                          CommitmentStatus.IN_PROGRESS if s > 0.8 else CommitmentStatus.PENDING)
                commitments.append(Commitment(
                    code=f"{code}-C{seq:05d}", campaign=self.campaign,
                    unit_id=pairing.bureau_id if pairing and rng.random() < 0.5 else v.pk,
                    pairing=pairing if pairing and rng.random() < 0.8 else None,
                    content=rng.choice(("帮助修缮村党员活动室", "协调产业项目资金", "开展技能培训", "帮扶困难党员",
                                        "完善村规民约")),
                    made_on=made_on, due_date=due, status=status,
                    completed_on=min(due, self.today) if status == CommitmentStatus.DONE else None))
        inspections, seq = [], 0
        for town in towns:
            own = [v for v in villages if v.parent_id == town.pk]
            for _ in range(rng.randint(3, 9)):
                seq += 1
                v = rng.choice(own)
                leader_visit = rng.random() < 0.4
                inspections.append(Inspection(
                    code=f"{code}-I{seq:04d}", campaign=self.campaign, unit=v, pairing=pair_of.get(v.pk),
                    held_on=self.start + dt.timedelta(days=rng.randint(0, days)),
                    kind=InspectionKind.LEADER_VISIT if leader_visit else InspectionKind.INSPECTION,
                    method=rng.choice(InspectionMethod.values), visitors=rng.randint(1, 4) if leader_visit else 1,
                    inspector=f"{rng.choice(ROOTS)}{rng.choice(ROOTS)}", findings="台账基本规范。"))
        surveys, seq = [], 0
        for v in villages:
            for year in range(YEARS):
                if rng.random() < 0.3:
                    continue
                held = self.start + dt.timedelta(days=365 * year + rng.randint(300, 360))
                if held > self.today:
                    continue
                for subject in SurveySubject.values:
                    seq += 1
                    ballots = rng.randint(20, 60)
                    sat = ballots * rng.randint(55, 90) // 100
                    basic = (ballots - sat) * rng.randint(40, 90) // 100
                    surveys.append(Survey(code=f"{code}-S{seq:05d}", campaign=self.campaign, unit=v, subject=subject,
                                          held_on=held, satisfied=sat, basically_satisfied=basic,
                                          dissatisfied=ballots - sat - basic))
        for model, objs in ((Commitment, commitments), (Inspection, inspections), (Survey, surveys)):
            made = model.objects.bulk_create(objs, batch_size=CHUNK)
            records.bulk_created(made)
        self.counts["commitments"] += len(commitments)
        self.counts["inspections"] += len(inspections)
        self.counts["surveys"] += len(surveys)

    def _accounts(self) -> None:
        """``scale`` (county admin over SC) and ``scale-county`` (over SC-001): created or reset."""
        for username, unit_code in ACCOUNTS:
            unit = Unit.objects.get(code=unit_code)
            user = User.objects.filter(username=username).first()
            if user is not None:
                for grant in RoleGrant.objects.filter(user=user).exclude(role=Role.COUNTY_ADMIN, unit=unit):
                    services.role_revoke(actor=None, grant=grant, reason="规模测试账号重置")
            user, _grant, _ = services.role_grant(actor=None, username=username, role=Role.COUNTY_ADMIN,
                                                  unit=unit, password=PASSWORD, reason="规模测试账号")
            if not user.is_active or user.first_name != "规模测试":
                user.is_active, user.first_name = True, "规模测试"
                user.save(update_fields=["is_active", "first_name"])

