"""One set of figures: the dashboard, the bulletin, the completeness page, the workbook,
``export_metrics`` and /metrics/summary.csv show the same figures for the same unit, campaign and
period, and open on the same default campaign and period (metrics/figures.py)."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from campaigns import services as cs
from metrics import figures
from organizations.models import Role, UnitKind
from tests.clock import today
from tests.factories import County, make_pairing, make_unit, make_user

pytestmark = pytest.mark.django_db
CODES = ("pairings", "activities", "org_life_sessions", "commitments_made")


def ago(days: int) -> dt.date:
    return today() - dt.timedelta(days=days)


@pytest.fixture
def c():
    county = County(villages_per_township=2)
    county.campaign = cs.campaign_save(actor=None, slug="bjlbc", name="百局联百村", owner_unit=county.county,
                                       start_date=ago(200))[0]
    county.bureau2 = make_unit(UnitKind.BUREAU, county.county, name="县水务局")
    county.pairs = [make_pairing(county.campaign, county.bureau, county.villages[0], start_date=ago(90)),
                    make_pairing(county.campaign, county.bureau2, county.villages[2], start_date=ago(90))]
    v0, v1, v2, v3 = county.villages

    def act(unit, day, category="org_life", pairing=None, actor=None):
        return cs.activity_submit(actor=actor, campaign=county.campaign, date=day, unit=unit, pairing=pairing,
                                  category=category, title="活动", outcomes={}, verified=actor is None)[0]

    act(v0, ago(5), pairing=county.pairs[0])              # v0 and the first pair: active
    act(v1, ago(45))                                       # v1: silent (45 days)
    act(v2, ago(30), category="tech_to_countryside")      # v2: 30 days ago still counts
    act(v3, ago(120))                                      # before the explicit period
    secretary = make_user("sec", Role.VILLAGE_SECRETARY, v3)
    returned = act(v3, ago(3), actor=secretary)            # returned: counts nowhere, v3 stays silent
    cs.activity_review(actor=make_user("rev", Role.TOWNSHIP_STAFF, county.townships[1]), activity=returned,
                       approve=False, comment="请补充照片")
    for i in range(3):
        cs.commitment_save(actor=None, campaign=county.campaign, unit=v0, content="修路", made_on=ago(20),
                           status="done" if i < 2 else "pending", completed_on=ago(2) if i < 2 else None)
    county.admin = make_user("county", Role.COUNTY_ADMIN, county.county)
    return county


def export_json(c, *args) -> dict:
    out = io.StringIO()
    call_command("export_metrics", "--unit", c.county.code, "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


def _by_code(figs) -> dict[str, str]:
    return {f.indicator.code: f.text for f in figs if f.indicator.code in CODES}


def pages(client, c, **params) -> dict[str, dict]:
    """{page: {code: text, ..., "silent_villages": n, "period": (from, to)}} for every page."""
    client.force_login(c.admin)
    out = {}
    r = client.get(reverse("metrics:dashboard"), {"unit": c.county.pk, **params})
    assert r.status_code == 200
    out["dashboard"] = {**_by_code(r.context["figures"]), "silent_villages": r.context["warn"].silent_villages,
                        "period": (r.context["date_from"], r.context["date_to"]),
                        "campaign": r.context["campaign"]}
    q = {"unit": c.county.code, **params}
    r = client.get(reverse("metrics:bulletin"), q)
    assert r.status_code == 200
    text = "".join(r.context["paragraphs"])
    b = _by_code(r.context["headline"])
    assert f"全县{b['pairings']}个结对单位共开展共建活动{b['activities']}次" in text
    assert f"开展党组织活动{b['org_life_sessions']}场次" in text and f"承诺事项{b['commitments_made']}项" in text
    silence = r.context["silence"]
    assert f"{silence.villages_silent}个村(社区)、{silence.pairs['silent']}个结对超过30天没有开展共建活动" in text
    out["bulletin"] = {**b, "silent_villages": silence.villages_silent,
                       "period": (r.context["date_from"], r.context["date_to"]), "campaign": r.context["campaign"]}
    r = client.get(reverse("metrics:completeness"), q)
    assert r.status_code == 200
    html = r.content.decode()
    comp = _by_code(r.context["headline"])
    for code, text_ in comp.items():
        assert f'data-code="{code}">{text_}<' in html
    n = r.context["silent"].paginator.count
    assert f'data-code="silent_villages">{n}<' in html
    out["completeness"] = {**comp, "silent_villages": n, "period": (r.context["date_from"], r.context["date_to"]),
                           "campaign": r.context["campaign"]}
    r = client.get(reverse("metrics:dashboard_xlsx"), q)
    ws = load_workbook(io.BytesIO(r.content))["汇总"]
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True) if row[0]}
    silent_row = next(v for k, v in rows.items() if str(k).startswith("沉默村"))
    out["workbook"] = {**{code: str(rows[code][3]) for code in CODES}, "silent_villages": silent_row[1]}
    return out


def test_every_page_and_the_export_show_the_same_figures(client, c):
    period = {"from": ago(90).isoformat(), "to": today().isoformat()}
    shown = pages(client, c, campaign="bjlbc", **period)
    exported = export_json(c, "--campaign", "bjlbc", "--from", period["from"], "--to", period["to"])
    reference = {row["indicator"]: row["value"] for row in exported["indicators"] if row["indicator"] in CODES}
    reference["silent_villages"] = exported["silence"]["silent_villages"]
    # built above: 3 counted activities in the period (2 of them 组织生活), 3 commitments, 2 pairs;
    # v1 (45 days) and v3 (only a returned record lately) are silent, v2 (30 days) is not
    assert reference == {"pairings": "2", "activities": "3", "org_life_sessions": "2", "commitments_made": "3",
                         "silent_villages": 2}
    for page, values in shown.items():
        assert {k: values[k] for k in reference} == reference, page
    client.force_login(c.admin)
    csv_rows = csv.DictReader(io.StringIO(b"".join(client.get(reverse("metrics:summary_csv"), {
        "unit": c.county.code, "campaign": "bjlbc", **period}).streaming_content).decode()))
    assert {r["indicator"]: r["value"] for r in csv_rows if r["indicator"] in CODES} == {
        k: v for k, v in reference.items() if k in CODES}


def test_pages_open_on_the_same_default_campaign_and_period(client, c):
    shown = pages(client, c)
    start = c.campaign.start_date
    for page in ("dashboard", "bulletin", "completeness"):
        assert shown[page]["period"] == (start, today()), page
        assert shown[page]["campaign"] == c.campaign, page
    exported = export_json(c, "--campaign", "bjlbc", "--from", start.isoformat(), "--to", today().isoformat())
    reference = {row["indicator"]: row["value"] for row in exported["indicators"] if row["indicator"] in CODES}
    reference["silent_villages"] = exported["silence"]["silent_villages"]
    assert reference["activities"] == "4"                  # the campaign to date holds the older one too
    for page, values in shown.items():
        assert {k: values[k] for k in reference} == reference, page


def test_all_campaigns_is_this_year_to_date(client, c):
    client.force_login(c.admin)
    for name in ("metrics:dashboard", "metrics:bulletin"):
        r = client.get(reverse(name), {"campaign": ""})
        assert r.context["campaign"] is None
        assert (r.context["date_from"], r.context["date_to"]) == (today().replace(month=1, day=1), today())


def test_the_default_period_rule():
    camp = type("C", (), {"start_date": dt.date(2025, 3, 1), "end_date": dt.date(2025, 12, 31)})()
    assert figures.period(camp, on=dt.date(2025, 6, 30)) == figures.Period(
        dt.date(2025, 3, 1), dt.date(2025, 6, 30), dt.date(2025, 6, 30))    # campaign start to today
    p = figures.period(camp, on=dt.date(2026, 2, 1))
    assert (p.date_from, p.date_to, p.as_of) == (dt.date(2025, 3, 1), dt.date(2025, 12, 31), dt.date(2025, 12, 31))
    p = figures.period(None, on=dt.date(2026, 5, 17))
    assert (p.date_from, p.date_to) == (dt.date(2026, 1, 1), dt.date(2026, 5, 17))
    p = figures.period(None, dt.date(2026, 5, 1), dt.date(2026, 4, 1), on=dt.date(2026, 5, 17))
    assert (p.date_from, p.date_to, p.as_of) == (dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 5, 1))
    p = figures.period(None, dt.date(2011, 5, 1), on=dt.date(2026, 5, 17))   # a long campaign: all of it
    assert p.date_from == dt.date(2011, 5, 1)
    assert figures.display_months(p.date_from, p.date_to)[0] == dt.date(2023, 6, 1)   # its last 36 months
    assert figures.previous_period(dt.date(2026, 4, 1), dt.date(2026, 4, 30)) == (dt.date(2026, 3, 2),
                                                                                 dt.date(2026, 3, 31))


def test_silence_is_judged_on_the_last_day_of_the_period(client, c):
    # 40 days ago only v1 (its activity 45 days ago) had one in the last 30 days; the first pair's
    # activity came later, so both pairs were silent then.
    s = figures.silence(c.county, None, c.campaign, ago(40))
    assert (s.villages_total, s.villages_silent) == (4, 3)
    assert s.pairs["total"] == 2 and s.pairs["silent"] == 2     # the first pair's activity is later
    s = figures.silence(c.county, None, c.campaign, today())
    assert s.villages_silent == 2 and s.pairs == {"total": 2, "green": 1, "amber": 0, "red": 1, "silent": 1}
    assert {v.name for v in figures.silent_villages(c.county, None, c.campaign, today())} == {
        c.villages[1].name, c.villages[3].name}


def test_the_bureau_side_is_every_pairing_bureau_kind(c):
    ranks = {r.level: r for r in figures.rankings(c.county, None, c.campaign,
                                                  figures.indicators(["activities"])[0], ago(60), today())}
    assert {row.unit for row in ranks["bureau"].rows} == {c.bureau, c.bureau2, c.enterprise}
    rows = figures.drill_down(c.county, None, c.campaign, ago(60), today(), figures.indicators(["activities"]))
    assert [r.label for r in rows if r.kind == "subtotal"] == ["乡镇(街道)小计(2)", "帮建单位小计(3)"]
