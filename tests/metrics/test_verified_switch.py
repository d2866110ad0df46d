"""The verified-only switch (仅统计已审核) on the dashboard, the bulletin, the completeness page,
the workbook, the assessment and the exports; the number awaiting review on every page; the
registers beside reported outcomes (帮扶对子台账, 召开联席会议)."""

import csv
import datetime as dt
import io
import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from campaigns import services as cs
from campaigns.models import Indicator
from metrics import exports, services
from organizations.models import Role, UnitKind
from tests.clock import today
from tests.factories import (
    County,
    bulk_villages,
    make_activity,
    make_help_pair,
    make_meeting,
    make_pairing,
    make_unit,
    make_user,
)

pytestmark = pytest.mark.django_db
FLAG = "填报与台账不一致"


def ago(days: int) -> dt.date:
    return today() - dt.timedelta(days=days)


@pytest.fixture
def c():
    """Two verified activities (one reporting 2 help pairs) and one awaiting review, all in the
    first township; one help pair in the register; a joint meeting in each township, and an
    older one before the period."""
    county = County(villages_per_township=2)
    county.campaign = cs.campaign_save(actor=None, slug="bjlbc", name="百局联百村", owner_unit=county.county,
                                       start_date=ago(200))[0]
    county.bureau2 = make_unit(UnitKind.BUREAU, county.county, name="县水务局")
    county.pairs = [make_pairing(county.campaign, county.bureau, county.villages[0], start_date=ago(150))]
    v0, v1 = county.villages[:2]
    make_activity(county.campaign, v0, pairing=county.pairs[0], date=ago(10), verified=True,
                  outcomes={"help_pairs": 2})
    make_activity(county.campaign, v1, date=ago(20), category="tech_to_countryside", verified=True)
    county.secretary = make_user("sec", Role.VILLAGE_SECRETARY, v1)
    county.waiting = make_activity(county.campaign, v1, actor=county.secretary, date=ago(5))
    make_help_pair(v0, pairing=county.pairs[0], started_on=ago(8))
    make_meeting(county.campaign, county.townships[0], held_on=ago(7))
    make_meeting(county.campaign, county.townships[1], held_on=ago(30), title="第二次联席会议")
    make_meeting(county.campaign, county.townships[0], held_on=ago(120), title="早先的联席会议")
    county.admin = make_user("county", Role.COUNTY_ADMIN, county.county)
    county.viewer = make_user("leader", Role.VIEWER, county.county)
    return county


def period():
    return {"from": ago(90).isoformat(), "to": today().isoformat(), "campaign": "bjlbc"}


def dashboard(client, c, unit=None, **params):
    r = client.get(reverse("metrics:dashboard"), {"unit": (unit or c.county).pk, **period(), **params})
    assert r.status_code == 200
    return r


def report(client, name, c, unit=None, **params):
    r = client.get(reverse(f"metrics:{name}"), {"unit": (unit or c.county).code, **period(), **params})
    assert r.status_code == 200
    return r


def value(figs, code):
    return next(f.text for f in figs if f.indicator.code == code)


def note(html: str) -> str:
    m = re.search(r'<div class="verified-note[^"]*" data-awaiting="(\d+)">(.*?)</div>', html, re.S)
    assert m, "no awaiting-review note"
    return m.group(1), re.sub(r"<[^>]+>|\s+", "", m.group(2))


# --- the switch changes the figures; every page says how many await review ---------------------

def test_the_switch_changes_the_dashboards_figures_and_shows_the_number_awaiting(client, c):
    client.force_login(c.admin)
    both, checked = dashboard(client, c), dashboard(client, c, verified="1")
    assert value(both.context["figures"], "activities") == "3" and value(checked.context["figures"], "activities") == "2"
    assert both.context["verified_only"] is False and checked.context["verified_only"] is True
    drill_total = [r for r in checked.context["drill"] if r.kind == "total"][0]
    assert drill_total.by_code["activities"].text == "2"
    assert [r.by_code["activities"].text for r in both.context["drill"] if r.kind == "total"] == ["3"]
    assert sum(checked.context["trend_charts"][0][0].values) == 2
    n, text = note(checked.content.decode())
    assert n == "1" and "另有1条活动待审核" in text and "仅统计已审核的记录" in text
    n, text = note(both.content.decode())
    assert n == "1" and "其中1条活动待审核" in text
    assert 'name="verified" value="1" checked' in checked.content.decode()
    assert 'name="verified" value="1" checked' not in both.content.decode()


