"""Live figures: the maintained summary equals a rebuild, exports follow CONTRACT.md."""

import csv
import datetime as dt
import io
import json
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from campaigns import services as cs
from campaigns.models import Activity, Commitment
from metrics import rollup, selectors
from metrics.models import Contribution, Fact
from organizations.models import Role, UnitKind
from pairings import services as ps
from tests.clock import today
from tests.factories import County, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    county = County(villages_per_township=2)
    county.campaign, _ = cs.campaign_save(actor=None, slug="bjlbc", name="百局联百村", owner_unit=county.county,
                                          start_date=today() - dt.timedelta(days=400))
    county.bureau2 = make_unit(UnitKind.BUREAU, county.county, name="县水务局")
    county.pairs = [
        ps.pairing_save(actor=None, code=f"P{i}", campaign=county.campaign, bureau=b, village=v,
                        start_date=today() - dt.timedelta(days=300))[0]
        for i, (b, v) in enumerate([(county.bureau, county.villages[0]), (county.bureau2, county.villages[2])])
    ]
    return county


def act(c, unit, pairing=None, category="org_life", outcomes=None, days_ago=10, code=None):
    return cs.activity_submit(actor=None, code=code, campaign=c.campaign, date=today() - dt.timedelta(days=days_ago),
                              unit=unit, pairing=pairing, category=category, title="活动",
                              outcomes=outcomes or {}, verified=True)[0]


def figures(unit, **kw):
    return {f.indicator.code: f.text for f in selectors.figures(unit, **kw)}


def snapshot():
    return sorted((f.unit_id, f.campaign_id, f.day, f.key, f.value) for f in Fact.objects.all())


def test_a_record_counts_once_at_every_level_including_through_its_pairing(c):
    v, p = c.villages[0], c.pairs[0]
    act(c, v, p, "tech_to_countryside", {"project_funds": 1280000, "people_trained": 35})
    for unit in (v, c.townships[0], c.county, c.city, c.province, c.bureau):
        f = figures(unit)
        assert f["activities"] == "1" and f["tech_visits"] == "1", unit.name
        assert f["project_funds"] == "1280000" and f["people_trained"] == "35"
    assert figures(c.villages[1])["activities"] == "0"
    assert figures(c.townships[1])["activities"] == "0"
    assert figures(c.county)["pairings"] == "2"
    assert figures(c.bureau)["pairings"] == "1"


def test_rates_and_empty_denominators(c):
    assert figures(c.county)["commitment_rate"] == ""
    for i in range(3):
        cs.commitment_save(actor=None, code=f"C{i}", campaign=c.campaign, unit=c.villages[0], content="修路",
                           made_on=today() - dt.timedelta(days=20), status="done" if i < 2 else "pending",
                           completed_on=today() - dt.timedelta(days=5) if i < 2 else None)
    cs.commitment_save(actor=None, code="CX", campaign=c.campaign, unit=c.villages[0], content="取消的",
                       made_on=today() - dt.timedelta(days=20), status="cancelled")
    f = figures(c.county)
    assert (f["commitments_made"], f["commitments_done"], f["commitment_rate"]) == ("3", "2", "66.67")
    cs.survey_save(actor=None, code="S1", campaign=c.campaign, unit=c.county, subject="party_org",
                   held_on=today() - dt.timedelta(days=3), satisfied=700, basically_satisfied=126, dissatisfied=20)
    assert figures(c.county)["satisfaction_party_org"] == "97.64"
    assert figures(c.county)["satisfaction_cobuild"] == ""


def test_edits_and_deletes_move_the_figures(c):
    a = act(c, c.villages[0], c.pairs[0], "org_life", {"households_visited": 5})
    assert figures(c.county)["households_visited"] == "5"
    cs.activity_correct(actor=make_user("root", is_superuser=True), activity=a, reason="录入错误",
                        unit=c.villages[2], pairing=c.pairs[1], outcomes={"households_visited": 7})
    assert figures(c.townships[0])["activities"] == "0"
    assert figures(c.townships[1])["households_visited"] == "7"
    assert figures(c.bureau)["activities"] == "0" and figures(c.bureau2)["activities"] == "1"
    Activity.objects.get(pk=a.pk).delete()
    assert figures(c.county)["activities"] == "0" and figures(c.county)["households_visited"] == "0"


