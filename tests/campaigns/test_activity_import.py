"""``import_data activities`` (CONTRACT.md §3): columns from the indicator catalogue, verified
figures through ``activity_submit``, scope, every error with its row and column, re-import by
code, bulk lookups."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

import campaigns.importers_activities  # noqa: F401  (registers the kind)
from campaigns.models import Activity, ActivityOutcome, Indicator, IndicatorKind, ReviewStatus
from campaigns.policy import LOCK_MESSAGE
from campaigns.services import activity_review
from cobuild.importing import get_kind, run_import, template_bytes
from tests.campaigns.activity_world import World, days, media  # noqa: F401

pytestmark = pytest.mark.django_db

HEADER = "code,campaign,date,unit_code,pairing_code,category,title,participants,households_visited,relief_money"


@pytest.fixture
def w(media):  # noqa: F811
    return World()


def csv(*lines, header=HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def good(w, n=3):
    v, b = w.villages[0].code, w.bureau.code
    rows = [
        f"A1,bjlbc,{days(-30)},{v},P1,org_life,七一主题党日,35,12,2500.5",
        f"A2,bjlbc,{days(-20)},{b},P1,送科技,大豆种植技术培训,48,,",
        f"A3,bjlbc,{days(-10)},{w.villages[1].code},,民主生活会,民主生活会,12,,",
    ]
    return csv(*rows[:n])


def run(data, actor=None, dry_run=False, name="a.csv"):
    return run_import("activities", data, name, actor=actor, dry_run=dry_run)


def errors(result):
    return [(e.row, e.column, e.message) for e in result.errors]


def test_columns_come_from_the_catalogue_and_a_new_indicator_is_a_new_column(w):
    kind = get_kind("activities")
    keys = [c.key for c in kind.get_columns()]
    assert keys[:8] == ["code", "campaign", "date", "unit_code", "pairing_code", "category", "title", "participants"]
    outcome_codes = list(Indicator.objects.filter(kind=IndicatorKind.OUTCOME, active=True)
                         .order_by("order").values_list("code", flat=True))
    assert keys[8:] == outcome_codes and len(outcome_codes) == 18
    Indicator.objects.create(code="trees_planted", name="植树", unit="棵", order=99, kind=IndicatorKind.OUTCOME)
    Indicator.objects.filter(code="demo_bases").update(active=False)
    keys = [c.key for c in get_kind("activities").get_columns()]
    assert "trees_planted" in keys and "demo_bases" not in keys
    wb = load_workbook(BytesIO(template_bytes("activities")))
    assert "植树(棵)" in [c.value for c in wb.active[1]]
    # The new column imports; a column of an inactive indicator is an unknown column.
    result = run(csv(f"A9,bjlbc,{days(-3)},{w.villages[0].code},P1,org_life,植树活动,20,120",
                     header="code,campaign,date,unit_code,pairing_code,category,title,participants,trees_planted"))
    assert result.written, errors(result)
    assert Activity.objects.get(code="A9").outcomes.get().indicator.code == "trees_planted"
    result = run(csv(f"A10,bjlbc,{days(-3)},{w.villages[0].code},P1,org_life,x,1,2",
                     header="code,campaign,date,unit_code,pairing_code,category,title,participants,demo_bases"))
    assert (1, "demo_bases", "无法识别的列名,请使用模板中的列名。") in errors(result)


def test_the_system_imports_verified_activities_with_outcomes(w):
    result = run(good(w))
    assert result.written, errors(result)
    assert (result.created, result.updated) == (3, 0)
    a1, a2, a3 = (Activity.objects.get(code=c) for c in ("A1", "A2", "A3"))
    assert all(a.status == ReviewStatus.VERIFIED and a.author is None for a in (a1, a2, a3))
    assert (a1.unit, a1.pairing, a1.category, a1.participants) == (w.villages[0], w.pairing, "org_life", 35)
    assert {o.indicator.code: o.value for o in a1.outcomes.all()} == {
        "households_visited": Decimal("12"), "relief_money": Decimal("2500.5")}
    assert (a2.unit, a2.pairing, a2.category) == (w.bureau, w.pairing, "tech_to_countryside")
    assert (a3.pairing, a3.category) == (None, "democratic_life_meeting")
    w.pairing.refresh_from_db()
    assert w.pairing.last_logged_on == days(-20)


def test_reimporting_the_same_file_changes_nothing_and_a_change_updates(w):
    assert run(good(w)).written
    again = run(good(w))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    # Imported figures are verified, so locked: a changed row is refused, even for the system.
    changed = good(w).replace(b"35,12,2500.5", b"36,12,2500.5")
    result = run(changed)
    assert not result.written and [(r, c) for r, c, _ in errors(result)] == [(2, "code")]
    assert "更正" in errors(result)[0][2]
    assert Activity.objects.get(code="A1").participants == 35
    # A record still awaiting review is updated (and, by the system, verified).
    Activity.objects.filter(code="A1").update(status=ReviewStatus.SUBMITTED)
    result = run(changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert Activity.objects.get(code="A1").participants == 36
    assert Activity.objects.count() == 3


def test_outcome_columns_left_out_keep_their_values_and_empty_cells_clear_them(w):
    assert run(good(w, 1)).written
    Activity.objects.filter(code="A1").update(status=ReviewStatus.SUBMITTED)  # not yet locked
    header = "code,campaign,date,unit_code,pairing_code,category,title,participants,relief_money"
    v = w.villages[0].code
    result = run(csv(f"A1,bjlbc,{days(-30)},{v},P1,org_life,七一主题党日,35,", header=header))
    assert result.written and result.updated == 1
    values = dict(ActivityOutcome.objects.filter(activity__code="A1").values_list("indicator__code", "value"))
    assert values == {"households_visited": Decimal("12")}
    # No outcome column at all and the same base values: unchanged.
    short = "code,campaign,date,unit_code,pairing_code,category,title,participants"
    result = run(csv(f"A1,bjlbc,{days(-30)},{v},P1,org_life,七一主题党日,35", header=short))
    assert result.unchanged == 1


def test_every_problem_is_reported_with_row_and_column_and_nothing_is_written(w):
    v = w.villages[0].code
    data = csv(
        f"B1,bjlbc,{days(-3)},{v},P1,org_life,好的一行,10,1,",
        f"B2,bjlbc,{days(-3)},{v},P1,跳舞,类别不对,10,,",
        f"B3,bjlbc,{days(-3)},{v},P1,org_life,负数,10,-1,",
        f"B4,bjlbc,{days(-3)},{v},P1,org_life,太多,10,501,",
        f"B5,bjlbc,{days(-3)},{v},P1,org_life,小数,10,1.5,",
        f"B6,bjlbc,{days(3)},{v},P1,org_life,将来,10,,",
        f"B7,bjlbc,{days(-400)},{v},P1,org_life,早于活动开始,10,,",
        f"B8,bjlbc,{days(-3)},NOPE,,org_life,没有这个单位,10,,",
        f"B9,bjlbc,{days(-3)},{w.villages[1].code},P1,org_life,结对不符,10,,",
        f"B10,nope,{days(-3)},{v},,org_life,没有这个活动,10,,",
        f"B11,bjlbc,{days(-3)},{v},,org_life,,abc,,",
    )
    result = run(data)
    assert not result.written and not Activity.objects.exists()
    found = {(row, col) for row, col, _ in errors(result)}
    assert found == {
        (3, "category"), (4, "households_visited"), (5, "households_visited"), (6, "households_visited"),
        (7, "date"), (8, "date"), (9, "unit_code"), (10, "pairing_code"), (11, "campaign"), (12, "title"),
        (12, "participants"),
    }
    messages = {(row, col): msg for row, col, msg in errors(result)}
    assert messages[(4, "households_visited")] == "不能为负数"
    assert messages[(5, "households_visited")] == "走访贫困户:501户超过单次活动的合理上限500户,请核对。"
    assert messages[(6, "households_visited")] == "走访贫困户:请填写整数。"
    assert messages[(7, "date")] == "活动日期不能晚于今天。"
    assert messages[(9, "unit_code")] == "找不到编码为“NOPE”的单位(或不在您的管理范围内)。"


def test_a_township_imports_verified_records_inside_its_scope_only(w):
    t = w.users["township"]
    result = run(good(w, 1), actor=t)
    assert result.written, errors(result)
    assert Activity.objects.get(code="A1").status == ReviewStatus.VERIFIED
    outside = csv(f"C1,bjlbc,{days(-3)},{w.villages[2].code},,org_life,外乡镇,5,,")
    result = run(outside, actor=t)
    assert errors(result) == [(2, "unit_code", f"找不到编码为“{w.villages[2].code}”的单位(或不在您的管理范围内)。")]


def test_a_village_secretary_cannot_import_verified_figures(w):
    result = run(good(w, 1), actor=w.users["village"])
    assert errors(result) == [(2, "unit_code", f"只有县、乡审核人员可以导入“{w.villages[0].name}”的活动。")]


def test_a_verified_record_is_locked_for_every_importer(w):
    a = w.log(title="网上填报")
    activity_review(actor=w.users["township"], activity=a, approve=True)
    line = f"{a.code},bjlbc,{a.date},{w.villages[0].code},P1,org_life,改名,10,,"
    for actor in (w.users["village"], w.users["township"], w.users["county"], None):
        result = run(csv(line), actor=actor)
        assert not result.written
        assert (2, "code", LOCK_MESSAGE) in errors(result), actor
    result = run(csv(line), actor=w.users["township2"])
    assert errors(result) and not result.written  # not in township2's scope
    a.refresh_from_db()
    assert (a.title, a.status) == ("网上填报", ReviewStatus.VERIFIED)
    # The same file again (nothing would change) passes: a re-import is idempotent.
    same = f"{a.code},bjlbc,{a.date},{w.villages[0].code},P1,org_life,网上填报,0,,"
    assert run(csv(same)).unchanged == 1


def test_importing_verified_over_a_submitted_record_is_reviewing_it(w):
    """Verified rows over somebody else's submitted record review it (can_review); over one's
    own it is refused, each with row and column, and nothing is written."""
    theirs = w.log(title="村里填报")
    own = w.log(actor="township", title="乡镇自己填报")
    line = "{code},bjlbc,{date},{unit},P1,org_life,{title},10,,"
    t = w.users["township"]
    result = run(csv(line.format(code=own.code, date=own.date, unit=w.villages[0].code, title="改"),
                     line.format(code=theirs.code, date=theirs.date, unit=w.villages[0].code, title="核实后")),
                 actor=t)
    assert not result.written
    assert [(r, c) for r, c, _ in errors(result)] == [(2, "code")]
    assert "不能审核自己填报的活动" in errors(result)[0][2]
    result = run(csv(line.format(code=theirs.code, date=theirs.date, unit=w.villages[0].code, title="核实后")),
                 actor=t)
    assert result.written, errors(result)
    theirs.refresh_from_db()
    assert (theirs.title, theirs.status, theirs.reviewed_by, theirs.author) == (
        "核实后", ReviewStatus.VERIFIED, t, w.users["village"])
    # New rows imported by a reviewer are their own entry of reviewed figures.
    result = run(csv(f"N1,bjlbc,{days(-3)},{w.villages[0].code},P1,org_life,纸质台账,8,,"), actor=t)
    assert result.written
    new = Activity.objects.get(code="N1")
    assert (new.status, new.author, new.reviewed_by) == (ReviewStatus.VERIFIED, t, t)
    # The bureau's liaison (other side of the pairing) cannot touch the village's record.
    result = run(csv(line.format(code=own.code, date=own.date, unit=w.villages[0].code, title="改")),
                 actor=w.users["bureau"])
    assert not result.written and errors(result)


def test_a_code_taken_outside_the_scope_is_not_revealed(w):
    other = w.log(actor="county", unit=w.villages[2], title="三村")
    line = f"{other.code},bjlbc,{days(-3)},{w.villages[0].code},P1,org_life,撞编码,10,,"
    result = run(csv(line), actor=w.users["township"])
    assert (2, "code", f"编码“{other.code}”不可用,请换一个编码。") in errors(result)


def test_import_data_command_and_chinese_headers(w, tmp_path):
    kind = get_kind("activities")
    headers = {c.key: c.header for c in kind.get_columns()}
    header = ",".join(headers[k] for k in HEADER.split(","))
    path = tmp_path / "activities.csv"
    path.write_bytes("\ufeff".encode() + csv(*good(w).decode().splitlines()[1:], header=header))
    out, err = StringIO(), StringIO()
    call_command("import_data", "activities", str(path), "--dry-run", stdout=out, stderr=err)
    assert not Activity.objects.exists()
    call_command("import_data", "activities", str(path), stdout=out, stderr=err)
    assert Activity.objects.count() == 3


def test_validation_uses_bulk_lookups(w):
    """The same number of queries to check 3 rows and 60 rows (dry run)."""

    def count(n):
        rows = [f"D{i},bjlbc,{days(-3)},{w.villages[i % 2].code},{'P1' if i % 2 == 0 else ''},org_life,活动{i},5,1,"
                for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            result = run(csv(*rows), actor=w.users["township"], dry_run=True)
        assert result.ok, errors(result)[:3]
        return len(ctx.captured_queries)

    count(1)  # the actor's grants are loaded once and cached on the user
    assert count(3) == count(60)
    # And with existing records (awaiting review, so not locked) to compare against.
    assert run(csv(*[f"D{i},bjlbc,{days(-3)},{w.villages[0].code},P1,org_life,活动{i},5,1," for i in range(60)])).written
    Activity.objects.filter(code__startswith="D").update(status=ReviewStatus.SUBMITTED)
    assert count(3) == count(60)


def test_web_import_preview_and_confirm(client, w):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(w.users["county"])
    r = client.get(reverse("organizations:import_upload", args=["activities"]))
    assert r.status_code == 200 and "走访贫困户(户)" in r.text
    r = client.post(reverse("organizations:import_upload", args=["activities"]),
                    {"file": SimpleUploadedFile("activities.csv", good(w, 2))})
    assert r.status_code == 302
    preview = client.get(r.url)
    assert preview.status_code == 200 and "七一主题党日" in preview.text and "2500.5" in preview.text
    assert "检查通过" in preview.text, [str(e) for e in preview.context["result"].errors]
    job_pk = int(r.url.rstrip("/").rsplit("/", 1)[-1])
    r = client.post(reverse("organizations:import_confirm", args=[job_pk]))
    assert r.status_code == 302
    assert set(Activity.objects.values_list("code", "status")) == {("A1", "verified"), ("A2", "verified")}