@pytest.mark.parametrize("page", ["bulletin", "completeness", "assessment"])
def test_the_switch_changes_each_report_page_and_shows_the_number_awaiting(client, c, page):
    client.force_login(c.admin)
    both, checked = report(client, page, c), report(client, page, c, verified="1")
    if page == "assessment":
        def score(r):
            return {s.unit.name: s.parts[0].figure.text for s in r.context["page"].object_list}
        assert score(both)["第1镇"] == "3" and score(checked)["第1镇"] == "2"     # activities of the township
    else:
        assert value(both.context["headline"], "activities") == "3"
        assert value(checked.context["headline"], "activities") == "2"
    if page == "completeness":
        assert (both.context["total"].logged, checked.context["total"].logged) == (2, 2)
        only_waiting = report(client, page, c, **{"from": ago(6).isoformat()})
        assert only_waiting.context["total"].logged == 1          # v1's activity awaiting review
        assert report(client, page, c, verified="1", **{"from": ago(6).isoformat()}).context["total"].logged == 0
    if page == "bulletin":
        assert "全县1个结对单位共开展共建活动2次" in "".join(checked.context["paragraphs"])
        assert "(仅统计已审核的记录)" in checked.content.decode()
    n, text = note(checked.content.decode())
    assert n == "1" and "另有1条活动待审核" in text
    assert note(both.content.decode())[0] == "1"


def test_the_number_awaiting_links_to_the_review_queue_for_reviewers_only(client, c):
    queue = reverse("campaigns:review_queue")
    client.force_login(c.admin)
    assert f'href="{queue}"' in dashboard(client, c, verified="1").content.decode()
    assert f'href="{queue}"' in report(client, "bulletin", c, verified="1").content.decode()
    client.force_login(c.viewer)
    html = dashboard(client, c, verified="1").content.decode()
    assert f'href="{queue}"' not in html and "status=submitted" in html      # the list, not the queue
    assert f'href="{queue}"' not in report(client, "completeness", c, verified="1").content.decode()


# --- links and forms keep the switch ------------------------------------------------------------

KEEPING = ("/metrics/dashboard/", "/metrics/bulletin/", "/metrics/completeness/", "/metrics/dashboard.xlsx",
           "/metrics/assessment/")


def page_links(html: str, path: str, switch_qs: str) -> list[str]:
    """Links of the page to the figure pages (relative ones are to the page itself), but the one
    that flips the switch and the site menu's bare links."""
    out = []
    for href in re.findall(r'href="([^"]*)"', html):
        href = unescape(href)
        if href == f"?{switch_qs}" or href.startswith("?page=") or href == "?":
            continue
        full = path + href if href.startswith("?") else href
        if urlsplit(full).path in KEEPING and urlsplit(full).query:
            out.append(full)
    return out


def test_every_link_and_form_of_the_dashboard_keeps_the_switch(client, c):
    client.force_login(c.admin)
    r = dashboard(client, c, verified="1")
    html = r.content.decode()
    links = page_links(html, "/metrics/dashboard/", r.context["switch_qs"])
    assert len(links) >= 5        # export, bulletin, drill-down children, rankings
    for link in links:
        assert parse_qs(urlsplit(link).query).get("verified") == ["1"], link
    forms = re.findall(r'<form method="get".*?</form>', html, re.S)
    assert len(forms) == 3
    for form in forms:
        assert re.search(r'name="verified" value="1"', form), form[:80]
    flip = parse_qs(r.context["switch_qs"])
    assert "verified" not in flip and flip["from"] == [period()["from"]]
    off = dashboard(client, c)
    assert parse_qs(off.context["switch_qs"])["verified"] == ["1"]
    for link in page_links(off.content.decode(), "/metrics/dashboard/", off.context["switch_qs"]):
        assert "verified" not in parse_qs(urlsplit(link).query), link


