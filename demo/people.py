"""Demo person register (人员名册) of the demo county (铁力市): five people in each of its 76
villages, deterministic (hashes of their codes), with 推优/发展 pipelines at every stage.

``load_demo_people(today)`` is called by ``seed_demo`` after the campaign's records. Every person
goes through ``people.services.person_save`` and every step through ``pipeline_step_record``
(``actor=None``), so the order rules hold for the demo too. Idempotent: a person whose code
exists is left as it is (the steps have moved their status on since), and only missing steps are
recorded, so a second run writes nothing. Dates count back from the demo's "today" (the one the
campaign's records use), so the 四个优先 report shows this year and last year.

Nothing here touches the campaign's records or figures (CONTRACT's demo figures stay as they are).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from organizations.models import Organization, OrgKind, Unit, UnitKind
from people import services
from people.models import Person, Stage

from .data import COUNTY_CODE, mobile, person_name
from .people_service import load_demo_people_b

PER_VILLAGE = 5
REASON = "演示数据"
OCCUPATIONS = ("frontline", "frontline", "种植户", "养殖户", "村医", "个体工商户", "外出务工", "frontline",
               "合作社理事长", "蓝莓种植大户", "乡村教师", "退役军人")
EDUCATIONS = ("junior", "junior", "senior", "senior", "college", "college", "bachelor", "bachelor", "primary",
              "postgraduate")
# Where each of a village's people stands (by index and the village's hash), so that every stage
# appears in every township: (final stage or None, starting status, tags).
PLANS = [
    (Stage.PROBATIONARY, "league_member", ()),
    (Stage.ACTIVIST, "league_member", ("volunteer",)),
    (Stage.DEVELOPMENT_TARGET, "masses", ("rich_leader",)),
    (Stage.MEMBER, "masses", ("village_cadre",)),
    (Stage.RECOMMENDED, "league_member", ("volunteer",)),
    (None, "member", ("rich_leader", "village_cadre")),
    (None, "applicant", ()),
    (None, "member", ("migrant_member",)),
    (None, "league_member", ("volunteer",)),
    (None, "activist", ()),
]
# Days between a stage and the next one (low, high).
GAPS = {Stage.ACTIVIST: (30, 90), Stage.DEVELOPMENT_TARGET: (365, 420), Stage.PROBATIONARY: (60, 150),
        Stage.MEMBER: (366, 400)}
ORDER = [Stage.RECOMMENDED, Stage.ACTIVIST, Stage.DEVELOPMENT_TARGET, Stage.PROBATIONARY, Stage.MEMBER]


def _h(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def people_rows(village_codes: list[str], today: dt.date) -> list[dict]:
    """The demo register: one dict per person with its planned steps [(stage, date)]."""
    rows = []
    for v_index, v_code in enumerate(village_codes):
        for i in range(PER_VILLAGE):
            code = f"{v_code}-R{i + 1:02d}"
            h = _h(code)
            final, status, tags = PLANS[(i + v_index * 3) % len(PLANS)]
            female = h % 5 < 2 or (final is not None and h % 7 == 0)
            young = final is not None and h % 3 != 0
            birth_year = today.year - (22 + h % 13 if young else 36 + h % 25)
            steps = []
            if final is not None:
                day = today - dt.timedelta(days=5 + (h // 7) % 420)
                for stage in reversed(ORDER[:ORDER.index(final) + 1]):
                    steps.append((stage, day))
                    if stage in GAPS:
                        low, high = GAPS[stage]
                        day -= dt.timedelta(days=low + (h // 11) % (high - low + 1))
                steps.reverse()
            since = None
            if final is None and status in ("member", "activist", "league_member"):
                since = today - dt.timedelta(days=200 + (h // 13) % 3000)
            occupation = OCCUPATIONS[(h // 17) % len(OCCUPATIONS)]
            rows.append({
                "code": code, "unit_code": v_code, "name": person_name(code, female),
                "gender": "female" if female else "male", "birth_year": birth_year,
                "education": EDUCATIONS[(h // 19) % len(EDUCATIONS)], "occupation": occupation,
                "phone": mobile(code), "status": status, "status_since": since, "tags": tags, "steps": steps,
                "contacts": "、".join(person_name(f"{code}联系人{k}", k == 2) for k in (1, 2)),
            })
    return rows


def by_code_ids(villages):
    """The villages' ids and their townships' (whose mass organisations stand in for missing ones)."""
    return [u.pk for u in villages] + [u.parent_id for u in villages]


def load_demo_people(today: dt.date) -> dict[str, int]:
    """Create the missing people and steps; returns counts for the seed's report."""
    county = Unit.objects.get(code=COUNTY_CODE)
    villages = list(Unit.objects.subtree(county).filter(kind=UnitKind.VILLAGE).order_by("path"))
    by_code = {u.code: u for u in villages}
    rows = people_rows([u.code for u in villages], today)
    orgs: dict[int, dict[str, Organization]] = {}
    for o in Organization.objects.filter(unit_id__in={*by_code_ids(villages)}).order_by("code"):
        orgs.setdefault(o.unit_id, {}).setdefault(o.kind, o)
    existing = {p.code: p for p in Person.objects.filter(code__in=[r["code"] for r in rows])}
    done = set()
    if existing:
        done = set(Person.objects.filter(pk__in=[p.pk for p in existing.values()])
                   .values_list("code", "steps__stage"))
    stats = {"created": 0, "unchanged": 0, "steps": 0}
    for row in rows:
        unit = by_code[row["unit_code"]]
        # a village without mass organisations of its own (VILLAGE_GAPS): its township's 推优
        unit_orgs = {**orgs.get(unit.parent_id, {}), **orgs.get(unit.pk, {})}
        branch = unit_orgs.get(OrgKind.PARTY_BRANCH) or unit_orgs.get(OrgKind.PARTY_GENERAL_BRANCH)
        mass = (unit_orgs.get(OrgKind.YOUTH_LEAGUE) if row["status"] == "league_member" else None) or \
            unit_orgs.get(OrgKind.WOMEN_FEDERATION if row["gender"] == "female" else OrgKind.UNION) or \
            unit_orgs.get(OrgKind.UNION) or unit_orgs.get(OrgKind.YOUTH_LEAGUE)
        person = existing.get(row["code"])
        if person is None:
            memberships = [o for o in (branch if row["status"] == "member" else None, mass) if o is not None]
            person, _ = services.person_save(
                actor=None, code=row["code"], unit=unit, name=row["name"], gender=row["gender"],
                birth_year=row["birth_year"], education=row["education"], occupation=row["occupation"],
                phone=row["phone"], status=row["status"], status_since=row["status_since"], branch=branch,
                tags=row["tags"], memberships=memberships, reason=REASON)
            stats["created"] += 1
        else:
            stats["unchanged"] += 1
        for stage, day in row["steps"]:
            if (row["code"], stage.value) in done:
                continue
            services.pipeline_step_record(
                actor=None, person=person, stage=stage, date=day, branch=branch,
                recommended_by=mass if stage == Stage.RECOMMENDED else None,
                contacts=row["contacts"] if stage in (Stage.ACTIVIST, Stage.DEVELOPMENT_TARGET) else "",
                reason=REASON)
            stats["steps"] += 1
    stats.update(load_demo_people_b(today))  # part B: 双培双带, volunteer teams, 流动党员
    return stats
