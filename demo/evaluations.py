"""The demo's 评选 (issue 13 part A): the four schemes of seeds 001/002 and one full cycle of each
in 铁力市 — nominations by the village secretary, the bureau liaison and the township, township
review (one returned and re-submitted, one not passed), scores by the assigned reviewer
(``inspector``), county review, 公示 on a public board, objections recorded and answered (one
dismissed, one upheld), awards shown on the units' and people's pages.

Everything goes through ``evaluations.services`` with the demo accounts as actors, so the history
says who did what. Dated relative to the demo's "today"; idempotent: a cycle that exists is left
as it is (nothing is written a second time).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from campaigns.models import Activity, Commitment
from evaluations import services
from evaluations.catalogue import load_schemes
from evaluations.models import Cycle, Result, Round
from organizations.models import Unit, User
from people.models import Person

COUNTY_CODE = "TL"


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


STATEMENTS = {
    "unit": "{name}党组织班子团结,坚持“三会一课”和党工青妇联席会议制度,本年度与结对单位联合开展主题党日、"
            "送科技下乡等活动,帮助群众解决实际困难,群众满意度高。",
    "person": "{name}同志坚持学习,带头执行政策,主动联系群众,经常参加志愿服务,为群众解难题、办实事,"
              "在本职岗位上埋头苦干,遵纪守法,群众评价好。",
}


def _evidence(unit, year):
    acts = list(Activity.objects.filter(unit=unit, date__year=year).order_by("-date", "pk")[:3])
    coms = list(Commitment.objects.filter(unit=unit).order_by("-made_on", "pk")[:2])
    return acts, coms


def load_demo_evaluations(today: dt.date) -> int:
    """Returns how many cycles were created (0 on a second run)."""
    users = {u.username: u for u in User.objects.filter(
        username__in=["county", "township", "village", "bureau", "inspector"])}
    schemes = load_schemes(actor=None)
    county = Unit.objects.get(code=COUNTY_CODE)
    year = today.year
    if Cycle.objects.filter(organiser=county, year=year).exists():
        return 0
    units = {u.code: u for u in Unit.objects.filter(code__in=[
        "TL-01-01", "TL-01-02", "TL-01-03", "TL-02-01", "TL-B01", "TL-B02"])}
    people = list(Person.objects.filter(unit__code="TL-01-01").order_by("code")[:3])
    start = today - dt.timedelta(days=50)
    created = 0
    plans = {
        # scheme: [(nominee unit code or person index, nominator, township outcome, county outcome, objection)]
        "wgh": [("TL-01-01", "village", "pass", "pass", None),
                ("TL-01-02", "township", "pass", "pass", ("dismissed", "反映该村活动台帐不全。",
                                                          "经核实,该村活动均已在平台登记并经乡镇审核,台帐完整,异议不成立。")),
                ("TL-B01", "bureau", "pass", "pass", None)],
        "wbb": [(0, "village", "pass", "pass", None),
                (1, "village", "pass", "pass", ("upheld", "反映该同志本年度有两次组织生活无故缺席。",
                                                "经核实,该同志本年度两次无故缺席组织生活,不符合“执行政策的标兵”要求,异议成立,不予授予。")),
                (2, "village", "reject", None, None)],
        "wh": [("TL-01-01", "village", "return", "pass", None),
               ("TL-02-01", None, "pass", "pass", None)],
        "sfd": [("TL-01-03", "township", "pass", "pass", None),
                ("TL-B02", None, "pass", "reject", None)],
    }
    for s_index, (code, rows) in enumerate(plans.items()):
        scheme = schemes[code]
        cycle = services.cycle_create(
            actor=users.get("county"), scheme=scheme, organiser=county, year=year,
            nomination_deadline=start + dt.timedelta(days=10), review_deadline=start + dt.timedelta(days=20),
            objection_contact="市委组织部组织科 0458-1234567(工作日);铁力市委组织部信访室")
        services.reviewer_assign(actor=users.get("county"), cycle=cycle, reviewer=users["inspector"])
        noms = []
        for i, (who, by, township_result, county_result, objection) in enumerate(rows):
            actor = users.get(by) if by else None
            day = start + dt.timedelta(days=1 + i)
            if scheme.is_person:
                if who >= len(people):
                    continue
                person = people[who]
                n = services.nomination_submit(
                    actor=actor, cycle=cycle, person=person, statement=STATEMENTS["person"].format(name=person.name),
                    today=day, nominated_at=_at(day))
            else:
                unit = units[who]
                acts, coms = _evidence(unit, year)
                n = services.nomination_submit(
                    actor=actor, cycle=cycle, unit=unit, statement=STATEMENTS["unit"].format(name=unit.name),
                    activities=acts, commitments=coms, today=day, nominated_at=_at(day))
            noms.append((n, township_result, county_result, objection))
        for n, township_result, county_result, _objection in noms:
            t_actor = users["township"] if n.unit.code.startswith("TL-01-") else (
                users["county"] if n.unit.code.startswith("TL-B") else None)
            day = start + dt.timedelta(days=12)
            if township_result == "return":
                services.nomination_review(actor=t_actor, nomination=n, round=Round.TOWNSHIP, result=Result.RETURN,
                                           reason="事迹材料未写明“三会一课”落实情况,请补充后再报。",
                                           decided_at=_at(day, 10))
                services.nomination_submit(actor=users.get("village"), cycle=cycle, nomination=n,
                                           statement=n.statement + "全年召开支部党员大会4次、支委会12次、党课4次。",
                                           today=day)
                township_result = "pass"
            reason = "" if township_result == "pass" else "推荐对象本年度未参加组织生活的次数较多,不符合推荐条件。"
            services.nomination_review(actor=t_actor, nomination=n, round=Round.TOWNSHIP, result=township_result,
                                       reason=reason, decided_at=_at(day + dt.timedelta(days=1), 11))
            if township_result != "pass":
                continue
            criteria = list(cycle.scheme.criteria.all())
            services.scores_save(actor=users["inspector"], nomination=n, scores={
                c: (c.max_score - ((n.pk + c.order * 3 + s_index) % 12), "对照标准逐项核实,事迹属实。")
                for c in criteria})
            reason = "" if county_result == "pass" else "示范作用尚不明显,建议明年继续培育。"
            services.nomination_review(actor=users["county"], nomination=n, round=Round.COUNTY, result=county_result,
                                       reason=reason, decided_at=_at(start + dt.timedelta(days=20), 15))
        services.publicity_open(actor=users["county"], cycle=cycle, start=start + dt.timedelta(days=25),
                                end=start + dt.timedelta(days=31), board_token=f"demo-award-board-{code}-{year}")
        for n, _t, county_result, objection in noms:
            if objection is None or county_result != "pass":
                continue
            outcome, content, answer = objection
            o = services.objection_record(actor=users["county"], nomination=n,
                                          received_on=start + dt.timedelta(days=27), content=content)
            services.objection_answer(actor=users["county"], objection=o, outcome=outcome, answer=answer,
                                      answered_at=_at(start + dt.timedelta(days=30), 16))
        services.publicity_close(actor=users["county"], cycle=cycle, today=start + dt.timedelta(days=32))
        services.cycle_award(actor=users["county"], cycle=cycle, awarded_on=start + dt.timedelta(days=35),
                             decided_at=_at(start + dt.timedelta(days=35), 10))
        created += 1
    return created
