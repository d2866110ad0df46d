"""``import_data commitments`` (CONTRACT.md §3): through commitment_save, all or nothing,
idempotent by code, scoped for web users, bulk lookups."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Commitment, CommitmentStatus
from cobuild.importing import get_kind, run_import, template_workbook
from pairings import ledger
from pairings.services import pairing_save
from tests.clock import today

from .commitment_world import World, days

pytestmark = pytest.mark.django_db

HEADER = "code,campaign,unit_code,pairing_code,content,made_on,due_date,status,completed_on\n"


@pytest.fixture
def w():
    return World()


def good_file(w):
    v0, v1, b = w.villages[0].code, w.villages[1].code, w.bureau.code
    return HEADER + "\n".join([
        f"C1,bjlbc,{v0},,修建村文化广场,{days(-200)},{days(-20)},done,{days(-30)}",
        f"C2,bjlbc,{v0},P1,硬化村道两公里,{days(-200)},{days(-10)},in_progress,",
        f"C3,bjlbc,{b},P1,协调农业贷款,{days(-150)},{days(60)},已完成,{days(-3)}",
        f"C4,bjlbc,{v1},,建立志愿服务队,{days(-100)},,推进中,",
        f"C5,bjlbc,{v1},,已撤销的承诺,{days(-100)},,cancelled,",
    ]) + "\n"


def run(text, actor=None, dry_run=False, name="commitments.csv"):
    return run_import("commitments", text.encode("utf-8"), name, actor=actor, dry_run=dry_run)


def command(path, *extra):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", "commitments", str(path), *extra, stdout=out, stderr=err)
    except CommandError as exc:
        return 1, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_the_kind_is_registered_with_the_contract_columns():
    kind = get_kind("commitments")
    assert [c.key for c in kind.get_columns()] == [
        "code", "campaign", "unit_code", "pairing_code", "content", "made_on", "due_date", "status", "completed_on"]
    assert [c.key for c in kind.get_columns() if c.required] == [
        "code", "campaign", "unit_code", "content", "made_on", "status"]
    wb = template_workbook("commitments")
    assert wb.active["A1"].value == "承诺编码"


def test_good_file_creates_and_second_run_changes_nothing(w, tmp_path):
    path = tmp_path / "commitments.csv"
    path.write_bytes(b"\xef\xbb\xbf" + good_file(w).encode("utf-8"))
    code, out, err = command(path)
    assert code == 0, err
    assert "created 5" in out
    assert Commitment.objects.count() == 5
    c1, c2, c3, c4 = (Commitment.objects.get(code=f"C{i}") for i in range(1, 5))
    assert (c1.status, c1.completed_on, c1.pairing) == (CommitmentStatus.DONE, days(-30), None)
    assert (c2.status, c2.pairing, c2.due_date) == (CommitmentStatus.IN_PROGRESS, w.pairing, days(-10))
    assert (c3.unit, c3.status, c3.completed_on) == (w.bureau, CommitmentStatus.DONE, days(-3))
    assert c4.status == CommitmentStatus.IN_PROGRESS and c4.due_date is None
    assert c2.is_overdue
    code, out, err = command(path)
    assert code == 0 and "unchanged 5" in out
    assert Commitment.objects.count() == 5
    assert all(c.version == 1 for c in Commitment.objects.all())
    # The imported commitments join the pairing's ledger, but keep no pair active (only activities do).
    w.pairing.refresh_from_db()
    assert [e.obj for e in ledger.entries(w.pairing) if e.source.key == "commitments"] == [c3, c2]
    assert w.pairing.last_logged_on is None and w.pairing.silence() == "red"


def test_reimport_updates_by_code(w):
    assert run(good_file(w)).written
    changed = good_file(w).replace("in_progress,\nC3", f"done,{days(-1)}\nC3")
    result = run(changed)
    assert result.written and (result.created, result.updated, result.unchanged) == (0, 1, 4)
    c2 = Commitment.objects.get(code="C2")
    assert (c2.status, c2.completed_on, c2.version) == (CommitmentStatus.DONE, days(-1), 2)


def test_columns_left_out_keep_stored_values(w):
    assert run(good_file(w)).written
    text = (f"code,campaign,unit_code,content,made_on,status\n"
            f"C2,bjlbc,{w.villages[0].code},硬化村道三公里,{days(-200)},in_progress\n")
    result = run(text)
    assert result.written and result.updated == 1
    c2 = Commitment.objects.get(code="C2")
    assert (c2.content, c2.pairing, c2.due_date) == ("硬化村道三公里", w.pairing, days(-10))


def test_one_bad_row_writes_nothing_and_names_row_and_column(w, tmp_path):
    bad = good_file(w).replace(f"C4,bjlbc,{w.villages[1].code},,建立志愿服务队,{days(-100)},,推进中,",
                               f"C4,bjlbc,{w.villages[1].code},,建立志愿服务队,{days(-100)},,done,")
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    code, out, err = command(path)
    assert code == 1
    assert "row 5, column completed_on:" in err
    assert not Commitment.objects.exists()


@pytest.mark.parametrize("row, column, message", [
    ("X1,bjlbc,{v},,内容,{made},{before},pending,", "due_date", "承诺时限不能早于承诺日期"),
    ("X1,bjlbc,{v},,内容,{made},,done,{before}", "completed_on", "完成日期不能早于承诺日期"),
    ("X1,bjlbc,{v},,内容,{made},,done,{future}", "completed_on", "完成日期不能晚于今天"),
    ("X1,nope,{v},,内容,{made},,pending,", "campaign", "找不到"),
    ("X1,bjlbc,NOPE,,内容,{made},,pending,", "unit_code", "找不到"),
    ("X1,bjlbc,{v},P2,内容,{made},,pending,", "pairing_code", "不是该结对"),
    ("X1,bjlbc,{v},,内容,{made},,finished,", "status", "不是可用的类型"),
    ("X1,bjlbc,{v},,内容,2024/3/1,,pending,", "made_on", "日期格式"),
    ("X1,bjlbc,{v},,,{made},,pending,", "content", "必填"),
])
def test_row_errors(w, row, column, message):
    text = HEADER + row.format(v=w.villages[0].code, made=days(-50), before=days(-60), future=days(2)) + "\n"
    result = run(text)
    assert not result.written and not Commitment.objects.exists()
    errors = [str(e) for e in result.errors]
    assert any(e.startswith(f"row 2, column {column}:") and message in e for e in errors), errors


def test_duplicate_codes_in_the_file(w):
    text = good_file(w) + f"C1,bjlbc,{w.villages[0].code},,又一次,{days(-5)},,pending,\n"
    result = run(text)
    assert not result.written
    assert any(str(e).startswith("row 7, column code:") for e in result.errors)


def test_chinese_headers_and_status_labels(w):
    text = ("承诺编码,活动代码,承诺单位编码,承诺内容,承诺日期,状态,完成日期\n"
            f"Z1,bjlbc,{w.villages[0].code},送技术下乡,{days(-20)},已取消,\n"
            f"Z2,bjlbc,{w.villages[0].code},帮扶困难户,{days(-20)},已办结,{days(-2)}\n"
            f"Z3,bjlbc,{w.villages[0].code},培训党员,{days(-20)},未开始,\n")
    result = run(text)
    assert result.written, [str(e) for e in result.errors]
    statuses = dict(Commitment.objects.values_list("code", "status"))
    assert statuses == {"Z1": "cancelled", "Z2": "done", "Z3": "pending"}


def test_dry_run_writes_nothing(w, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(good_file(w), encoding="utf-8")
    code, out, _ = command(path, "--dry-run")
    assert code == 0 and "would create 5" in out
    assert not Commitment.objects.exists()


def test_web_user_is_limited_to_their_scope(w):
    township = w.users["township"]
    # The first township holds villages 0 and 1; the bureau is outside it.
    text = HEADER + (f"T1,bjlbc,{w.villages[0].code},,一村承诺,{days(-20)},,pending,\n"
                     f"T2,bjlbc,{w.villages[2].code},,三村承诺,{days(-20)},,pending,\n"
                     f"T3,bjlbc,{w.bureau.code},,局承诺,{days(-20)},,pending,\n")
    result = run(text, actor=township)
    errors = [str(e) for e in result.errors]
    assert not result.written
    assert any(e.startswith("row 3, column unit_code:") and "找不到" in e for e in errors)
    assert any(e.startswith("row 4, column unit_code:") for e in errors)
    assert not any(e.startswith("row 2,") for e in errors)
    # A code taken outside the scope reads as taken, not as something to update.
    run(HEADER + f"FAR,bjlbc,{w.villages[2].code},,三村承诺,{days(-20)},,pending,\n")
    result = run(HEADER + f"FAR,bjlbc,{w.villages[0].code},,改写,{days(-20)},,pending,\n", actor=township)
    assert any("不可用,请换一个编码" in str(e) for e in result.errors)
    assert Commitment.objects.get(code="FAR").unit == w.villages[2]


def test_inspector_and_viewer_cannot_import_commitments(w):
    text = HEADER + f"I1,bjlbc,{w.villages[0].code},,承诺,{days(-20)},,pending,\n"
    for role in ("inspector", "viewer"):
        result = run(text, actor=w.users[role])
        assert not result.written
        assert any("没有权限" in str(e) for e in result.errors)


def test_lookups_are_in_bulk(w):
    """The validation pass costs the same number of queries for 5 rows and for 200."""
    extra = []
    for i in range(3, 40):
        v = w.villages[i % 4]
        extra.append(f"B{i},bjlbc,{v.code},,承诺{i},{days(-90)},{days(10)},pending,")
    bureau_pairing, _ = pairing_save(actor=None, code="P3", campaign=w.campaign, bureau=w.bureau,
                                     village=w.villages[1], start_date=days(-100))
    extra.append(f"B99,bjlbc,{w.bureau.code},P3,给二村的承诺,{days(-90)},,pending,")

    def queries(text):
        with CaptureQueriesContext(connection) as ctx:
            result = run(text, actor=w.users["county"], dry_run=True)
        assert result.ok, [str(e) for e in result.errors]
        return len(ctx.captured_queries)

    queries(good_file(w))  # loads the actor's grants once (cached on the user)
    few = queries(good_file(w))
    many = queries(good_file(w) + "\n".join(extra) + "\n")
    assert few == many and bureau_pairing.pk


def test_completed_date_today_is_fine(w):
    text = HEADER + f"D1,bjlbc,{w.villages[0].code},,今天完成,{days(-20)},,done,{today()}\n"
    assert run(text).written


def test_each_side_of_a_pairing_imports_only_its_own_commitments(w):
    """The importer obeys the service's rule (commitment_refusals) in both directions, per row
    and column, and writes nothing when a row is refused."""
    v, b, p = w.villages[0].code, w.bureau.code, w.pairing.code
    made = days(-10)
    mine = f"K1,{w.campaign.slug},{b},{p},局的承诺,{made},,pending,"
    theirs = f"K2,{w.campaign.slug},{v},{p},替村承诺,{made},,pending,"
    result = run(HEADER + mine + "\n" + theirs + "\n", actor=w.users["bureau"])
    assert not result.written and not Commitment.objects.exists()
    assert [(e.row, e.column) for e in result.errors] == [(3, "unit_code")]
    assert run(HEADER + mine + "\n", actor=w.users["bureau"]).written
    # The village cannot rewrite (or cancel) the bureau's commitment by import either.
    cancel = f"K1,{w.campaign.slug},{b},{p},局的承诺,{made},,cancelled,"
    result = run(HEADER + cancel + "\n", actor=w.users["village"])
    assert not result.written and result.errors
    assert Commitment.objects.get(code="K1").status == CommitmentStatus.PENDING
