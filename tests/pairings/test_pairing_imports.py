"""``import_data campaigns|pairings|inspections`` (CONTRACT.md §2, §3) and the same kinds on the web."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from campaigns.models import Campaign
from cobuild.importing import run_import, template_workbook
from organizations.models import Role, UnitKind
from pairings import ledger
from pairings.models import Inspection, Pairing, PairingStatus
from tests.factories import make_campaign, make_user
from tests.pairings.world import days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """Two counties: X (townships T1, T2; villages V1, V2 in T1, V3 in T2; bureaus B1, B2) and Y."""
    from organizations import services

    def unit(code, kind, parent=None):
        return services.unit_save(actor=None, code=code, name=f"单位{code}", kind=kind, parent=parent)[0]

    p = unit("P", UnitKind.PROVINCE)
    c = unit("C", UnitKind.CITY, p)
    x = unit("X", UnitKind.COUNTY, c)
    t1, t2 = unit("T1", UnitKind.TOWNSHIP, x), unit("T2", UnitKind.TOWNSHIP, x)
    y = unit("Y", UnitKind.COUNTY, c)
    ty = unit("TY", UnitKind.TOWNSHIP, y)
    return {"P": p, "C": c, "X": x, "T1": t1, "T2": t2, "Y": y,
            "V1": unit("V1", UnitKind.VILLAGE, t1), "V2": unit("V2", UnitKind.VILLAGE, t1),
            "V3": unit("V3", UnitKind.VILLAGE, t2), "VY": unit("VY", UnitKind.VILLAGE, ty),
            "B1": unit("B1", UnitKind.BUREAU, x), "B2": unit("B2", UnitKind.SCHOOL, x),
            "BY": unit("BY", UnitKind.BUREAU, y)}


def csv(text: str) -> bytes:
    return text.strip().encode("utf-8") + b"\n"


def run(kind, text, actor=None, dry_run=False):
    return run_import(kind, csv(text), "data.csv", actor=actor, dry_run=dry_run)


def errors(result):
    return [str(e) for e in result.errors]


def command(tmp_path, kind, text, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(csv(text))
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", kind, str(path), stdout=out, stderr=err)
        code = 0
    except CommandError:
        code = 1
    return code, out.getvalue(), err.getvalue()


CAMPAIGNS = """
slug,name,owner_unit_code,start_date,end_date
bjlbc,百局联百村,X,2024-01-01,
shoulashou,城乡手拉手,X,2024-03-01,2024-12-31
"""

PAIRINGS = """
code,campaign,bureau_code,village_code,start_date,end_date
PA,bjlbc,B1,V1,2024-02-01,
PB,bjlbc,B2,V3,2024-02-01,
"""


@pytest.fixture
def campaigns(tree):
    r = run("campaigns", CAMPAIGNS)
    assert r.ok, errors(r)
    return r


@pytest.fixture
def pairs(campaigns):
    r = run("pairings", PAIRINGS)
    assert r.ok, errors(r)
    return r


# --- campaigns -----------------------------------------------------------------------------------

def test_campaigns_file_creates_and_twice_changes_nothing(tmp_path, tree):
    code, out, err = command(tmp_path, "campaigns", CAMPAIGNS)
    assert code == 0, err
    c = Campaign.objects.get(slug="shoulashou")
    assert c.name == "城乡手拉手" and c.owner_unit == tree["X"] and str(c.end_date) == "2024-12-31"
    code, out, err = command(tmp_path, "campaigns", CAMPAIGNS)
    assert code == 0 and Campaign.objects.count() == 2
    assert run("campaigns", CAMPAIGNS).unchanged == 2
    changed = CAMPAIGNS.replace("城乡手拉手", "城乡手拉手活动")
    r = run("campaigns", changed)
    assert r.updated == 1 and Campaign.objects.get(slug="shoulashou").name == "城乡手拉手活动"


def test_campaign_errors_write_nothing(tmp_path, tree):
    bad = """
