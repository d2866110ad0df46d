"""The one write path of 双培双带 links, volunteer teams and service records, activity volunteers
and 流动党员 records (keyword-only, ``actor=``): permission (``people.policy_service``),
validation, history with its reason, in one transaction."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from organizations.models import PARTY_KINDS, Organization, Unit, User
from pairings.models import HelpPair
from pairings.policy import refuse
from pairings.services import new_code

from .models import Person
from .models_service import (
    ActivityVolunteer,
    MigrantContact,
    MigrantRecord,
    RichLink,
    RichLinkKind,
    ServiceHours,
    ServiceRecord,
    VolunteerTeam,
)
from .policy_service import is_member, unit_refusals


def _in_unit(unit: Unit, person: Person) -> bool:
    return person.unit.path.startswith(unit.path)


def _not_future(errors: dict, field: str, day, label: str) -> None:
    if day is not None and day > timezone.localdate():
        errors[field] = f"{label}不能晚于今天。"


# --- 双培双带 -------------------------------------------------------------------------------------

@transaction.atomic
def rich_link_save(*, actor: User | None, person: Person, kind: str, started_on, goal: str,
                   responsible: str = "", help_pair: HelpPair | None = None, result: str = "",
                   achieved_on=None, link: RichLink | None = None, reason: str | None = None) -> RichLink:
    """Create or update a 双培双带 link. 把致富能手培养成党员 needs a person tagged 致富能手; 把党员
    培养成致富能手 and 带领群众致富 a (probationary) member; a help pair must be of the person's
    village; reaching the goal needs its date and result."""
    person = Person.objects.select_related("unit").get(pk=person.pk)
    if link is not None:
        link = RichLink.objects.select_for_update(of=("self",)).select_related("person__unit").get(pk=link.pk)
        refuse(unit_refusals(actor, link.person.unit, "修改该双培双带记录"))
    refuse(unit_refusals(actor, person.unit, "登记双培双带"))
    kind = RichLinkKind(kind)
    errors: dict = {}
    if kind == RichLinkKind.RICH_TO_MEMBER and not person.is_rich_leader:
        errors["person"] = f"{person.name}未标记为致富能手:请先在名册中标记“致富能手”。"
    if kind != RichLinkKind.RICH_TO_MEMBER and not is_member(person):
        errors["person"] = f"{person.name}不是党员(预备党员),不能登记“{kind.label}”。"
    if help_pair is not None and help_pair.village_id != person.unit_id:
        errors["help_pair"] = "帮扶对子须是该人员所在村(社区)的。"
    if not (goal or "").strip():
        errors["goal"] = "请填写培养目标。"
    _not_future(errors, "started_on", started_on, "开始日期")
    _not_future(errors, "achieved_on", achieved_on, "实现日期")
    if achieved_on is not None and started_on is not None and achieved_on < started_on:
        errors["achieved_on"] = "实现日期不能早于开始日期。"
    if achieved_on is not None and not (result or "").strip():
        errors["result"] = "已实现的请填写培养结果。"
    if errors:
        raise ValidationError(errors)
    created = link is None
    link = link or RichLink()
    link.person, link.kind, link.started_on, link.goal = person, kind, started_on, goal.strip()
    link.responsible, link.help_pair = responsible.strip(), help_pair
    link.result, link.achieved_on = result.strip(), achieved_on
    link.full_clean()
    link._change_reason = reason or ("登记双培双带" if created else "修改双培双带")
    link.save()
    return link


# --- volunteers ----------------------------------------------------------------------------------

@transaction.atomic
def team_save(*, actor: User | None, unit: Unit, name: str, leader: Person | None = None, members=(),
              description: str = "", team: VolunteerTeam | None = None, code: str | None = None,
              reason: str | None = None) -> VolunteerTeam:
    """Create or update a 党员志愿服务队 (by ``team`` or ``code``); members replace the current ones.
    Leader and members are people of the team's unit (or below); the leader is a member too."""
    if team is None and code:
        team = VolunteerTeam.objects.select_related("unit").filter(code=code).first()
    if team is not None:
        refuse(unit_refusals(actor, team.unit, "修改该服务队"))
    refuse(unit_refusals(actor, unit, "在该单位建立志愿服务队"))
    members = list(members)
    if leader is not None and leader not in members:
        members.append(leader)
    foreign = [p.name for p in members if not _in_unit(unit, p)]
    if foreign:
        raise ValidationError({"members": f"队员须是{unit.name}名册中的人员:{'、'.join(foreign)}。"})
    created = team is None
    team = team or VolunteerTeam(code=code or new_code("VT", timezone.localdate()))
    team.unit, team.name, team.leader, team.description = unit, name.strip(), leader, description.strip()
    team.full_clean()
    team._change_reason = reason or ("建立志愿服务队" if created else "修改志愿服务队")
    team.save()
    team.members.set(members)
    stale = [p.pk for p in members if not p.is_volunteer]
    for p in Person.objects.filter(pk__in=stale):   # joining a team makes a person a volunteer
        p.is_volunteer = True
        p._change_reason = f"加入志愿服务队:{team.name}"
        p.save(update_fields=["is_volunteer", "updated_at"])
    return team


