"""Part B pages: what each role sees (figures, names, masked contact numbers), the forms writing
through the services, the hours export, and constant query counts as rows grow."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from people.models_service import MigrantContact, RichLink, ServiceRecord
from people.services_service import rich_link_save
from tests.clock import today
from tests.factories import PersonFactory, make_contact, make_migrant, make_service, make_team

pytestmark = pytest.mark.django_db

CONTACT, MASKED = "13955556666", "139****6666"


def ago(n):
    return today() - dt.timedelta(days=n)


@pytest.fixture
def away(w):
    member = PersonFactory(unit=w.villages[0], status="member", name="李外出")
    m = make_migrant(member, since=ago(90), place="浙江宁波", employer="宁波某电子厂", contact=CONTACT,
                     liaison="王支委")
    make_contact(m, ago(40), content="微信了解务工情况")
    return m


@pytest.mark.parametrize("role,full", [("county", True), ("village", True), ("township", False),
                                       ("inspector", False), ("viewer", False)])
def test_migrant_contact_is_masked_like_the_register(w, client, away, role, full):
    client.force_login(w.users[role])
    for url in (reverse("people:migrant_list"), reverse("people:person_detail", args=[away.person_id])):
        r = client.get(url)
        assert r.status_code == 200 and "浙江宁波" in r.text
        assert (CONTACT in r.text) is full and (MASKED in r.text) is not full


def test_migrant_list_overdue_filter(w, client, away):
    other = make_migrant(PersonFactory(unit=w.villages[0], status="member", name="赵近联系"), since=ago(90))
    make_contact(other, ago(2))
    client.force_login(w.users["village"])
    r = client.get(reverse("people:migrant_list"), {"overdue": "1"})
    assert "李外出" in r.text and "赵近联系" not in r.text and "40天未联系" in r.text
    r = client.get(reverse("people:migrant_list"), {"overdue": "1", "days": "50"})
    assert "李外出" not in r.text
    r = client.get(reverse("people:migrant_list"))
    assert "李外出" in r.text and "赵近联系" in r.text
    client.force_login(w.users["village2"])
    assert "李外出" not in client.get(reverse("people:migrant_list")).text


def test_contact_form_writes_through_the_service(w, client, away):
    client.force_login(w.users["village"])
    url = reverse("people:contact_add", args=[away.pk])
    r = client.post(url, {"date": ago(100).isoformat(), "way": "phone", "content": "问候"})
    assert r.status_code == 200 and "不能早于外出时间" in r.text
    r = client.post(url, {"date": ago(1).isoformat(), "way": "visit", "content": "上门走访家属",
                          "remote_meeting": "on"})
    assert r.status_code == 302
    c = MigrantContact.objects.get(content="上门走访家属")
    assert c.remote_meeting and c.recorded_by == w.users["village"]
    client.force_login(w.users["inspector"])
    assert client.post(url, {"date": ago(1).isoformat(), "way": "visit", "content": "x"}).status_code == 403


def test_team_page_service_form_and_hours(w, client):
    a, b = PersonFactory(unit=w.villages[0], name="志愿甲"), PersonFactory(unit=w.villages[0], name="志愿乙")
    team = make_team(w.villages[0], [a, b], name="红旗党员志愿服务队", leader=a)
    client.force_login(w.users["village"])
    url = reverse("people:service_add", args=[team.pk])
    r = client.post(url, {"date": ago(1).isoformat(), "place": "无物业小区", "content": "清理楼道杂物",
                          f"h{a.pk}": "2.5", f"h{b.pk}": ""})
    assert r.status_code == 302
    rec = ServiceRecord.objects.get()
    assert [(h.person, str(h.hours)) for h in rec.hours.all()] == [(a, "2.5")]
    r = client.get(reverse("people:team_detail", args=[team.pk]))
    assert "红旗党员志愿服务队" in r.text and "无物业小区" in r.text and "清理楼道杂物" in r.text
    if ago(1).year == today().year:
        assert '<span class="team-total">2.5</span>' in r.text
    r = client.get(reverse("people:person_detail", args=[a.pk]))
    assert "红旗党员志愿服务队" in r.text
    client.force_login(w.users["viewer"])
    assert client.get(url).status_code == 403
    assert client.get(reverse("people:team_detail", args=[team.pk])).status_code == 200


def test_hours_report_and_export(w, client):
    a = PersonFactory(unit=w.villages[0], name="志愿甲", phone="13811112222")
    c = PersonFactory(unit=w.villages[2], name="志愿丙")
    t1, t3 = make_team(w.villages[0], [a], name="一队"), make_team(w.villages[2], [c], name="三队")
    day = dt.date(today().year, 1, 1)
    make_service(t1, [(a, 3)], date=day)
    make_service(t1, [(a, 2)], date=day)
    make_service(t3, [(c, 4)], date=day)
    client.force_login(w.users["township"])   # first township: villages 0 and 1
    r = client.get(reverse("people:volunteer_hours"), {"year": today().year})
    assert "志愿甲" in r.text and "志愿丙" not in r.text
    assert "<td class=\"text-end\">2</td><td class=\"text-end\">5.0</td>" in r.text, r.text[r.text.find("hours-row"):][:400]
    r = client.get(reverse("people:volunteer_hours_export"), {"year": today().year, "by": "person"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("志愿者", "所在单位", "服务次数", "服务时长(小时)")
    assert rows[1:] == [("志愿甲", w.villages[0].name, 2, 5)]
    assert not any("1381111" in str(v) for row in rows for v in row)   # no phone numbers leave
    client.force_login(w.users["county"])
    r = client.get(reverse("people:volunteer_hours_export"), {"year": today().year, "by": "team"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert {row[0]: row[4] for row in rows[1:]} == {"一队": 5, "三队": 4}


def test_rich_page_figures_and_form(w, client):
    rich = PersonFactory(unit=w.villages[0], name="致富能手钱", status="activist", tags=["rich_leader"])
    client.force_login(w.users["village"])
    url = reverse("people:rich_add", args=[rich.pk])
    r = client.post(url, {"kind": "member_to_rich", "started_on": ago(10).isoformat(), "goal": "x"})
    assert r.status_code == 200 and "不是党员" in r.text
    r = client.post(url, {"kind": "rich_to_member", "started_on": ago(100).isoformat(), "goal": "培养入党",
                          "responsible": "张书记", "achieved_on": ago(1).isoformat(), "result": "列为发展对象"})
    assert r.status_code == 302 and RichLink.objects.get().responsible == "张书记"
    r = client.get(reverse("people:rich_list"))
    assert "致富能手钱" in r.text and "培养入党" in r.text
    assert '<tr class="fw-semibold rich-total"><td>合计</td><td class="text-end">1</td><td class="text-end">1</td>' in r.text
    r = client.get(reverse("people:person_detail", args=[rich.pk]))
    assert "把致富能手培养成党员" in r.text
    client.force_login(w.users["village2"])
    assert client.get(url).status_code == 404


def _grow(w, n, start):
    for i in range(n):
        p = PersonFactory(unit=w.villages[i % 2], status="member", name=f"规模{start + i}")
        rich_link_save(actor=None, person=p, kind="member_to_rich", started_on=ago(30), goal="致富")
        team = make_team(w.villages[i % 2], [p], name=f"规模队{start + i}")
        make_service(team, [(p, 2)], date=ago(3))
        m = make_migrant(p, since=ago(60))
        make_contact(m, ago(40))


@pytest.mark.parametrize("name,params", [
    ("people:rich_list", {}), ("people:team_list", {}), ("people:volunteer_hours", {}),
    ("people:volunteer_hours", {"by": "team"}), ("people:migrant_list", {}), ("people:migrant_list", {"overdue": "1"}),
])
def test_lists_run_a_constant_number_of_queries(w, client, django_assert_max_num_queries, name, params):
    client.force_login(w.users["township"])
    _grow(w, 2, 0)
    with django_assert_max_num_queries(40) as small:
        assert client.get(reverse(name), params).status_code == 200
    _grow(w, 12, 100)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse(name), params).status_code == 200


def test_team_and_person_pages_run_a_constant_number_of_queries(w, client, django_assert_max_num_queries):
    p = PersonFactory(unit=w.villages[0], status="member")
    team = make_team(w.villages[0], [p])
    m = make_migrant(p, since=ago(60))
    client.force_login(w.users["county"])
    make_service(team, [(p, 1)], date=ago(2))
    make_contact(m, ago(2))
    urls = [reverse("people:team_detail", args=[team.pk]), reverse("people:person_detail", args=[p.pk])]
    counts = []
    for url in urls:
        with django_assert_max_num_queries(60) as q:
            client.get(url)
        counts.append(len(q.captured_queries))
    for i in range(8):
        extra = PersonFactory(unit=w.villages[0], status="member")
        team.members.add(extra)
        make_service(team, [(p, 1), (extra, 2)], date=ago(3 + i))
        make_contact(m, ago(3 + i))
        rich_link_save(actor=None, person=p, kind="lead_rich", started_on=ago(20), goal=f"带富{i}")
    for url, n in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(n):
            client.get(url)