slug,name,owner_unit_code,start_date,end_date
ok-one,好的,X,2024-01-01,
bad slug,坏的,X,2024-01-01,
late,晚的,NOPE,2024-05-01,2024-04-01
"""
    code, out, err = command(tmp_path, "campaigns", bad)
    assert code == 1 and Campaign.objects.count() == 0
    lines = err.strip().splitlines()
    assert "row 3, column slug: " in lines[0]
    assert any(line.startswith("row 4, column owner_unit_code: 找不到") for line in lines)
    assert any(line.startswith("row 4, column end_date: ") for line in lines)


def test_campaign_owner_outside_the_scope_reads_as_not_found(tree):
    admin = make_user("x", Role.COUNTY_ADMIN, tree["X"])
    r = run("campaigns", "slug,name,owner_unit_code,start_date\nyy,邻县活动,Y,2024-01-01", actor=admin)
    assert errors(r) == ["row 2, column owner_unit_code: 找不到编码为“Y”的主办单位(或不在您的管理范围内)。"]
    township = make_user("t", Role.TOWNSHIP_STAFF, tree["T1"])
    r = run("campaigns", "slug,name,owner_unit_code,start_date\ntt,镇活动,T1,2024-01-01", actor=township)
    assert not r.ok and r.errors[0].column == "owner_unit_code"
    r = run("campaigns", "slug,name,owner_unit_code,start_date\nxx,县活动,X,2024-01-01", actor=admin)
    assert r.ok and r.created == 1


# --- pairings ------------------------------------------------------------------------------------

def test_pairings_file_creates_and_twice_creates_no_duplicates(tmp_path, campaigns, tree):
    code, out, err = command(tmp_path, "pairings", PAIRINGS)
    assert code == 0, err
    pa = Pairing.objects.select_related("campaign", "bureau", "village").get(code="PA")
    assert (pa.campaign.slug, pa.bureau, pa.village, str(pa.start_date)) == ("bjlbc", tree["B1"], tree["V1"],
                                                                            "2024-02-01")
    assert pa.status == PairingStatus.ACTIVE
    code, out, err = command(tmp_path, "pairings", PAIRINGS)
    assert code == 0 and Pairing.objects.count() == 2
    assert pa.history.count() == 1  # the second import changed nothing
    r = run("pairings", PAIRINGS.replace("PB,bjlbc,B2,V3,2024-02-01,", "PB,bjlbc,B2,V3,2024-02-01,2024-06-30"))
    assert r.updated == 1 and Pairing.objects.get(code="PB").status == PairingStatus.ENDED


def test_chinese_headers_extra_columns_and_xlsx(campaigns, tree):
    wb = Workbook()
    ws = wb.active
    ws.append(["结对编码", "活动代码", "帮建单位编码", "结对村编码", "开始日期", "单位联系人", "单位联系电话",
               "村联系人", "村联系电话", "共建目标"])
    ws.append(["PC", "bjlbc", "B1", "V2", "2024-03-01", "王明", "13800000001", "李华", "13900000001", "建合作社"])
    buf = io.BytesIO()
    wb.save(buf)
    r = run_import("pairings", buf.getvalue(), "pairs.xlsx")
    assert r.ok, errors(r)
    pc = Pairing.objects.get(code="PC")
    assert (pc.bureau_contact, pc.bureau_phone, pc.village_contact, pc.village_phone, pc.goals) == (
        "王明", "13800000001", "李华", "13900000001", "建合作社")
    # A file without the contact columns keeps them.
    r = run("pairings", "code,campaign,bureau_code,village_code,start_date\nPC,bjlbc,B1,V2,2024-03-01")
    assert r.unchanged == 1
    pc.refresh_from_db()
    assert pc.bureau_contact == "王明"


def test_template_has_the_contract_columns_with_chinese_headers():
    wb = template_workbook("pairings")
    headers = [c.value for c in wb.active[1]]
    assert headers[:6] == ["结对编码", "活动代码", "帮建单位编码", "结对村编码", "开始日期", "结束日期"]
    notes = [row[1] for row in wb["说明"].iter_rows(min_row=2, max_row=7, values_only=True)]
    assert notes == ["code", "campaign", "bureau_code", "village_code", "start_date", "end_date"]
    buf = io.BytesIO()
    template_workbook("inspections").save(buf)
    assert [c.value for c in load_workbook(buf).active[1]][:6] == [
        "督查编码", "活动代码", "走访地点编码", "结对编码", "日期", "类型"]


def test_one_bad_pairing_row_writes_nothing_and_names_row_and_column(tmp_path, campaigns, tree):
    bad = """
