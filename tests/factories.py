"""Factories that build data through the services, so paths and history are right."""

import itertools

import factory
from django.utils import timezone

from organizations import services
from organizations.models import Leader, Organization, OrgKind, Position, Unit, UnitKind

_seq = itertools.count(1)


def make_unit(kind=UnitKind.VILLAGE, parent=None, name=None, code=None) -> Unit:
    n = next(_seq)
    unit, _ = services.unit_save(
        actor=None, code=code or f"U{n:05d}", name=name or f"{kind}-{n}", kind=kind, parent=parent,
    )
    return unit


def make_org(unit, kind=OrgKind.PARTY_BRANCH, members=10, led_by=None, name=None, women=0) -> Organization:
    n = next(_seq)
    org, _ = services.organization_save(
        actor=None, code=f"O{n:05d}", name=name or f"{unit.name}{kind}", kind=kind, unit=unit,
        led_by=led_by, members=members, women_members=women,
    )
    return org


def make_full_orgs(unit, members=20):
    """All four of 党·工·青·妇 for a unit, the mass organisations led by the Party branch."""
    party = make_org(unit, OrgKind.PARTY_BRANCH, members=members, women=members // 3)
    for kind in (OrgKind.UNION, OrgKind.YOUTH_LEAGUE, OrgKind.WOMEN_FEDERATION):
        make_org(unit, kind, members=5, led_by=party)
    return party


def make_leader(unit, name="张书记", position=Position.SECRETARY, phone="13800000000") -> Leader:
    return services.leader_save(actor=None, name=name, position=position, unit=unit, phone=phone)


def make_user(username, role=None, unit=None, **extra):
    if role:
        user, _, _ = services.role_grant(actor=None, username=username, role=role, unit=unit)
    else:
        from organizations.models import User

        user = User.objects.create(username=username, **extra)
    for k, v in extra.items():
        setattr(user, k, v)
    if extra:
        user.save()
    return user


class County:
    """A small county: 2 townships with villages, a bureau and an enterprise."""

    def __init__(self, villages_per_township=2, townships=2, full=True):
        self.province = make_unit(UnitKind.PROVINCE, name="测试省")
        self.city = make_unit(UnitKind.CITY, self.province, name="测试市")
        self.county = make_unit(UnitKind.COUNTY, self.city, name="测试县")
        self.townships = [make_unit(UnitKind.TOWNSHIP, self.county, name=f"第{i + 1}镇")
                          for i in range(townships)]
        self.villages = []
        for t in self.townships:
            for j in range(villages_per_township):
                v = make_unit(UnitKind.VILLAGE, t, name=f"{t.name}{j + 1}村")
                if full:
                    make_full_orgs(v)
                    make_leader(v)
                self.villages.append(v)
        self.bureau = make_unit(UnitKind.BUREAU, self.county, name="县农业局")
        make_org(self.bureau, OrgKind.PARTY_BRANCH, members=30)
        self.enterprise = make_unit(UnitKind.ENTERPRISE, self.county, name="某某公司")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "organizations.User"
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")


def bulk_villages(township, n, with_orgs=True, missing_youth_every=0):
    """Many villages at once (for query-count tests): bulk inserts with correct paths."""
    start = next(_seq) * 10000
    units = Unit.objects.bulk_create([
        Unit(code=f"BV{start + i}", name=f"批量村{start + i}", kind=UnitKind.VILLAGE, parent=township,
             path="/", depth=township.depth + 1)
        for i in range(n)
    ])
    if units and units[0].pk is None:  # backends without RETURNING
        units = list(Unit.objects.filter(code__startswith="BV", path="/", parent=township))
    for u in units:
        u.path = f"{township.path}{u.pk}/"
    Unit.objects.bulk_update(units, ["path"], batch_size=500)
    if with_orgs:
        orgs = []
        for i, u in enumerate(units):
            kinds = [OrgKind.PARTY_BRANCH, OrgKind.UNION, OrgKind.WOMEN_FEDERATION]
            if not (missing_youth_every and i % missing_youth_every == 0):
                kinds.append(OrgKind.YOUTH_LEAGUE)
            orgs += [Organization(code=f"BO{u.pk}-{k}", name=f"{u.name}{k}", kind=k, unit=u, members=12)
                     for k in kinds]
        Organization.objects.bulk_create(orgs, batch_size=500)
        services.coverage_refresh([u.pk for u in units])   # as organization_save keeps it
    return units


# --- campaigns and pairings (through their services) ---------------------------------------------

def make_campaign(owner_unit, slug=None, name="百局联百村", start_date=None, end_date=None):
    import datetime as dt

    from django.utils import timezone

    from campaigns.services import campaign_save

    n = next(_seq)
    campaign, _ = campaign_save(
        actor=None, slug=slug or f"c{n}", name=name, owner_unit=owner_unit,
        start_date=start_date or timezone.localdate() - dt.timedelta(days=365), end_date=end_date,
    )
    return campaign


def make_pairing(campaign, bureau, village, code=None, start_date=None, **extra):
    from pairings.services import pairing_save

    n = next(_seq)
    pairing, _ = pairing_save(
        actor=None, code=code or f"P{n:05d}", campaign=campaign, bureau=bureau, village=village,
        start_date=start_date or campaign.start_date, **extra,
    )
    return pairing


def campaign_county(days_before=300, days_after=65, paired=True) -> County:
    """A county of 2×2 villages with the 百局联百村 campaign running from ``days_before`` ago to
    ``days_after`` ahead and a second bureau (县水务局); ``paired``: two pairs, bureau → village 0
    and 县水务局 → village 2 (``county.pairs``). The dashboard, workbench and target tests share it."""
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    county = County(villages_per_township=2)
    county.campaign = make_campaign(county.county, slug="bjlbc", start_date=today - dt.timedelta(days=days_before),
                                    end_date=today + dt.timedelta(days=days_after))
    county.bureau2 = make_unit(UnitKind.BUREAU, county.county, name="县水务局")
    if paired:
        county.pairs = [make_pairing(county.campaign, county.bureau, county.villages[0]),
                        make_pairing(county.campaign, county.bureau2, county.villages[2])]
    return county


# --- supervision: contact points, inspections, rectification, help pairs (through the services) ---

def make_inspection(campaign, unit, held_on=None, kind="inspection", actor=None, **extra):
    import datetime as dt

    from django.utils import timezone

    from pairings.services import inspection_save

    extra.setdefault("method", "tour" if kind == "inspection" else "")
    inspection, _ = inspection_save(actor=actor, campaign=campaign, unit=unit, kind=kind,
                                    held_on=held_on or timezone.localdate() - dt.timedelta(days=40), **extra)
    return inspection


def make_rectification(inspection, responsible_unit=None, deadline=None, actor=None, description="台帐不全,限期补齐"):
    import datetime as dt

    from pairings.services import rectification_create

    return rectification_create(actor=actor, inspection=inspection, description=description,
                                responsible_unit=responsible_unit or inspection.unit,
                                deadline=deadline or inspection.held_on + dt.timedelta(days=30))


def make_help_pair(village, member_name="李党员", household_name="赵大户", pairing=None, actor=None, **extra):
    from django.utils import timezone

    from pairings.services import help_pair_save

    extra.setdefault("household_kind", "poor")
    hp, _ = help_pair_save(actor=actor, village=village, pairing=pairing, member_name=member_name,
                           household_name=household_name, started_on=extra.pop("started_on", timezone.localdate()),
                           **extra)
    return hp


# --- admin accounts and campaign records (through the services) -----------------------------------

ADMIN_APPS = ("organizations", "campaigns", "pairings", "metrics", "people", "notices", "evaluations", "creation")


def make_staff(username, role, unit, codenames=None):
    """A staff account with the role over ``unit`` and admin permissions: by default view, add,
    change and delete on every model of the portal's apps, so that only the services' rules (and
    the admin's scope) stand between it and a write; or just the permission ``codenames``."""
    from django.contrib.auth.models import Permission

    user = make_user(username, role, unit)
    user.is_staff = True
    user.save()
    perms = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
    if codenames is not None:
        perms = perms.filter(codename__in=codenames)
    user.user_permissions.set(perms)
    return user


def make_activity(campaign, unit, actor=None, pairing=None, date=None, title="主题党日活动", category="org_life",
                  participants=20, outcomes=None, verified=False, **extra):
    import datetime as dt

    from django.utils import timezone

    from campaigns.services import activity_submit

    activity, _ = activity_submit(
        actor=actor, campaign=campaign, unit=unit, pairing=pairing, title=title, category=category,
        date=date or timezone.localdate() - dt.timedelta(days=3), participants=participants,
        outcomes=outcomes, verified=verified, **extra)
    return activity


def log_activity(c, p, ago, verified=True, title="联合主题党日", **extra):
    """A co-building activity of pair ``p`` at its village, ``ago`` days ago (verified unless
    ``verified=False``, then submitted): what keeps a pair from being silent, the one silence rule
    (``metrics.figures``, ``Pairing.last_logged_on``). A leader visit or any other ledger record
    does not."""
    import datetime as dt

    from django.utils import timezone

    from campaigns.services import activity_submit

    activity, _ = activity_submit(
        actor=None, campaign=c.campaign, unit=p.village, pairing=p, title=title, category="org_life",
        date=timezone.localdate() - dt.timedelta(days=ago), participants=extra.pop("participants", 20),
        verified=verified, **extra)
    return activity


def make_commitment(campaign, unit, content="为群众办实事十件", actor=None, made_on=None, **extra):
    import datetime as dt

    from django.utils import timezone

    from campaigns.services import commitment_save

    commitment, _ = commitment_save(actor=actor, campaign=campaign, unit=unit, content=content,
                                    made_on=made_on or timezone.localdate() - dt.timedelta(days=10), **extra)
    return commitment


def make_meeting(campaign, host_unit, title="党工青妇联席会议", actor=None, held_on=None, **extra):
    import datetime as dt

    from django.utils import timezone

    from campaigns.services import meeting_save

    meeting, _ = meeting_save(actor=actor, campaign=campaign, host_unit=host_unit, title=title,
                              held_on=held_on or timezone.localdate() - dt.timedelta(days=7), **extra)
    return meeting


def make_decision(meeting, assigned_unit=None, content="修缮村党群服务中心", actor=None, deadline=None):
    from campaigns.services import decision_add

    return decision_add(actor=actor, meeting=meeting, content=content,
                        assigned_unit=assigned_unit or meeting.host_unit, deadline=deadline)


def make_survey(campaign, unit, subject="party_org", held_on=None, satisfied=30, basically_satisfied=5,
                dissatisfied=1, actor=None, **extra):
    import datetime as dt

    from django.utils import timezone

    from campaigns.services import survey_save

    survey, _ = survey_save(actor=actor, campaign=campaign, unit=unit, subject=subject,
                            held_on=held_on or timezone.localdate() - dt.timedelta(days=5), satisfied=satisfied,
                            basically_satisfied=basically_satisfied, dissatisfied=dissatisfied, **extra)
    return survey


def with_password(user, password="cobuild-demo"):
    """Give ``user`` a password to log in with through the real form."""
    user.set_password(password)
    user.save()
    return user


def enrol_totp(user):
    """A confirmed TOTP device and ten recovery codes for ``user``, as the enrolment page leaves
    them; returns (device, codes)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from organizations import two_factor

    device = TOTPDevice.objects.create(user=user, name=two_factor.TOTP_NAME, confirmed=True)
    return device, two_factor.recovery_codes_renew(user=user)


def totp_code(device, steps_ahead=0) -> str:
    """The code the user's authenticator app shows now (or ``steps_ahead`` 30-second steps later:
    a code is accepted once, so a second login in the same step uses the next one)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


