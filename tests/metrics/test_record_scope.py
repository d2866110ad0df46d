"""One stored record scope: moves re-scope records and figures at once, pairings count when
active in the period, access and figures read the same scope, writes cost a constant number of
queries."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from campaigns import services as cs
from campaigns.models import Activity, Commitment
from metrics import rollup, selectors
from metrics.models import Contribution, Fact
from organizations import records
from organizations.models import RecordScope, Role, Unit, UnitKind
from organizations.services import unit_save
from pairings import services as ps
from pairings.models import HelpPair, Inspection, Pairing
from tests.clock import today
from tests.factories import County, make_campaign, make_help_pair, make_pairing, make_unit, make_user

pytestmark = pytest.mark.django_db


def days(n):
    return today() - dt.timedelta(days=n)


@pytest.fixture
def c():
    county = County(villages_per_township=2, full=False)
    county.campaign = make_campaign(county.county, slug="bjlbc", start_date=days(400))
    county.bureau2 = make_unit(UnitKind.BUREAU, county.county, name="县水务局")
    county.pairs = [make_pairing(county.campaign, county.bureau, county.villages[0], code="P0", start_date=days(300)),
                    make_pairing(county.campaign, county.bureau2, county.villages[2], code="P1",
                                 start_date=days(300))]
    return county


def act(c, unit, pairing=None, category="org_life", outcomes=None, ago=10, code=None, actor=None, verified=True):
    return cs.activity_submit(actor=actor, code=code, campaign=c.campaign, date=days(ago), unit=unit,
                              pairing=pairing, category=category, title="活动", outcomes=outcomes or {},
                              verified=verified)[0]


def figures(unit, **kw):
    return {f.indicator.code: f.text for f in selectors.figures(unit, **kw)}


def scopes():
    return sorted(RecordScope.objects.values_list("record_type", "record_id", "unit_id"))


def from_scratch():
    """(summary, scopes) of a database where every record stood where it stands now from the
    start: every derived row dropped and derived again from the records."""
    maintained = (rollup.snapshot(), scopes(), Contribution.objects.count())
    RecordScope.objects.all().delete()
    Contribution.objects.all().delete()
    Fact.objects.all().delete()
    rollup.rebuild()
    return maintained, (rollup.snapshot(), scopes(), Contribution.objects.count())


def expected_visible(user, model, unit_paths):
    """The scope rule of CONTRACT.md §4 computed the slow way, from the tree paths."""
    grants = [g.unit.path for g in user.role_grants.select_related("unit")]
    return {r.pk for r in model.objects.all() if any(p.startswith(g) for p in unit_paths(r) if p for g in grants)}


def linked(r):
    pairing = r.pairing
    return [r.unit.path] + ([pairing.village.path, pairing.bureau.path] if pairing else [])


def test_a_village_reimported_under_another_township_moves_its_records_and_figures(c, tmp_path):
    v = c.villages[0]
    act(c, v, c.pairs[0], "tech_to_countryside", {"project_funds": 5000, "households_visited": 3})
    act(c, v, None, "org_life")
    cs.commitment_save(actor=None, code="C1", campaign=c.campaign, unit=v, content="修路", made_on=days(20),
                       status="done", completed_on=days(3))
    insp, _ = ps.inspection_save(actor=None, campaign=c.campaign, unit=v, kind="leader_visit", held_on=days(5),
                                 visitors=3)
    old_staff = make_user("t0", Role.TOWNSHIP_STAFF, c.townships[0])
    new_staff = make_user("t1", Role.TOWNSHIP_STAFF, c.townships[1])
    assert figures(c.townships[0])["activities"] == "2" and figures(c.townships[1])["activities"] == "0"

    path = tmp_path / "units.csv"
    path.write_text(f"code,name,kind,parent_code\n{v.code},{v.name},village,{c.townships[1].code}\n", encoding="utf-8")
    call_command("import_data", "units", str(path))

    v.refresh_from_db()
    assert v.path.startswith(c.townships[1].path)
    t0, t1 = figures(c.townships[0]), figures(c.townships[1])
    assert (t0["activities"], t0["project_funds"], t0["commitments_made"], t0["leader_visits"]) == ("0", "0", "0", "0")
    assert (t1["activities"], t1["project_funds"], t1["commitments_made"], t1["leader_visits"]) == ("2", "5000", "1", "3")
    assert figures(c.county)["activities"] == "2"
    assert Activity.objects.for_user(old_staff).count() == 0
    assert Activity.objects.for_user(new_staff).count() == 2
    assert Inspection.objects.for_user(new_staff).get() == insp
    maintained, fresh = from_scratch()
    assert maintained == fresh


def test_a_pairing_reimported_with_another_village_takes_its_records_along(c, tmp_path):
    v_old, v_new = c.villages[0], c.villages[1]
    a = act(c, v_old, c.pairs[0], "org_life", {"households_visited": 4})
    b = act(c, c.bureau, c.pairs[0], "tech_to_countryside")
    own = act(c, v_old, None, "training")
    make_help_pair(v_old, pairing=c.pairs[0])
    old_sec = make_user("old", Role.VILLAGE_SECRETARY, v_old)
    new_sec = make_user("new", Role.VILLAGE_SECRETARY, v_new)

    path = tmp_path / "pairings.csv"
    path.write_text("code,campaign,bureau_code,village_code,start_date\n"
                    f"P0,bjlbc,{c.bureau.code},{v_new.code},{days(300)}\n", encoding="utf-8")
    call_command("import_data", "pairings", str(path))

    a.refresh_from_db()
    assert a.unit == v_new and a.history.first().history_change_reason.startswith("结对“P0”调整为")
    assert Activity.objects.get(pk=b.pk).unit == c.bureau
    assert set(Activity.objects.for_user(old_sec).values_list("pk", flat=True)) == {own.pk}
    assert set(Activity.objects.for_user(new_sec).values_list("pk", flat=True)) == {a.pk, b.pk}
    assert HelpPair.objects.for_user(new_sec).count() == 1 and HelpPair.objects.for_user(old_sec).count() == 0
    assert figures(v_old)["households_visited"] == "0" and figures(v_new)["households_visited"] == "4"
    assert figures(v_new)["pairings"] == "1" and figures(v_old)["pairings"] == "0"
    assert figures(v_new)["activities"] == "2"
    maintained, fresh = from_scratch()
    assert maintained == fresh


def test_pairings_count_when_active_in_the_period(c):
    c.pairs[1].end_date = None
    ps.pairing_end(actor=None, pairing=c.pairs[1], end_date=days(100))
    make_pairing(c.campaign, c.bureau2, c.villages[3], code="P-late", start_date=days(5))
    # Year to date: P0 (started 300 days ago, still on) and P-late; P1 ended before the period.
    assert figures(c.county, date_from=days(60), date_to=today())["pairings"] == "2"
    assert figures(c.county, date_from=days(60), date_to=days(30))["pairings"] == "1"
    assert figures(c.county, date_from=days(200), date_to=days(150))["pairings"] == "2"
    assert figures(c.county)["pairings"] == "3"
    assert figures(c.bureau2, date_from=days(60))["pairings"] == "1"
    assert figures(c.townships[1], date_from=days(60))["pairings"] == "1"


def test_logging_an_activity_costs_the_same_queries_whatever_its_outcomes_and_the_tree_depth(c):
    def cost(unit, pairing, outcomes):
        with CaptureQueriesContext(connection) as ctx:
            act(c, unit, pairing, "tech_to_countryside", outcomes)
        return len(ctx.captured_queries)

    # Warm the indicator and content-type caches.
    act(c, c.villages[0], c.pairs[0], "org_life", {"info_posts": 1})
    few = cost(c.villages[0], c.pairs[0], {"info_posts": 1})
    many = cost(c.villages[0], c.pairs[0], {"info_posts": 1, "people_trained": 5, "relief_money": 300,
                                            "problems_solved": 2, "project_funds": 9, "coops_formed": 1})
    # A shallower tree: a county with no province or city above it, the bureau under a township.
    top = make_unit(UnitKind.COUNTY, None, name="独立县")
    town = make_unit(UnitKind.TOWNSHIP, top, name="独立镇")
    deep_village = make_unit(UnitKind.VILLAGE, town, name="独立村")
    deep_pair = make_pairing(c.campaign, make_unit(UnitKind.BUREAU, town, name="镇站所"), deep_village, code="PD")
    deep = cost(deep_village, deep_pair, {"info_posts": 1})
    assert few == many == deep, (few, many, deep)
    assert few <= 40


def test_the_maintained_figures_and_scopes_equal_a_fresh_database_after_random_work(c, tmp_path):
    rng = random.Random(8)
    root = make_user("root", is_superuser=True)
    reviewer = make_user("rev", Role.COUNTY_ADMIN, c.county)
    author = make_user("auth", Role.VILLAGE_SECRETARY, c.villages[1])
    extra_t = make_unit(UnitKind.TOWNSHIP, c.county, name="第三镇")
    users = [make_user(f"u{i}", role, unit) for i, (role, unit) in enumerate([
        (Role.TOWNSHIP_STAFF, c.townships[0]), (Role.TOWNSHIP_STAFF, c.townships[1]),
        (Role.TOWNSHIP_STAFF, extra_t), (Role.VILLAGE_SECRETARY, c.villages[0]),
        (Role.VILLAGE_SECRETARY, c.villages[3]), (Role.BUREAU_LIAISON, c.bureau),
        (Role.BUREAU_LIAISON, c.bureau2)])]
    townships = [*c.townships, extra_t]
    n = 0
    for _step in range(90):
        n += 1
        op = rng.random()
        pairs = list(Pairing.objects.select_related("village", "bureau"))
        if op < 0.3:
            p = rng.choice(pairs) if rng.random() < 0.6 else None
            unit = rng.choice([p.village, p.bureau]) if p else rng.choice(c.villages)
            act(c, unit, p, rng.choice(["org_life", "tech_to_countryside", "training"]),
                {"problems_solved": rng.randint(0, 5), "relief_money": rng.randint(0, 900)}, ago=rng.randint(0, 300))
        elif op < 0.38:
            act(c, c.villages[1], None, "org_life", {"info_posts": 2}, actor=author, verified=False)
        elif op < 0.45:
            mine = Activity.objects.filter(author=author, status="submitted").first()
            if mine:
                cs.activity_review(actor=reviewer, activity=mine, approve=rng.random() < 0.5, comment="请补充")
        elif op < 0.55:
            p = rng.choice(pairs)
            made = days(rng.randint(10, 300))
            status = rng.choice(["pending", "done", "cancelled"])
            cs.commitment_save(actor=None, campaign=c.campaign, unit=rng.choice([p.village, p.bureau]), pairing=p,
                               content="承诺", made_on=made, status=status,
                               completed_on=made if status == "done" else None)
        elif op < 0.62:
            a = Activity.objects.filter(status="verified").order_by("?").first()
            if a:
                cs.activity_correct(actor=root, activity=a, reason="核实更正",
                                    outcomes={"problems_solved": rng.randint(0, 3)})
        elif op < 0.68:
            a = Activity.objects.order_by("?").first()
            if a:
                a.delete()
        elif op < 0.76:
            v = rng.choice(c.villages)
            unit_save(actor=None, code=v.code, name=v.name, kind=v.kind, parent=rng.choice(townships))
        elif op < 0.84:
            p = rng.choice(pairs)
            taken = set(Pairing.objects.values_list("village_id", flat=True))
            free = [v for v in c.villages if v.pk not in taken]
            if free:
                ps.pairing_save(actor=None, code=p.code, campaign=p.campaign, bureau=p.bureau,
                                village=rng.choice(free), start_date=p.start_date)
        elif op < 0.9:
            ps.inspection_save(actor=None, campaign=c.campaign, unit=rng.choice(c.villages),
                               kind=rng.choice(["leader_visit", "inspection"]), held_on=days(rng.randint(0, 200)),
                               visitors=rng.randint(1, 4))
        else:
            path = tmp_path / f"a{n}.csv"
            p = rng.choice(pairs)
            rows = "\n".join(f"IMP{n}-{i},bjlbc,{days(rng.randint(1, 90))},{p.village.code},{p.code},org_life,导入{i},"
                             f"{rng.randint(1, 9)}" for i in range(3))
            path.write_text("code,campaign,date,unit_code,pairing_code,category,title,problems_solved\n" + rows,
                            encoding="utf-8")
            call_command("import_data", "activities", str(path))
    for user in users:
        for model, paths in ((Activity, linked), (Commitment, linked), (Inspection, linked),
                             (Pairing, lambda p: [p.village.path, p.bureau.path])):
            seen = set(model.objects.for_user(user).values_list("pk", flat=True))
            assert seen == expected_visible(user, model, paths), (user.username, model.__name__)
    t_sum = sum(Decimal(figures(t)["activities"]) for t in townships)
    # Each counted activity at a village, or a bureau's for a pair, counts in exactly one township.
    direct = Activity.objects.exclude(status="returned").filter(
        Q(unit__kind=UnitKind.VILLAGE) | Q(pairing__isnull=False)).count()
    assert t_sum == direct
    maintained, fresh = from_scratch()
    assert maintained == fresh


def test_rebuild_repairs_a_damaged_summary_and_leaves_a_correct_one_alone(c):
    act(c, c.villages[0], c.pairs[0], "org_life", {"info_posts": 3})
    before = rollup.snapshot()
    assert rollup.rebuild()["fixed"] == 0
    Fact.objects.filter(key="info_posts").update(value=99)
    RecordScope.objects.filter(record_type="activity", unit_id=c.county.pk).delete()
    result = rollup.rebuild()
    assert result["fixed"] > 0 and rollup.snapshot() == before
    assert figures(c.county)["info_posts"] == "3"


def test_registered_kinds_cover_every_scoped_record():
    assert set(records.KINDS) >= {"pairing", "activity", "commitment", "meeting", "decision", "survey",
                                  "inspection", "rectification", "helppair"}
    assert Unit.objects.count() == 0


def test_verified_only_figures_and_the_number_awaiting_review(c):
    author = make_user("sec", Role.VILLAGE_SECRETARY, c.villages[0])
    reviewer = make_user("rev", Role.TOWNSHIP_STAFF, c.townships[0])
    act(c, c.villages[0], c.pairs[0], "org_life", {"households_visited": 5})           # verified
    a = act(c, c.villages[0], None, "tech_to_countryside", {"households_visited": 2}, actor=author, verified=False)
    act(c, c.villages[0], None, "training", {"households_visited": 1}, actor=author, verified=False)
    everything = selectors.sums(c.county)
    assert (everything["activities"], everything["households_visited"], everything["awaiting_review"]) == (3, 8, 2)
    checked = selectors.sums(c.county, verified_only=True)
    assert (checked["activities"], checked["households_visited"], checked["awaiting_review"]) == (1, 5, 2)
    assert figures(c.county, verified_only=True)["tech_visits"] == "0" and figures(c.county)["tech_visits"] == "1"
    cs.activity_review(actor=reviewer, activity=a, approve=True, comment="")
    checked = selectors.sums(c.county, verified_only=True)
    assert (checked["activities"], checked["tech_visits"], checked["awaiting_review"]) == (2, 1, 1)
    maintained, fresh = from_scratch()
    assert maintained == fresh


def test_registers_counted_beside_the_reported_outcomes(c):
    act(c, c.villages[0], c.pairs[0], "org_life", {"help_pairs": 3})
    make_help_pair(c.villages[0], pairing=c.pairs[0], started_on=days(20))
    make_help_pair(c.villages[2], member_name="王党员", started_on=days(5))
    cs.meeting_save(actor=None, campaign=c.campaign, held_on=days(3), host_unit=c.townships[0], title="党工青妇联席会")
    t0, county = selectors.sums(c.townships[0]), selectors.sums(c.county)
    assert (t0["help_pairs"], t0["help_pairs_registered"], t0["joint_meetings_held"]) == (3, 1, 1)
    assert (county["help_pairs"], county["help_pairs_registered"]) == (3, 2)
    assert selectors.sums(c.townships[1], date_from=days(10))["help_pairs_registered"] == 1
    assert "joint_meetings_held" not in selectors.sums(c.townships[1])
    # Under a campaign: its pairs' help pairs and the villages' own (no pairing) alike.
    other = make_campaign(c.county, slug="other", start_date=days(400))
    assert selectors.sums(c.county, campaign=c.campaign)["help_pairs_registered"] == 2
    assert selectors.sums(c.county, campaign=other)["help_pairs_registered"] == 1


def test_outcome_codes_cannot_take_the_catalogues_or_internal_keys():
    from django.core.exceptions import ValidationError

    from campaigns.models import Indicator

    for code in ("activities", "commitment_rate", "sat_party_org_ok", "joint_meetings_held"):
        with pytest.raises(ValidationError):
            Indicator(code=code, name="新指标", unit="个", kind="outcome").full_clean()
    with pytest.raises(ValidationError):
        Indicator(code="new_count", name="新计数", unit="个", kind="count").full_clean()
    Indicator(code="roads_built", name="修建道路", unit="公里", kind="outcome").full_clean()


def test_importing_new_activities_writes_them_in_bulk_with_history_and_exact_figures(c, tmp_path):
    def run(n, start):
        rows = "\n".join(f"B{start + i},bjlbc,{days(1 + i % 50)},{c.villages[0].code},P0,org_life,导入{i},5,{i % 4}"
                         for i in range(n))
        path = tmp_path / f"b{start}.csv"
        path.write_text("code,campaign,date,unit_code,pairing_code,category,title,participants,households_visited\n"
                        + rows, encoding="utf-8")
        with CaptureQueriesContext(connection) as ctx:
            call_command("import_data", "activities", str(path))
        return len(ctx.captured_queries)

    few, many = run(10, 0), run(80, 1000)
    assert many - few < 10, (few, many)     # per file, not per row
    a = Activity.objects.get(code="B1003")
    assert a.status == "verified" and a.history.get().history_change_reason == "导入活动"
    assert {o.indicator.code: o.value for o in a.outcomes.all()} == {"households_visited": Decimal(3)}
    assert figures(c.villages[0])["activities"] == "90" and figures(c.bureau)["activities"] == "90"
    c.pairs[0].refresh_from_db()
    assert c.pairs[0].last_logged_on == days(1)
    maintained, fresh = from_scratch()
    assert maintained == fresh


def test_rebuild_metrics_command_reports_what_it_fixed(c):
    import io

    act(c, c.villages[0], c.pairs[0], "org_life", {"info_posts": 3})
    Fact.objects.filter(key="info_posts").delete()
    out = io.StringIO()
    call_command("rebuild_metrics", stdout=out)
    assert "修复" in out.getvalue() and figures(c.county)["info_posts"] == "3"
    out = io.StringIO()
    call_command("rebuild_metrics", stdout=out)
    assert "修复 0 条汇总差异" in out.getvalue()
