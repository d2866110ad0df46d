"""三级联创 pages: what each role sees and may do, the forms (confirmation, errors in words), out
of scope → 404, the unit page's status, and constant query counts on the lists."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from creation.models import CreationEntry, EntryStatus
from tests.creation.conftest import entry_of
from tests.factories import County, bring_entry_to, creation_step, make_creation_goal, make_unit, notice_file

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"creation:{name}", args=args)


def test_goal_list_shows_each_level_with_its_progress(w, client):
    bring_entry_to(entry_of(w, w.villages[0]), "named")
    bring_entry_to(entry_of(w, w.villages[2]), "failed")
    client.force_login(w.users["county"])
    r = client.get(url("goal_list"))
    html = r.content.decode()
    assert r.status_code == 200
    assert [g.title for g in r.context["goals"]] == ["基层组织建设先进县", "五好乡镇党委", "五好村党支部"]
    village = r.context["goals"][2].progress
    assert (village["total"], village["declared"], village["named"], village["failed"]) == (4, 2, 1, 1)
    assert "制定目标" in html and "验收未通过 <strong>1</strong>" in html
    client.force_login(w.users["village"])
    html = client.get(url("goal_list")).content.decode()
    assert "五好村党支部" in html and "制定目标" not in html


def test_goal_detail_counts_per_township(w, client):
    bring_entry_to(entry_of(w, w.villages[0]), "named")
    bring_entry_to(entry_of(w, w.villages[1]), "accepted")
    bring_entry_to(entry_of(w, w.villages[3]), "declared")
    client.force_login(w.users["county"])
    r = client.get(url("goal_detail", w.goals["village"].pk))
    rows = [(x["unit"]["name"], x["declared"], x["accepted"], x["named"], x["percent"]) for x in r.context["rows"]]
    assert rows == [("第1镇", 2, 2, 1, 100), ("第2镇", 1, 0, 0, 0)]
    assert "修改目标" in r.content.decode()


def test_county_admin_sets_a_goal_through_the_form(w, client):
    client.force_login(w.users["county"])
    year = timezone.localdate().year + 1
    r = client.post(url("goal_create"), {"county": w.county.pk, "year": year, "level": "village",
                                         "title": "五好村党支部", "standards": "五个好"})
    assert "请填写年底命名数量目标或比例目标" in r.content.decode()
    r = client.post(url("goal_create"), {"county": w.county.pk, "year": year, "level": "village",
                                         "title": "五好村党支部", "standards": "五个好", "target_count": 3})
    goal = w.county.creation_goals.get(year=year)
    assert r.status_code == 302 and r["Location"] == url("goal_detail", goal.pk)
    assert goal.entries.count() == 4 and goal.target_count == 3
    client.force_login(w.users["township"])
    assert client.get(url("goal_create")).status_code == 403
    assert client.get(url("goal_edit", goal.pk)).status_code == 403


def test_village_secretary_declares_with_confirmation_and_evidence(w, client):
    e = entry_of(w, w.villages[0])
    client.force_login(w.users["village"])
    page = client.get(url("entry_detail", e.pk)).content.decode()
    assert "申报</a>" in page and "验收</a>" not in page
    data = {"date": timezone.localdate().isoformat(), "leader": "", "leader_name": "王书记", "leader_post": "村党支部书记",
            "statement": "对照五个好逐条落实", "links": "https://example.org/x"}
    r = client.post(url("entry_declare", e.pk), data)
    assert r.status_code == 200 and "这个字段是必填项" in r.content.decode()   # the confirmation box
    e.refresh_from_db()
    assert e.status == EntryStatus.NOT_DECLARED
    r = client.post(url("entry_declare", e.pk), {**data, "confirm": "on", "files": [notice_file()]})
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.status == EntryStatus.DECLARED and e.leader_display == "王书记 村党支部书记"
    page = client.get(url("entry_detail", e.pk)).content.decode()
    assert "已申报" in page and "台帐模板.pdf" in page and "登记人:village" in page
    f = e.steps.get().files.get()
    download = client.get(url("evidence", f.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    # another village's secretary: 404 on the entry and its file
    client.force_login(w.users["village2"])
    assert client.get(url("entry_detail", e.pk)).status_code == 404
    assert client.get(url("evidence", f.pk)).status_code == 404


def test_township_inspects_fails_with_reasons_and_the_village_sees_them(w, client):
    e = bring_entry_to(entry_of(w, w.villages[0]), "declared")
    client.force_login(w.users["township"])
    assert "对照五个好标准逐条落实" in client.get(url("entry_inspect", e.pk)).content.decode()   # what was declared
    data = {"result": "fail", "date": timezone.localdate().isoformat(), "inspectors": "李振华", "findings": "查阅台帐",
            "reasons": "", "confirm": "on"}
    r = client.post(url("entry_inspect", e.pk), data)
    assert "验收未通过时请写明原因" in r.content.decode()
    r = client.post(url("entry_inspect", e.pk), {**data, "reasons": "村务公开栏半年未更新"})
    assert r.status_code == 302
    client.force_login(w.users["village"])
    page = client.get(url("entry_detail", e.pk)).content.decode()
    assert "验收未通过" in page and "村务公开栏半年未更新" in page and "重新申报" in page


def test_a_step_not_open_in_this_state_redirects_with_a_message_and_a_wrong_role_gets_403(w, client):
    e = entry_of(w, w.villages[0])
    client.force_login(w.users["township"])
    r = client.get(url("entry_name", e.pk), follow=True)
    assert "现为“未申报”,不能命名" in r.content.decode()
    assert client.get(url("entry_declare", e.pk)).status_code == 403
    client.force_login(w.users["village"])
    assert client.get(url("entry_inspect", e.pk)).status_code == 403
    for role in ("inspector", "viewer"):
        client.force_login(w.users[role])
        assert client.get(url("entry_detail", e.pk)).status_code == 200
        for name in ("entry_declare", "entry_inspect", "entry_name", "entry_return"):
            assert client.post(url(name, e.pk), {}).status_code == 403


def test_naming_through_the_page_shows_on_the_unit_page(w, client):
    e = bring_entry_to(entry_of(w, w.villages[0]), "accepted")
    client.force_login(w.users["county"])
    r = client.post(url("entry_name", e.pk), {"date": timezone.localdate().isoformat(), "doc_number": "铁党发〔2026〕8号",
                                             "naming_unit": "中共铁力市委", "confirm": "on"})
    assert r.status_code == 302
    client.force_login(w.users["village"])
    page = client.get(reverse("organizations:unit_detail", args=[w.villages[0].pk])).content.decode()
    assert 'id="creation-panel"' in page and "已命名" in page and "铁党发〔2026〕8号" in page


def test_entry_list_filters_and_searches(w, client):
    bring_entry_to(entry_of(w, w.villages[0]), "named")
    client.force_login(w.users["county"])
    r = client.get(url("entry_list"), {"status": "named"})
    assert [e.unit for e in r.context["page"]] == [w.villages[0]]
    r = client.get(url("entry_list"), {"level": "village", "township": w.townships[1].pk})
    assert [e.unit for e in r.context["page"]] == w.villages[2:]
    r = client.get(url("entry_list"), {"q": w.villages[1].name})
    assert [e.unit for e in r.context["page"]] == [w.villages[1]]
    r = client.get(url("entry_list"), {"status": "bogus"})
    assert list(r.context["page"]) == [] and "筛选条件无效" in r.content.decode()
    client.force_login(w.users["village"])
    r = client.get(url("entry_list"))
    assert [e.unit for e in r.context["page"]] == [w.villages[0]]


def test_another_county_is_out_of_scope(w, client):
    other = County(villages_per_township=1, townships=1)
    goal = make_creation_goal(other.county, "village")
    e = goal.entries.get()
    for role in ("county", "township", "village", "inspector"):
        client.force_login(w.users[role])
        assert client.get(url("goal_detail", goal.pk)).status_code == 404
        assert client.get(url("entry_detail", e.pk)).status_code == 404
        assert client.post(url("entry_declare", e.pk), {}).status_code == 404


# --- constant query counts --------------------------------------------------------------------

def _count(client, path, params=None):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, params or {})
    assert r.status_code == 200, path
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["county", "township", "village"])
def test_lists_have_a_constant_query_count(w, client, role):
    client.force_login(w.users[role])
    pages = [(url("goal_list"), None), (url("entry_list"), None), (url("goal_detail", w.goals["village"].pk), None),
             (reverse("organizations:unit_detail", args=[w.villages[0].pk]), None)]
    before = [_count(client, p, q) for p, q in pages]
    # more villages, steps of every kind, goals of another year
    for i in range(6):
        make_unit(name=f"新村{i}", parent=w.townships[i % 2])
    goal = w.goals["village"]
    from creation.services import entries_sync

    entries_sync(goal=goal)
    for e, status in zip(goal.entries.order_by("pk"), ["named", "failed", "accepted", "returned", "declared",
                                                        "named"], strict=False):
        bring_entry_to(CreationEntry.objects.select_related("unit", "goal").get(pk=e.pk), status,
                       date=dt.date(goal.year, 1, 1))
    creation_step(entry_of(w, w.townships[0], "township"), "declare")
    after = [_count(client, p, q) for p, q in pages]
    assert before == after


def test_what_waits_on_the_level_above_matches_its_list(w, client):
    v = w.villages
    bring_entry_to(entry_of(w, v[0]), "declared")
    bring_entry_to(entry_of(w, v[1]), "accepted")
    bring_entry_to(entry_of(w, v[2]), "declared")                    # the other township
    bring_entry_to(entry_of(w, w.townships[0], "township"), "declared")   # the county inspects it
    bring_entry_to(entry_of(w, w.county, "county"), "accepted")
    expected = {
        "township": ({v[0].name}, {v[1].name}),
        "county": ({v[0].name, v[2].name, w.townships[0].name}, {v[1].name, w.county.name}),
    }
    for role, (inspect, name) in expected.items():
        client.force_login(w.users[role])
        r = client.get(url("goal_list"))
        assert r.context["todo"] == {"inspect": len(inspect), "name": len(name)}, role
        for todo, units in (("inspect", inspect), ("name", name)):
            page = client.get(url("entry_list"), {"todo": todo}).context["page"]
            assert {e.unit.name for e in page} == units, (role, todo)
    client.force_login(w.users["village"])
    r = client.get(url("goal_list"))
    assert r.context["todo"] is None and "待我办理" not in r.content.decode()
    assert list(client.get(url("entry_list"), {"todo": "inspect"}).context["page"]) == []


def _sheet(response):
    from io import BytesIO

    from openpyxl import load_workbook

    content = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(BytesIO(content))["三级联创"]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_export_is_the_filtered_list_in_the_users_scope(w, client):
    bring_entry_to(entry_of(w, w.villages[0]), "named")
    bring_entry_to(entry_of(w, w.villages[2]), "failed")
    client.force_login(w.users["county"])
    rows = _sheet(client.get(url("entry_export"), {"level": "village"}))
    assert rows[0][:6] == ["年度", "层级", "创建目标", "所属", "创建单位", "状态"]
    assert [(r[4], r[5]) for r in rows[1:]] == [(v.name, s) for v, s in zip(w.villages, ["已命名", "未申报",
                                                                                         "验收未通过", "未申报"],
                                                                            strict=True)]
    assert rows[1][13] == "铁党发〔2026〕12号"
    client.force_login(w.users["village"])
    rows = _sheet(client.get(url("entry_export")))
    assert [r[4] for r in rows[1:]] == [w.villages[0].name]
    client.force_login(w.users["county"])
    few = _count(client, url("entry_export"))
    for i in range(5):
        make_unit(name=f"又一村{i}", parent=w.townships[0])
    from creation.services import entries_sync

    entries_sync(goal=w.goals["village"])
    assert _count(client, url("entry_export")) == few