def test_rows_that_fall_to_zero_are_dropped_and_others_stay(c):
    """The summary keeps no zero rows: deleting the only activity of a day leaves none of its rows
    (day and month, every unit of its scope), while another key's row of the same unit and day
    and another campaign's row stay."""
    v, p = c.villages[0], c.pairs[0]
    keep = act(c, v, p, "tech_to_countryside", {"project_funds": 500}, days_ago=5)
    other, _ = cs.campaign_save(actor=None, slug="other", name="党建带群建", owner_unit=c.county,
                                start_date=today() - dt.timedelta(days=400))
    cs.activity_submit(actor=None, campaign=other, date=today() - dt.timedelta(days=5), unit=v, category="org_life",
                       title="别的活动", outcomes={}, verified=True)
    before = snapshot()
    gone = act(c, v, p, "org_life", {"households_visited": 4}, days_ago=5)
    assert snapshot() != before
    Activity.objects.get(pk=gone.pk).delete()
    assert snapshot() == before
    assert not Fact.objects.filter(value=0).exists()
    assert Fact.objects.filter(unit=v, key="project_funds", campaign=c.campaign, value=500).count() == 3   # day, month, total
    assert keep.pk and Fact.objects.filter(unit=v, campaign=other, key="activities").exists()


def test_returned_activities_do_not_count_until_resubmitted(c):
    author = make_user("v", Role.VILLAGE_SECRETARY, c.villages[0])
    reviewer = make_user("t", Role.TOWNSHIP_STAFF, c.townships[0])
    a, _ = cs.activity_submit(actor=author, campaign=c.campaign, date=today(), unit=c.villages[0],
                              category="training", title="培训")
    assert figures(c.county)["activities"] == "1"
    cs.activity_review(actor=reviewer, activity=a, approve=False, comment="请补充照片")
    assert figures(c.county)["activities"] == "0"


def test_period_and_campaign_filters(c):
    act(c, c.villages[0], days_ago=100)
    act(c, c.villages[0], days_ago=5)
    assert figures(c.county, date_from=today() - dt.timedelta(days=30))["activities"] == "1"
    assert figures(c.county, date_to=today() - dt.timedelta(days=30))["activities"] == "1"
    other, _ = cs.campaign_save(actor=None, slug="other", name="其他", owner_unit=c.county,
                                start_date=today() - dt.timedelta(days=400))
    assert figures(c.county, campaign=other)["activities"] == "0"
    assert figures(c.county, campaign=c.campaign)["activities"] == "2"


def test_maintained_summary_equals_a_rebuild_after_random_writes(c):
    rng = random.Random(4)
    root = make_user("root", is_superuser=True)
    units = c.villages + [c.bureau, c.bureau2]
    acts, cmts = [], []
    for _ in range(60):
        op = rng.random()
        if op < 0.35 or not acts:
            unit = rng.choice(c.villages)
            pairing = next((p for p in c.pairs if p.village_id == unit.pk), None) if rng.random() < 0.6 else None
            acts.append(act(c, unit, pairing, rng.choice(["org_life", "tech_to_countryside", "training"]),
                            {"problems_solved": rng.randint(0, 9), "relief_money": rng.randint(0, 5000)},
                            days_ago=rng.randint(0, 300)))
        elif op < 0.55:
            made = today() - dt.timedelta(days=rng.randint(10, 300))
            status = rng.choice(["pending", "in_progress", "done", "cancelled"])
            cmts.append(cs.commitment_save(
                actor=None, campaign=c.campaign, unit=rng.choice(units), content="承诺", made_on=made,
                status=status, completed_on=made + dt.timedelta(days=3) if status == "done" else None)[0])
        elif op < 0.7 and cmts:
            cm = Commitment.objects.get(pk=rng.choice(cmts).pk)
            cs.commitment_save(actor=None, commitment=cm, campaign=c.campaign, unit=cm.unit, content=cm.content,
                               made_on=cm.made_on, status="done", completed_on=cm.made_on)
        elif op < 0.8:
            a = Activity.objects.get(pk=rng.choice(acts).pk)
            cs.activity_correct(actor=root, activity=a, reason="更正",
                                outcomes={"problems_solved": rng.randint(0, 3)})
        elif op < 0.9:
            unit = rng.choice(c.villages)
            ps.inspection_save(actor=None, campaign=c.campaign, unit=unit, kind=rng.choice(["leader_visit", "inspection"]),
                               held_on=today() - dt.timedelta(days=rng.randint(0, 200)), visitors=rng.randint(1, 4))
        else:
            a = acts.pop(rng.randrange(len(acts)))
            Activity.objects.filter(pk=a.pk).delete()
    maintained = snapshot()
    # A figure of "every key" reads the keys by name: every key written is among them.
    assert set(Fact.objects.values_list("key", flat=True)) <= set(rollup.summary_keys()) | rollup.RUNNING_KEYS
    contribs = Contribution.objects.count()
    rollup.rebuild()
    assert snapshot() == maintained
    assert Contribution.objects.count() == contribs
    # A township's figures are exactly the sum of its villages' (no pairing crosses townships here).
    for key in ("activities", "problems_solved", "relief_money", "commitments_made", "leader_visits"):
        t = Decimal(figures(c.townships[0])[key])
        assert t == sum(Decimal(figures(v)[key]) for v in c.villages[:2]), key


