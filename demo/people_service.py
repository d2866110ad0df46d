"""Demo of part B of the register: 双培双带 links, a 党员志愿服务队 per village with a year of
service hours, and 流动党员 with their contact records (some overdue).

Called at the end of ``demo.people.load_demo_people`` (after the register and its pipelines).
Everything goes through ``people.services_service`` (``actor=None``); deterministic (hashes of
codes, dates counted back from the demo's "today") and idempotent: a village whose team exists,
a migrant record that exists, a person with links already, are left as they are. Only people the
register already tags (志愿者, 流动党员, 致富能手) are used, so no person's tags or status change
and no existing demo figure moves.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from organizations.models import Organization, OrgKind, Unit, UnitKind
from pairings.models import HelpPair
from people import services_service as svc
from people.models import Person, PersonStatus
from people.models_service import MigrantRecord, RichLink, RichLinkKind, VolunteerTeam

from .data import COUNTY_CODE, mobile, person_name

REASON = "演示数据"
PLACES = ("无物业小区", "村文化广场", "村卫生室", "敬老院", "村小学", "农贸市场")
CONTENTS = ("清理楼道杂物、疏通下水", "为独居老人打扫卫生", "防诈骗宣传", "义务理发", "秸秆禁烧巡查",
            "帮助群众代办医保")
CITIES = (("浙江省宁波市", "宁波某电子厂"), ("广东省东莞市", "东莞某服装公司"), ("黑龙江省哈尔滨市", "哈尔滨某建筑公司"),
          ("北京市", "某物流公司"), ("大连市", "某水产加工厂"))
MEMBERS = (PersonStatus.MEMBER, PersonStatus.PROBATIONARY)


def _h(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def _month_back(today: dt.date, months: int, day: int) -> dt.date:
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    return dt.date(y, m + 1, min(day, 28))


def load_demo_people_b(today: dt.date) -> dict[str, int]:
    county = Unit.objects.get(code=COUNTY_CODE)
    villages = list(Unit.objects.subtree(county).filter(kind=UnitKind.VILLAGE).order_by("path"))
    people: dict[int, list[Person]] = {}
    for p in Person.objects.filter(unit__in=villages).select_related("unit").order_by("code"):
        people.setdefault(p.unit_id, []).append(p)
    branches = {o.unit_id: o for o in Organization.objects.filter(
        unit__in=villages, kind__in=(OrgKind.PARTY_BRANCH, OrgKind.PARTY_GENERAL_BRANCH)).order_by("-code")}
    pairs: dict[int, list[HelpPair]] = {}
    for hp in HelpPair.objects.filter(village__in=villages).order_by("code"):
        pairs.setdefault(hp.village_id, []).append(hp)
    teams = set(VolunteerTeam.objects.filter(unit__in=villages).values_list("code", flat=True))
    away = set(MigrantRecord.objects.values_list("person_id", flat=True))
    linked = set(RichLink.objects.values_list("person_id", flat=True))
    stats = {"teams": 0, "services": 0, "migrants": 0, "contacts": 0, "rich_links": 0}
    for v in villages:
        folk = people.get(v.pk, [])
        # 党员志愿服务队: the village's volunteers, a service every other month for a year
        volunteers = [p for p in folk if p.is_volunteer]
        code = f"{v.code}-VT"
        if volunteers and code not in teams:
            team = svc.team_save(actor=None, code=code, unit=v, name=f"{v.name}党员志愿服务队",
                                 leader=volunteers[0], members=volunteers, description="义务服务群众",
                                 reason=REASON)
            stats["teams"] += 1
            for k in range(6):
                h = _h(f"{code}:{k}")
                day = _month_back(today, 2 * k, 1 + h % 27)
                if day > today:
                    day = today
                hours = [(p, 1 + (h >> (4 * j)) % 4 + (0.5 if (h >> j) & 1 else 0)) for j, p in enumerate(volunteers)]
                svc.service_record_save(actor=None, team=team, date=day, place=PLACES[h % len(PLACES)],
                                        content=CONTENTS[(h >> 8) % len(CONTENTS)], hours=hours, reason=REASON)
                stats["services"] += 1
        for p in folk:
            h = _h(p.code)
            # 流动党员: the members the register tags as working away, with contacts; every third overdue
            if p.is_migrant_member and p.status in MEMBERS and p.pk not in away:
                since = today - dt.timedelta(days=120 + h % 400)
                city, employer = CITIES[h % len(CITIES)]
                m = svc.migrant_save(actor=None, person=p, place=city, employer=employer, since=since,
                                     contact=mobile(f"{p.code}:away"), keeper=branches.get(v.pk),
                                     liaison=person_name(f"{v.code}:liaison"), reason=REASON)
                stats["migrants"] += 1
                last = today - dt.timedelta(days=(35 + h % 40) if h % 3 == 0 else (3 + h % 20))
                day, n = since + dt.timedelta(days=10), 0
                while day <= last:
                    svc.migrant_contact_add(actor=None, migrant=m, date=day, way=("phone", "wechat", "visit")[n % 3],
                                            content=("了解务工和思想情况", "通报村里发展情况", "远程参加主题党日")[n % 3],
                                            remote_meeting=n % 3 == 2, reason=REASON)
                    stats["contacts"] += 1
                    n += 1
                    day += dt.timedelta(days=25 + (h >> n) % 20)
            # 双培双带: 致富能手 developed into members, members trained into / leading to prosperity
            if p.pk in linked:
                continue
            start = today - dt.timedelta(days=200 + h % 500)
            if p.is_rich_leader and p.status not in MEMBERS:
                svc.rich_link_save(actor=None, person=p, kind=RichLinkKind.RICH_TO_MEMBER, started_on=start,
                                   goal="把致富能手培养成党员", responsible=person_name(f"{v.code}:secretary"),
                                   reason=REASON)
                stats["rich_links"] += 1
            elif p.is_rich_leader and h % 2 and p.status_since is not None:
                # a 致富能手 developed into a member: the link reached on the day they joined
                svc.rich_link_save(actor=None, person=p, kind=RichLinkKind.RICH_TO_MEMBER,
                                   started_on=p.status_since - dt.timedelta(days=400 + h % 200),
                                   goal="把致富能手培养成党员", responsible=person_name(f"{v.code}:secretary"),
                                   result=f"已{p.get_status_display()}", achieved_on=p.status_since, reason=REASON)
                stats["rich_links"] += 1
            elif p.is_rich_leader:
                svc.rich_link_save(actor=None, person=p, kind=RichLinkKind.MEMBER_TO_RICH, started_on=start,
                                   goal="发展特色种养业", responsible=person_name(f"{v.code}:secretary"),
                                   result="成为蓝莓种植大户,年收入二十万元", achieved_on=start + dt.timedelta(days=180),
                                   reason=REASON)
                stats["rich_links"] += 1
                hp = (pairs.get(v.pk) or [None])[0]
                if hp is not None:
                    svc.rich_link_save(actor=None, person=p, kind=RichLinkKind.LEAD_RICH, started_on=start,
                                       goal=f"带领{hp.household_name}户发展庭院经济", help_pair=hp,
                                       responsible=person_name(f"{v.code}:secretary"),
                                       result="户年增收八千元" if h % 2 else "",
                                       achieved_on=start + dt.timedelta(days=150) if h % 2 else None, reason=REASON)
                    stats["rich_links"] += 1
    return stats