# --- annual plans and public boards (through their services) ------------------------------------

def make_plan(pairing, year, items=None, actor=None, note=""):
    """A pair's plan; ``items``: {(measure, category, quarter): planned}, by default two
    activities a quarter."""
    from campaigns.services import plan_save

    items = items if items is not None else {("activities", "", q): 2 for q in (1, 2, 3, 4)}
    plan, _ = plan_save(actor=actor, pairing=pairing, year=year, items=items, note=note)
    return plan


def make_board(unit, actor=None, **extra):
    from campaigns.services import board_create

    return board_create(actor=actor, unit=unit, **extra)


def plan_county(year: int) -> County:
    """``campaign_county`` whose campaign runs from 1 January of ``year`` (a past year: every
    quarter of it has ended), pairs ``county.pairs`` (县农业局 → village 0, 县水务局 → village 2),
    and a user per role in ``county.users``: county, township (first township), village (first
    village), village2 (second village), bureau (县农业局), inspector, viewer."""
    import datetime as dt

    from organizations.models import Role

    county = County(villages_per_township=2)
    county.campaign = make_campaign(county.county, slug=f"plan{next(_seq)}", start_date=dt.date(year, 1, 1))
    county.bureau2 = make_unit(UnitKind.BUREAU, county.county, name="县水务局")
    county.pairs = [make_pairing(county.campaign, county.bureau, county.villages[0]),
                    make_pairing(county.campaign, county.bureau2, county.villages[2])]
    county.users = {
        "county": make_user("county", Role.COUNTY_ADMIN, county.county),
        "township": make_user("township", Role.TOWNSHIP_STAFF, county.townships[0]),
        "village": make_user("village", Role.VILLAGE_SECRETARY, county.villages[0]),
        "village2": make_user("village2", Role.VILLAGE_SECRETARY, county.villages[1]),
        "bureau": make_user("bureau", Role.BUREAU_LIAISON, county.bureau),
        "inspector": make_user("inspector", Role.INSPECTOR, county.county),
        "viewer": make_user("viewer", Role.VIEWER, county.county),
    }
    return county