def test_export_metrics_csv_json_xlsx_and_errors(c, tmp_path, capsys):
    act(c, c.villages[0], c.pairs[0], "tech_to_countryside", {"relief_money": Decimal("40200")})
    out = io.StringIO()
    call_command("export_metrics", "--unit", c.county.code, stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["indicator", "name", "unit", "value"]
    assert [r[0] for r in rows[1:4]] == ["pairings", "activities", "org_life_sessions"]
    assert len(rows) == 31
    values = {r[0]: r[3] for r in rows[1:]}
    assert values["relief_money"] == "40200" and values["commitment_rate"] == "" and values["pairings"] == "2"
    call_command("export_metrics", "--unit", c.county.code, "--format", "json", "--output", str(tmp_path / "m.json"))
    data = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert data["indicators"][4] == {"indicator": "tech_visits", "name": "送技术下乡", "unit": "次", "value": "1"}
    call_command("export_metrics", "--unit", c.county.code, "--format", "xlsx", "--output", str(tmp_path / "m.xlsx"))
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "m.xlsx").active
    assert ws["A1"].value == "指标代码" and ws["A17"].value == "relief_money" and ws["D17"].value == 40200
    with pytest.raises(CommandError, match="unknown unit"):
        call_command("export_metrics", "--unit", "NOPE")
    with pytest.raises(CommandError, match="unknown campaign"):
        call_command("export_metrics", "--unit", c.county.code, "--campaign", "nope")


def test_summary_csv_is_scoped(client, c):
    act(c, c.villages[0], c.pairs[0])
    client.force_login(make_user("v", Role.VILLAGE_SECRETARY, c.villages[0]))
    r = client.get("/metrics/summary.csv", {"unit": c.villages[0].code, "campaign": "bjlbc"})
    body = b"".join(r.streaming_content).decode()
    assert r.status_code == 200 and body.splitlines()[0] == "indicator,name,unit,value"
    assert "activities,共建活动,次,1" in body
    assert client.get("/metrics/summary.csv", {"unit": c.county.code}).status_code == 404
    assert client.get("/metrics/summary.csv", {"unit": c.villages[1].code}).status_code == 404
    client.logout()
    assert client.get("/metrics/summary.csv", {"unit": c.county.code}).status_code == 302


def test_summary_csv_query_count_is_constant(client, c, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user("c", Role.COUNTY_ADMIN, c.county))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/metrics/summary.csv", {"unit": c.county.code}).status_code == 200
        return len(ctx.captured_queries)

    act(c, c.villages[0])
    few = count()
    for i in range(30):
        act(c, c.villages[i % 4], days_ago=i, outcomes={"info_posts": i})
    assert count() == few


def test_batched_upkeep_equals_a_rebuild(c):
    """Inside a batch (imports, seed_demo) the summary is brought up to date once per record."""
    from cobuild.batching import batch

    with batch():
        a = act(c, c.villages[0], c.pairs[0], "tech_to_countryside", {"info_posts": 5})
        act(c, c.villages[2], c.pairs[1], "org_life", {"activists_added": 2})
        cs.activity_correct(actor=make_user("root", is_superuser=True), activity=a, reason="更正",
                            outcomes={"info_posts": 9})
        assert figures(c.county)["activities"] == "0"   # upkeep runs when the batch ends
    assert figures(c.county)["info_posts"] == "9" and figures(c.county)["activities"] == "2"
    maintained = snapshot()
    rollup.rebuild()
    assert snapshot() == maintained