def _hours(value) -> Decimal | None:
    try:
        h = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        return None
    return h if Decimal("0") < h <= Decimal("24") else None


@transaction.atomic
def service_record_save(*, actor: User | None, team: VolunteerTeam, date, place: str, content: str,
                        hours, record: ServiceRecord | None = None, reason: str | None = None) -> ServiceRecord:
    """Record one service of a team with each volunteer's hours (``hours``: [(person, hours)]);
    the volunteers are the team's members, each 0.1–24 hours, the date not in the future."""
    team = VolunteerTeam.objects.select_related("unit").get(pk=team.pk)
    refuse(unit_refusals(actor, team.unit, "登记该服务队的服务记录"))
    errors: dict = {}
    _not_future(errors, "date", date, "服务日期")
    member_ids = set(team.members.values_list("pk", flat=True))
    rows, bad = [], []
    for person, value in hours:
        h = _hours(value)
        if person.pk not in member_ids:
            errors["hours"] = f"{person.name}不是{team.name}的队员。"
        elif h is None:
            bad.append(person.name)
        else:
            rows.append((person, h))
    if bad:
        errors["hours"] = f"服务时长应在0.1到24小时之间:{'、'.join(bad)}。"
    if not rows and "hours" not in errors:
        errors["hours"] = "请至少填写一名队员的服务时长。"
    if errors:
        raise ValidationError(errors)
    created = record is None
    record = record or ServiceRecord(team=team, recorded_by=actor if actor is not None and actor.pk else None)
    record.date, record.place, record.content = date, place.strip(), content.strip()
    record.full_clean(exclude=["team"])
    record._change_reason = reason or ("登记志愿服务" if created else "修改志愿服务")
    record.save()
    record.hours.all().delete()
    ServiceHours.objects.bulk_create([ServiceHours(record=record, person=p, hours=h) for p, h in rows])
    return record


@transaction.atomic
def activity_volunteers_set(*, actor: User | None, activity, people, reason: str | None = None) -> int:
    """Which volunteers of the register took part in a campaign activity (replaces the list): the
    actor edits the records of each volunteer's unit."""
    people = list(people)
    for p in people:
        refuse(unit_refusals(actor, p.unit, f"登记{p.name}参加活动"))
    ActivityVolunteer.objects.filter(activity=activity).exclude(person__in=people).delete()
    have = set(ActivityVolunteer.objects.filter(activity=activity).values_list("person_id", flat=True))
    for p in people:
        if p.pk not in have:
            av = ActivityVolunteer(activity=activity, person=p)
            av._change_reason = reason or "登记活动志愿者"
            av.save()
    return len(people)


# --- 流动党员 -------------------------------------------------------------------------------------

def _tag_migrant(person: Person, on: bool, why: str) -> None:
    if person.is_migrant_member != on:
        person.is_migrant_member = on
        person._change_reason = why
        person.save(update_fields=["is_migrant_member", "updated_at"])