code,campaign,bureau_code,village_code,start_date,end_date
PA,bjlbc,B1,V1,2024-02-01,
PX,bjlbc,V2,V3,2024-02-01,
PY,bjlbc,B1,T1,2024-02-01,
PZ,nope,B2,V2,2024-02-01,2024-01-01
PW,bjlbc,B1,V1,2024-13-01,
"""
    code, out, err = command(tmp_path, "pairings", bad)
    assert code == 1 and Pairing.objects.count() == 0
    lines = err.strip().splitlines()
    assert any(line.startswith("row 3, column bureau_code: ") and "帮建单位必须是" in line for line in lines)
    assert any(line.startswith("row 4, column village_code: ") and "结对对象必须是" in line for line in lines)
    assert any(line.startswith("row 5, column campaign: 找不到") for line in lines)
    assert any(line.startswith("row 5, column end_date: ") for line in lines)
    assert any(line.startswith("row 6, column start_date: ") for line in lines)
    assert any(line.startswith("row 6, column village_code: ") and "第2行" in line for line in lines)


def test_a_pair_already_taken_under_another_code_is_an_error(pairs):
    r = run("pairings", "code,campaign,bureau_code,village_code,start_date\nPA2,bjlbc,B1,V1,2024-02-01")
    assert errors(r) == ["row 2, column village_code: 该活动中这两个单位已经结对(结对编码“PA”)。"]


def test_out_of_scope_codes_read_as_not_found(campaigns, tree):
    make_campaign(tree["Y"], slug="ycamp")
    admin = make_user("x", Role.COUNTY_ADMIN, tree["X"])
    r = run("pairings", """
code,campaign,bureau_code,village_code,start_date
PA,bjlbc,BY,VY,2024-02-01
PQ,ycamp,B1,V1,2024-02-01
""", actor=admin)
    assert set(errors(r)) == {
        "row 2, column bureau_code: 找不到编码为“BY”的帮建单位(或不在您的管理范围内)。",
        "row 2, column village_code: 找不到编码为“VY”的结对村(社区)(或不在您的管理范围内)。",
        "row 3, column campaign: 找不到编码为“ycamp”的活动(或不在您的管理范围内)。",
    }
    assert Pairing.objects.count() == 0
    r = run("pairings", PAIRINGS, actor=admin)
    assert r.ok and r.created == 2


def test_only_county_admins_import_pairings(campaigns, tree):
    township = make_user("t", Role.TOWNSHIP_STAFF, tree["X"])
    r = run("pairings", PAIRINGS, actor=township)
    assert not r.ok and Pairing.objects.count() == 0
    assert {e.column for e in r.errors} == {"bureau_code", "village_code"}


def test_a_pair_code_outside_the_scope_cannot_be_overwritten(pairs, tree):
    admin_y = make_user("y", Role.COUNTY_ADMIN, tree["Y"])
    make_campaign(tree["Y"], slug="ycamp")
    r = run("pairings", "code,campaign,bureau_code,village_code,start_date\nPA,ycamp,BY,VY,2024-02-01",
            actor=admin_y)
    assert errors(r) == ["row 2, column code: 编码“PA”不可用,请换一个编码。"]


# --- inspections ---------------------------------------------------------------------------------

INSPECTIONS = """
code,campaign,unit_code,pairing_code,held_on,kind,visitors,inspector,findings
I1,bjlbc,V1,PA,{d1},领导联系点走访,3,王常委,群众满意
I2,bjlbc,B2,PB,{d2},inspection,,督查组,台帐不全
I3,bjlbc,V2,,{d2},督查,2,,
"""


def inspections_file():
    return INSPECTIONS.format(d1=days_ago(5).isoformat(), d2=days_ago(40).isoformat())


def test_inspections_file_creates_and_twice_creates_no_duplicates(tmp_path, pairs, tree):
    code, out, err = command(tmp_path, "inspections", inspections_file())
    assert code == 0, err
    i1 = Inspection.objects.get(code="I1")
    assert (i1.kind, i1.visitors, i1.inspector, i1.unit, i1.pairing.code) == (
        "leader_visit", 3, "王常委", tree["V1"], "PA")
    i2 = Inspection.objects.get(code="I2")
    assert (i2.kind, i2.visitors, i2.pairing.code) == ("inspection", 1, "PB")  # visitors default 1
    assert Inspection.objects.get(code="I3").pairing is None
    # The pairs' ledgers follow; their silence marks do not (an inspection is no co-building activity).
    pa = Pairing.objects.get(code="PA")
    assert [e.obj for e in ledger.entries(pa)] == [i1]
    assert pa.last_logged_on is None and pa.silence() == "red"
    code, out, err = command(tmp_path, "inspections", inspections_file())
    assert code == 0 and Inspection.objects.count() == 3
    assert run("inspections", inspections_file()).unchanged == 3


def test_inspection_errors(tmp_path, pairs, tree):
    bad = f"""