@pytest.mark.parametrize("page", ["bulletin", "completeness", "assessment"])
def test_every_link_of_a_report_page_keeps_the_switch(client, c, page):
    client.force_login(c.admin)
    r = report(client, page, c, unit=c.townships[0], verified="1")
    html = r.content.decode()
    links = page_links(html, f"/metrics/{page}/", r.context["switch_qs"])
    assert links, page
    for link in links:
        assert parse_qs(urlsplit(link).query).get("verified") == ["1"], link
    assert 'name="verified" value="1" checked' in html


def test_the_assessment_switch_link_keeps_level_and_weights(client, c):
    client.force_login(c.admin)
    r = report(client, "assessment", c, level="village", w_activities="3", w_tech_visits="1")
    flip = parse_qs(r.context["switch_qs"])
    assert flip["verified"] == ["1"] and flip["level"] == ["village"]
    assert flip["w_activities"] == ["3"] and flip["w_tech_visits"] == ["1"]


# --- exports -------------------------------------------------------------------------------------

def export(c, *args) -> str:
    out = io.StringIO()
    call_command("export_metrics", "--unit", c.county.code, "--campaign", "bjlbc", "--from", period()["from"],
                 *args, stdout=out)
    return out.getvalue()


def test_export_metrics_verified_only_keeps_the_csv_columns(c):
    both = list(csv.reader(io.StringIO(export(c))))
    checked = list(csv.reader(io.StringIO(export(c, "--verified-only"))))
    assert both[0] == checked[0] == exports.COLUMNS
    assert [r[0] for r in both] == [r[0] for r in checked]
    assert len(both) == 1 + Indicator.objects.filter(active=True).count()
    assert (dict((r[0], r[3]) for r in both)["activities"], dict((r[0], r[3]) for r in checked)["activities"]) == (
        "3", "2")
    assert not {"help_pairs_registered", "joint_meetings_held", "awaiting_review"} & {r[0] for r in checked}


def test_export_metrics_json_adds_the_registers_and_the_number_awaiting(c):
    data = json.loads(export(c, "--format", "json", "--verified-only"))
    assert data["verified_only"] is True and data["awaiting_review"] == 1
    assert data["registers"] == {"help_pairs": {"reported": 2, "registered": 1, "agree": False},
                                 "joint_meetings_held": 2}
    assert {r["indicator"]: r["value"] for r in data["indicators"]}["activities"] == "2"
    assert json.loads(export(c, "--format", "json"))["verified_only"] is False


def test_summary_csv_verified(client, c):
    client.force_login(c.admin)
    url = reverse("metrics:summary_csv")

    def rows(**params):
        body = client.get(url, {"unit": c.county.code, "campaign": "bjlbc", "from": period()["from"], **params})
        return list(csv.reader(io.StringIO(b"".join(body.streaming_content).decode())))
    both, checked = rows(), rows(verified="1")
    assert both[0] == checked[0] == exports.COLUMNS
    assert dict((r[0], r[3]) for r in checked)["activities"] == "2"
    assert dict((r[0], r[3]) for r in both)["activities"] == "3"


def test_the_workbook_follows_the_switch_and_carries_the_registers(client, c):
    client.force_login(c.admin)

    def sheets(**params):
        wb = load_workbook(io.BytesIO(report(client, "dashboard_xlsx", c, **params).content))
        summary = {row[0]: row for row in wb["汇总"].iter_rows(min_row=2, values_only=True) if row[0]}
        return wb, summary
    wb, both = sheets()
    _, checked = sheets(verified="1")
    assert (both["activities"][3], checked["activities"][3]) == (3, 2)
    assert both["help_pairs_registered"][3] == 1 and both["joint_meetings_held"][3] == 2
    assert checked["待审核活动(条)(未计入)"][1] == 1 and checked["统计口径"][1] == "仅已审核的记录"
    header = [c_.value for c_ in wb["下级单位"][1]]
    assert header[-2:] == ["帮扶对子台账(个)", "召开联席会议(次)"]
    total = [row for row in wb["下级单位"].iter_rows(min_row=2, values_only=True) if row[1] == "合计"][0]
    assert total[-2:] == (1, 2)


# --- registers beside reported outcomes ---------------------------------------------------------