# --- the person register (people) ---------------------------------------------------------------

class PersonFactory(factory.django.DjangoModelFactory):
    """A person in a unit's register, saved through ``people.services.person_save``:
    ``PersonFactory(unit=village, status="activist", tags=["rich_leader"])``."""

    class Meta:
        model = "people.Person"

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"人员{n}")
    unit = factory.LazyFunction(lambda: make_unit(UnitKind.VILLAGE, make_unit(UnitKind.TOWNSHIP)))
    gender = "male"
    birth_year = 1990
    education = "senior"
    occupation = "种植户"
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    status = "masses"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from people import services as people_services

        person, _ = people_services.person_save(actor=kwargs.pop("actor", None), **kwargs)
        return person


def make_step(person, stage, date, actor=None, **extra):
    """Record a pipeline step through the service (the branch defaults to the person's)."""
    from people import services as people_services

    return people_services.pipeline_step_record(actor=actor, person=person, stage=stage, date=date, **extra)


# --- notices, tasks and 信息通报 (through notices.services) ---------------------------------------

def make_notice(sender_unit, units, kind="notice", actor=None, title="关于报送台帐的通知", deadline=None,
                done_by="", files=(), **extra):
    import datetime as dt

    from django.utils import timezone

    from notices.services import notice_send

    if kind == "task":
        done_by = done_by or "report"
        deadline = deadline or timezone.localdate() + dt.timedelta(days=7)
    return notice_send(actor=actor, kind=kind, sender_unit=sender_unit, units=units, title=title,
                       body="请按时办理。", deadline=deadline, done_by=done_by, files=files, **extra)