code,campaign,unit_code,pairing_code,held_on,kind,visitors
I1,bjlbc,V2,PA,{days_ago(3)},leader_visit,1
I2,bjlbc,V1,PA,{days_ago(3)},visit,0
I3,bjlbc,V1,NOPE,03/05/2024,leader_visit,x
I4,bjlbc,V1,PA,{days_ago(-2)},leader_visit,1
"""
    code, out, err = command(tmp_path, "inspections", bad)
    assert code == 1 and Inspection.objects.count() == 0
    lines = err.strip().splitlines()
    assert any(line.startswith("row 2, column pairing_code: ") and "不是结对" in line for line in lines)
    assert any(line.startswith("row 3, column kind: ") for line in lines)
    assert any(line.startswith("row 3, column visitors: 人次至少为1") for line in lines)
    assert any(line.startswith("row 4, column pairing_code: 找不到") for line in lines)
    assert any(line.startswith("row 4, column held_on: ") for line in lines)
    assert any(line.startswith("row 4, column visitors: ") for line in lines)
    assert "row 5, column held_on: 日期不能晚于今天。" in lines


def test_inspections_scope_and_roles(pairs, tree):
    inspector = make_user("i", Role.INSPECTOR, tree["T1"])
    text = f"""
code,campaign,unit_code,pairing_code,held_on,kind
I1,bjlbc,V1,PA,{days_ago(3)},leader_visit
I2,bjlbc,V3,PB,{days_ago(3)},inspection
"""
    r = run("inspections", text, actor=inspector)
    # V3 and PB are outside a T1 inspector's scope: not found; nothing written.
    assert set(errors(r)) == {"row 3, column unit_code: 找不到编码为“V3”的走访/检查地点(或不在您的管理范围内)。",
                              "row 3, column pairing_code: 找不到编码为“PB”的结对(或不在您的管理范围内)。"}
    assert Inspection.objects.count() == 0
    secretary = make_user("v", Role.VILLAGE_SECRETARY, tree["V1"])
    first_row = "\n".join(text.strip().splitlines()[:2])
    r = run("inspections", first_row, actor=secretary)
    assert not r.ok and r.errors[0].column == "unit_code"
    r = run("inspections", first_row, actor=inspector)
    assert r.ok and r.created == 1


# --- the web import page serves the same kinds ---------------------------------------------------

def test_web_import_of_pairings(client, campaigns, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from organizations.models import ImportJob

    client.force_login(make_user("x", Role.COUNTY_ADMIN, tree["X"]))
    r = client.get(reverse("organizations:import"))
    assert "结对共建" in r.text and "督查走访" in r.text and "共建活动批次" in r.text
    r = client.get(reverse("organizations:import_template", args=["pairings"]))
    assert [c.value for c in load_workbook(io.BytesIO(r.content)).active[1]][:2] == ["结对编码", "活动代码"]
    r = client.post(reverse("organizations:import_upload", args=["pairings"]),
                    {"file": SimpleUploadedFile("pairs.csv", csv(PAIRINGS), content_type="text/csv")})
    job = ImportJob.objects.get()
    assert r.status_code == 302 and Pairing.objects.count() == 0
    assert "检查通过" in client.get(r.url).text
    client.post(reverse("organizations:import_confirm", args=[job.pk]))
    assert set(Pairing.objects.values_list("code", flat=True)) == {"PA", "PB"}