@transaction.atomic
def migrant_save(*, actor: User | None, person: Person, place: str, since, employer: str = "",
                 contact: str | None = None, keeper: Organization | None = None, liaison: str = "",
                 migrant: MigrantRecord | None = None, reason: str | None = None) -> MigrantRecord:
    """Register (or update) a member working away; the person gets the 流动党员 tag. One open
    record per person. ``contact=None`` keeps the stored number (an editor who may not see it)."""
    person = Person.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person.pk)
    refuse(unit_refusals(actor, person.unit, "登记流动党员"))
    errors: dict = {}
    if not is_member(person):
        errors["person"] = f"{person.name}不是党员(预备党员),不能登记为流动党员。"
    open_ = MigrantRecord.objects.filter(person=person, returned_on=None)
    if migrant is not None:
        open_ = open_.exclude(pk=migrant.pk)
    if open_.exists():
        errors["person"] = f"{person.name}已登记为外出流动党员,请先登记返乡或修改原记录。"
    if keeper is not None and keeper.kind not in PARTY_KINDS:
        errors["keeper"] = f"“{keeper.name}”不是党组织。"
    if not (place or "").strip():
        errors["place"] = "请填写流入地。"
    _not_future(errors, "since", since, "外出时间")
    if errors:
        raise ValidationError(errors)
    created = migrant is None
    m = migrant or MigrantRecord(person=person)
    m.place, m.employer, m.since, m.keeper, m.liaison = place.strip(), employer.strip(), since, keeper, liaison.strip()
    if contact is not None or created:
        m.contact = (contact or "").strip()
    m.full_clean()
    m._change_reason = reason or ("登记流动党员" if created else "修改流动党员信息")
    m.save()
    _tag_migrant(person, True, f"外出流动:{m.place}")
    return m


@transaction.atomic
def migrant_return(*, actor: User | None, migrant: MigrantRecord, date, reason: str | None = None) -> MigrantRecord:
    """The member is back: the record is closed and the 流动党员 tag removed."""
    m = MigrantRecord.objects.select_for_update(of=("self",)).select_related("person__unit").get(pk=migrant.pk)
    refuse(unit_refusals(actor, m.person.unit, "登记返乡"))
    errors: dict = {}
    if m.returned_on is not None:
        errors["returned_on"] = f"{m.person.name}已于{m.returned_on:%Y-%m-%d}返乡。"
    elif date < m.since:
        errors["returned_on"] = f"返乡日期不能早于外出时间({m.since:%Y-%m-%d})。"
    _not_future(errors, "returned_on", date, "返乡日期")
    if errors:
        raise ValidationError(errors)
    m.returned_on = date
    m._change_reason = reason or "登记返乡"
    m.save()
    _tag_migrant(m.person, False, f"返乡({date:%Y-%m-%d})")
    return m


@transaction.atomic
def migrant_contact_add(*, actor: User | None, migrant: MigrantRecord, date, way: str, content: str,
                        remote_meeting: bool = False, reason: str | None = None) -> MigrantContact:
    m = MigrantRecord.objects.select_related("person__unit").get(pk=migrant.pk)
    refuse(unit_refusals(actor, m.person.unit, "登记联系记录"))
    errors: dict = {}
    if m.returned_on is not None:
        errors["date"] = f"{m.person.name}已返乡,不再登记流动期间的联系。"
    elif date < m.since:
        errors["date"] = f"联系日期不能早于外出时间({m.since:%Y-%m-%d})。"
    _not_future(errors, "date", date, "联系日期")
    if not (content or "").strip():
        errors["content"] = "请填写联系内容。"
    if errors:
        raise ValidationError(errors)
    c = MigrantContact(migrant=m, date=date, way=way, content=content.strip(), remote_meeting=remote_meeting,
                       recorded_by=actor if actor is not None and actor.pk else None)
    c.full_clean()
    c._change_reason = reason or "登记联系记录"
    c.save()
    return c