def make_briefing(sender_org, organizations, actor=None, title="党建带群建情况通报", **extra):
    from notices.services import briefing_send

    return briefing_send(actor=actor, sender_org=sender_org, organizations=organizations, title=title,
                         body="上半年开展联合活动12次。", **extra)


def notice_file(name="台帐模板.pdf", data=b"%PDF-1.4 demo"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def make_team(unit, members, *, name="党员志愿服务队", leader=None, actor=None):
    """A 党员志愿服务队 through ``people.services_service.team_save``."""
    from people.services_service import team_save

    return team_save(actor=actor, unit=unit, name=name, leader=leader, members=members)


def make_service(team, hours, *, date=None, place="无物业小区", content="清理楼道", actor=None):
    """A service record with ``hours`` = [(person, hours)]."""
    from people.services_service import service_record_save

    return service_record_save(actor=actor, team=team, date=date or timezone.localdate(), place=place,
                               content=content, hours=hours)


def make_migrant(person, *, since, place="宁波", contact="13900001111", actor=None, **extra):
    """A member working away (流动党员) through ``people.services_service.migrant_save``."""
    from people.services_service import migrant_save

    return migrant_save(actor=actor, person=person, place=place, since=since, contact=contact, **extra)


def make_contact(migrant, date, *, way="wechat", content="电话了解近况", actor=None, remote_meeting=False):
    from people.services_service import migrant_contact_add

    return migrant_contact_add(actor=actor, migrant=migrant, date=date, way=way, content=content,
                               remote_meeting=remote_meeting)


# --- evaluations: schemes, cycles, nominations (through evaluations.services) ----------------------

def make_scheme(kind="unit", code=None, name=None, unit_kinds="village,community,bureau", statuses="",
                criteria=(("领导班子好", 50, "", None), ("工作业绩好", 50, "activities", 10))):
    """A scheme with its criteria: (name, weight, indicator codes, full marks at)."""
    from evaluations.services import criterion_save, scheme_save

    n = next(_seq)
    scheme, _ = scheme_save(actor=None, code=code or f"S{n:05d}", name=name or f"评选方案{n}", kind=kind,
                            award_title=name or "先进集体", eligible_unit_kinds=unit_kinds if kind == "unit" else "",
                            eligible_statuses=statuses)
    for order, (c_name, weight, codes, full_at) in enumerate(criteria, start=1):
        criterion_save(actor=None, scheme=scheme, order=order, name=c_name, weight=weight, indicator_codes=codes,
                       full_at=full_at)
    return scheme


def make_cycle(scheme, organiser, actor=None, year=None, deadline=None, **extra):
    import datetime as dt

    from evaluations.services import cycle_create

    today = timezone.localdate()
    return cycle_create(actor=actor, scheme=scheme, organiser=organiser, year=year or today.year,
                        nomination_deadline=deadline or today + dt.timedelta(days=10),
                        objection_contact="县委组织部 0458-1234567", **extra)


def make_nomination(cycle, unit=None, person=None, actor=None, statement="班子团结,组织生活经常,群众满意度高。", **extra):
    from evaluations.services import nomination_submit

    return nomination_submit(actor=actor, cycle=cycle, unit=unit, person=person, statement=statement, **extra)


def advance_nomination(nomination, to, *, county_actor=None, township_actor=None):
    """Take a nomination through the review rounds up to ``to`` (township_passed, county_passed)."""
    from evaluations.services import nomination_review

    nomination_review(actor=township_actor, nomination=nomination, round="township", result="pass")
    if to == "county_passed":
        nomination_review(actor=county_actor, nomination=nomination, round="county", result="pass")
    nomination.refresh_from_db()
    return nomination


def make_award(unit, organiser, *, county_actor=None, township_actor=None, year=None):
    """A unit's award at the end of a whole cycle, every step through evaluations.services (a
    one-criterion scheme, nominated, passed in both rounds, 公示 ended, awarded)."""
    import datetime as dt

    from evaluations import services

    today = timezone.localdate()
    scheme = make_scheme(unit_kinds=unit.kind, criteria=(("综合表现", 100, "", None),))
    cycle = make_cycle(scheme, organiser, actor=county_actor, year=year)
    nomination = make_nomination(cycle, unit=unit, actor=county_actor)
    advance_nomination(nomination, "county_passed", county_actor=county_actor, township_actor=township_actor)
    services.publicity_open(actor=county_actor, cycle=cycle, start=today - dt.timedelta(days=10),
                            end=today - dt.timedelta(days=3))
    services.publicity_close(actor=county_actor, cycle=cycle)
    return services.cycle_award(actor=county_actor, cycle=cycle, awarded_on=today)[0]
# --- assessment (考核): a scheme with its items and deduction rules, through the services ---

def make_assessment_scheme(campaign, unit, level="village", items=(("activities", "best", 40),), rules=(), actor=None,
                title="共建工作考核", year=None, date_from=None, date_to=None):
    """A draft scheme over ``level`` under ``unit``: ``items`` (indicator code, method, points[, cap
    percent]) and ``rules`` (kind, points each, cap). The period defaults to the campaign's start
    to today (so the figures of records made by the tests count)."""
    from django.utils import timezone

    from campaigns.models import Indicator
    from metrics import services_assessment as sa

    today = timezone.localdate()
    scheme, _ = sa.scheme_save(actor=actor, title=title, campaign=campaign, unit=unit, year=year or today.year,
                               level=level, date_from=date_from or campaign.start_date, date_to=date_to or today)
    for code, method, points, *cap in items:
        sa.item_save(actor=actor, scheme=scheme, indicator=Indicator.objects.get(code=code), method=method,
                     max_points=points, cap_percent=cap[0] if cap else 100)
    for kind, each, cap in rules:
        sa.rule_save(actor=actor, scheme=scheme, kind=kind, points_each=each, cap=cap)
    return scheme


def frozen_scheme(campaign, unit, actor=None, publish=False, **kwargs):
    """A scheme reviewed and frozen (and published with ``publish``) by ``actor``."""
    from metrics import services_assessment as sa

    scheme = make_assessment_scheme(campaign, unit, actor=actor, **kwargs)
    sa.scheme_step(actor=actor, scheme=scheme, step="review", note="数据已核对")
    scheme = sa.scheme_step(actor=actor, scheme=scheme, step="freeze")
    if publish:
        scheme = sa.scheme_step(actor=actor, scheme=scheme, step="publish")
    return scheme


# --- 三级联创 (creation) ------------------------------------------------------------------------

def make_creation_goal(county, level="village", *, year=None, actor=None, title=None, standards="“五个好”",
                       target_count=None, target_percent=50):
    """A county's 三级联创 goal through ``goal_save`` (every unit of the level gets an entry)."""
    from creation.models import DEFAULT_TITLES, Level
    from creation.services import goal_save

    goal, _ = goal_save(actor=actor, county=county, year=year or timezone.localdate().year, level=level,
                        title=title or DEFAULT_TITLES[Level(level)], standards=standards,
                        target_count=target_count, target_percent=target_percent if target_count is None else None)
    return goal


def creation_step(entry, action, *, actor=None, date=None, **extra):
    """One step of an entry through its service: ``declare``, ``pass``, ``fail``, ``name``, ``return``."""
    from creation import services

    date = date or timezone.localdate()
    if action == "declare":
        extra.setdefault("statement", "对照五个好标准逐条落实")
        extra.setdefault("leader_name", "张书记")
        return services.entry_declare(actor=actor, entry=entry, date=date, **extra)
    if action in ("pass", "fail"):
        extra.setdefault("inspectors", "李振华、赵敏")
        extra.setdefault("findings", "查阅台帐、实地查看")
        if action == "fail":
            extra.setdefault("reasons", "三会一课记录不全")
        return services.entry_inspect(actor=actor, entry=entry, date=date, passed=action == "pass", **extra)
    if action == "name":
        extra.setdefault("doc_number", "铁党发〔2026〕12号")
        extra.setdefault("naming_unit", "中共铁力市委")
        return services.entry_name(actor=actor, entry=entry, date=date, **extra)
    if action == "return":
        extra.setdefault("reason", "材料不全")
        return services.entry_return(actor=actor, entry=entry, date=date, **extra)
    raise ValueError(action)


#: The steps (as the system) that bring a new entry to each status.
CREATION_PATHS = {
    "not_declared": [], "declared": ["declare"], "accepted": ["declare", "pass"], "failed": ["declare", "fail"],
    "named": ["declare", "pass", "name"], "returned": ["declare", "return"],
}


def bring_entry_to(entry, status, date=None):
    for action in CREATION_PATHS[status]:
        creation_step(entry, action, date=date)
    entry.refresh_from_db()
    return entry