def test_a_disagreement_between_outcome_and_register_is_flagged_and_agreement_is_not(client, c):
    client.force_login(c.admin)
    r = dashboard(client, c)
    assert (r.context["summary"].help_pairs, r.context["summary"].help_pairs_registered) == (2, 1)
    assert FLAG in r.content.decode()
    bulletin = report(client, "bulletin", c)
    assert FLAG in bulletin.content.decode()
    assert "结成帮扶对子2个(帮扶对子台账登记1个,填报与台账不一致)" in "".join(bulletin.context["paragraphs"])
    make_help_pair(c.villages[0], member_name="钱党员", household_name="孙大户", pairing=c.pairs[0],
                   started_on=ago(3))
    r = dashboard(client, c)
    assert r.context["summary"].help_pairs_registered == 2 and FLAG not in r.content.decode()
    bulletin = report(client, "bulletin", c)
    assert FLAG not in bulletin.content.decode()
    assert "结成帮扶对子2个(帮扶对子台账登记2个)" in "".join(bulletin.context["paragraphs"])
    # verified-only leaves out an outcome awaiting review; the register always counts
    make_activity(c.campaign, c.villages[1], actor=c.secretary, date=ago(2), outcomes={"help_pairs": 1})
    make_help_pair(c.villages[0], member_name="周党员", household_name="吴大户", pairing=c.pairs[0],
                   started_on=ago(2))
    assert FLAG not in dashboard(client, c).content.decode()
    assert FLAG in dashboard(client, c, verified="1").content.decode()


def test_joint_meetings_held_count_meetings_in_scope_and_period(client, c):
    client.force_login(c.admin)
    assert dashboard(client, c).context["summary"].joint_meetings_held == 2
    assert dashboard(client, c, unit=c.townships[0]).context["summary"].joint_meetings_held == 1
    assert dashboard(client, c, unit=c.townships[1]).context["summary"].joint_meetings_held == 1
    assert dashboard(client, c, unit=c.villages[0]).context["summary"].joint_meetings_held == 0
    assert dashboard(client, c, **{"from": ago(200).isoformat()}).context["summary"].joint_meetings_held == 3
    assert dashboard(client, c, **{"from": ago(20).isoformat()}).context["summary"].joint_meetings_held == 1
    assert dashboard(client, c, verified="1").context["summary"].joint_meetings_held == 2   # records always count
    html = dashboard(client, c).content.decode()
    assert re.search(r'data-code="joint_meetings_held">.*?>2</a>', html, re.S)
    bulletin = report(client, "bulletin", c, unit=c.townships[0])
    assert bulletin.context["summary"].joint_meetings_held == 1
    assert "召开联席会议1次" in "".join(bulletin.context["paragraphs"])
    assert re.search(r'data-code="joint_meetings_held">.*?>1<small', bulletin.content.decode(), re.S)


# --- query counts --------------------------------------------------------------------------------

def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(reverse("metrics:dashboard"), params)
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_is_constant_with_the_switch_on(client, c):
    activities = Indicator.objects.get(code="activities")
    for kind, target in (("township", 20), ("village", 2)):
        services.targets_apply(actor=None, campaign=c.campaign, parent=c.county, kind=kind, indicator=activities,
                               value=target)
    client.force_login(c.admin)
    pages = [{"verified": "1"}, {"unit": c.townships[0].pk, "verified": "1"},
             {"unit": c.villages[0].pk, "verified": "1"}, {"unit": c.bureau.pk, "verified": "1", "window": "30"}]
    few = [_queries(client, p) for p in pages]
    new = bulk_villages(c.townships[0], 60) + bulk_villages(c.townships[1], 40)
    for i in range(4):
        make_unit(UnitKind.BUREAU, c.county, name=f"局{i}")
    for i, v in enumerate(new[:15]):
        make_activity(c.campaign, v, date=ago(1 + i * 5), verified=i % 2 == 0, actor=None if i % 2 == 0 else c.admin,
                      outcomes={"help_pairs": 1})
        make_help_pair(v, member_name=f"党员{i}", household_name=f"户{i}", started_on=ago(1 + i))
        make_meeting(c.campaign, v, held_on=ago(2 + i))
    many = [_queries(client, p) for p in pages]
    assert few == many
    assert max(many) <= 43   # a period in up to three index ranges (selectors.period_parts), keys named (rollup.summary_keys)
