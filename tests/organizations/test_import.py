"""The shared importer: the ``import_data`` command and the web import page (CONTRACT.md §2, §3)."""

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cobuild import importing
from cobuild.importing import run_import, template_workbook
from organizations import services
from organizations.models import ImportJob, ImportStatus, Organization, OrgKind, Role, Unit, UnitKind

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# Local helpers


def unit(code, kind, parent=None, name=None):
    return services.unit_save(actor=None, code=code, name=name or code, kind=kind, parent=parent)[0]


def org(code, kind, at, led_by=None, members=10):
    return services.organization_save(actor=None, code=code, name=code, kind=kind, unit=at,
                                      led_by=led_by, members=members)[0]


def user_with(username, role, at):
    user, _, _ = services.role_grant(actor=None, username=username, role=role, unit=at)
    return user


@pytest.fixture
def tree():
    """Province > city > county > two townships (T1, T2)."""
    p = unit("P", UnitKind.PROVINCE)
    c = unit("C", UnitKind.CITY, p)
    x = unit("X", UnitKind.COUNTY, c)
    return {"P": p, "C": c, "X": x, "T1": unit("T1", UnitKind.TOWNSHIP, x),
            "T2": unit("T2", UnitKind.TOWNSHIP, x)}


def csv_bytes(text, bom=False):
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def write(tmp_path, name, text, bom=False):
    path = tmp_path / name
    path.write_bytes(csv_bytes(text, bom))
    return str(path)


def xlsx_bytes(rows):
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return 1, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


UNITS = """code,name,kind,parent_code
P,测试省,province,
C,测试市,city,P
X,测试县,county,C
T1,第一镇,township,X
V1,一村,village,T1
V2,二村,village,T1
"""


# ---------------------------------------------------------------------------------------------
# Command: units


def test_units_file_creates_the_tree_with_paths(tmp_path):
    code, out, err = run_command("units", write(tmp_path, "units.csv", UNITS))
    assert code == 0, err
    assert "created 6" in out
    units = {u.code: u for u in Unit.objects.all()}
    assert set(units) == {"P", "C", "X", "T1", "V1", "V2"}
    assert units["P"].path == f"/{units['P'].pk}/" and units["P"].depth == 0
    assert units["V1"].path == f"{units['T1'].path}{units['V1'].pk}/" and units["V1"].depth == 4
    assert units["V1"].parent == units["T1"]
    assert list(Unit.objects.subtree(units["X"]).values_list("code", flat=True)) == ["X", "T1", "V1", "V2"]


def test_importing_twice_creates_no_duplicates(tmp_path):
    path = write(tmp_path, "units.csv", UNITS)
    assert run_command("units", path)[0] == 0
    before = Unit.objects.count()
    code, out, _ = run_command("units", path)
    assert code == 0
    assert Unit.objects.count() == before == 6
    assert "created 0, updated 0, unchanged 6" in out
    # A changed name is an update of the same record.
    code, out, _ = run_command("units", write(tmp_path, "u2.csv", UNITS.replace("一村", "第一村")))
    assert code == 0 and "created 0, updated 1, unchanged 5" in out
    assert Unit.objects.get(code="V1").name == "第一村" and Unit.objects.count() == 6


def test_one_bad_row_writes_nothing_and_names_row_and_column(tmp_path):
    bad = UNITS.replace("C,测试市,city,P", "C,测试市,town,P")
    code, out, err = run_command("units", write(tmp_path, "bad.csv", bad))
    assert code == 1
    assert "row 3, column kind: " in err
    assert Unit.objects.count() == 0


def test_exit_code_is_1_and_every_error_is_printed(tmp_path, capsys, monkeypatch):
    from django.db import connections

    # run_from_argv closes the connections when it ends; keep the test's transaction open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    bad = UNITS.replace("C,测试市,city,P", "C,测试市,town,P").replace("V2,二村,village,T1", "V2,二村,village,NOPE")
    with pytest.raises(SystemExit) as exc:
        ManagementUtility(["manage.py", "import_data", "units", write(tmp_path, "bad.csv", bad)]).execute()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "row 3, column kind: " in err
    assert "row 7, column parent_code: 找不到编码为“NOPE”的上级单位" in err
    assert Unit.objects.count() == 0


def test_all_kinds_of_bad_cells_are_reported(tmp_path, tree):
    text = """code,name,kind,parent_code
N1,新镇,township,P
N2,,village,T1
N3,三村,village,T1
N3,重复,village,T1
N4,四村,village,
NEW-PROVINCE,,,
N5 X,村,village,T1
""" + "L" * 65 + """,长编码,village,T1
"""
    result = run_import("units", csv_bytes(text), "u.csv")
    got = {(e.row, e.column) for e in result.errors}
    assert (2, "parent_code") in got  # township under a province
    assert (3, "name") in got  # required
    assert (5, "code") in got  # duplicate in the file
    assert (6, "parent_code") in got  # a village needs a parent
    assert (7, "name") in got and (7, "kind") in got
    assert (8, "code") in got  # space in code
    assert (9, "code") in got  # longer than 64
    assert not result.written and Unit.objects.count() == 5


def test_chinese_headers_and_labels_are_accepted(tmp_path):
    text = "单位编码,单位名称,单位类型,上级单位编码\nP,测试省,省,\nC,测试市,市/盟,P\nX,测试县,县级市,C\nT,镇,街道,X\n"
    code, out, err = run_command("units", write(tmp_path, "zh.csv", text))
    assert code == 0, err
    assert dict(Unit.objects.values_list("code", "kind")) == {
        "P": "province", "C": "city", "X": "county", "T": "township"}


def test_bom_is_accepted(tmp_path):
    code, _, err = run_command("units", write(tmp_path, "bom.csv", UNITS, bom=True))
    assert code == 0, err
    assert Unit.objects.filter(code="P").exists()  # not "\ufeffcode" as a header


def test_xlsx_is_accepted(tmp_path):
    rows = [line.split(",") for line in UNITS.strip().splitlines()]
    path = tmp_path / "units.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    code, out, err = run_command("units", str(path))
    assert code == 0, err
    assert Unit.objects.count() == 6


def test_filled_in_template_imports(tmp_path):
    wb = template_workbook("units")
    assert [c.value for c in wb.active[1]] == ["单位编码", "单位名称", "单位类型", "上级单位编码"]
    assert "说明" in wb.sheetnames
    notes = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "parent_code" in notes and "行政村/嘎查" in notes and "示例" in notes
    wb.active.append(["P", "测试省", "省", None])
    wb.active.append([])  # an empty row is ignored
    wb.active.append(["C", "测试市", "city", "P"])
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    code, _, err = run_command("units", str(path))
    assert code == 0, err
    assert Unit.objects.get(code="C").parent.code == "P"


def test_parent_defined_earlier_in_the_same_file(tree):
    text = "code,name,kind,parent_code\nT9,新镇,township,X\nV9,新村,village,T9\n"
    result = run_import("units", csv_bytes(text), "u.csv")
    assert result.ok and result.written and result.created == 2
    v9 = Unit.objects.get(code="V9")
    assert v9.parent.code == "T9" and v9.path.startswith(tree["X"].path)


def test_parent_defined_later_in_the_file_is_an_error(tree):
    text = "code,name,kind,parent_code\nV9,新村,village,T9\nT9,新镇,township,X\n"
    result = run_import("units", csv_bytes(text), "u.csv")
    assert [str(e) for e in result.errors] == [
        "row 2, column parent_code: 上级单位“T9”在文件中位于第3行,请把它移到本行之前。"]
    assert not Unit.objects.filter(code__in=["T9", "V9"]).exists()


def test_dry_run_writes_nothing(tmp_path):
    code, out, err = run_command("units", write(tmp_path, "units.csv", UNITS), "--dry-run")
    assert code == 0, err
    assert "would create 6" in out and "row 2: would create P 测试省" in out
    assert Unit.objects.count() == 0


def test_unavailable_and_unknown_kinds(tmp_path):
    path = write(tmp_path, "x.csv", "code\n1\n")
    code, _, err = run_command("nonsense", path)
    assert code == 1 and "未知的数据类型" in err


def test_missing_file_and_wrong_type(tmp_path):
    code, _, err = run_command("units", str(tmp_path / "missing.csv"))
    assert code == 1 and "文件不存在" in err
    code, _, err = run_command("units", write(tmp_path, "units.txt", UNITS))
    assert code == 1 and ".xlsx" in err
    garbled = tmp_path / "garbled.csv"  # neither UTF-8 nor GB18030
    garbled.write_bytes(b"code,name,kind,parent_code\nP,\xff\xff,\x80,\n")
    code, _, err = run_command("units", str(garbled))
    assert code == 1 and "无法识别CSV文件的编码(支持UTF-8和GBK/GB18030)" in err


def test_missing_required_column_and_unknown_column(tree):
    result = run_import("units", csv_bytes("code,name,colour\nA,b,red\n"), "u.csv")
    assert {(e.row, e.column) for e in result.errors} == {(1, "colour"), (1, "kind")}


def test_a_service_refusal_rolls_back_every_row(monkeypatch, tree):
    real = services.unit_save

    def refuse_second(**kwargs):
        if kwargs["code"] == "V9":
            raise ValidationError({"parent": "不行。"})
        return real(**kwargs)

    monkeypatch.setattr("organizations.importers.unit_save", refuse_second)
    text = "code,name,kind,parent_code\nT9,新镇,township,X\nV9,新村,village,T9\n"
    result = run_import("units", csv_bytes(text), "u.csv")
    assert [str(e) for e in result.errors] == ["row 3, column parent_code: 不行。"]
    assert not result.written and result.created == 0
    assert not Unit.objects.filter(code="T9").exists()  # row 2 was written, then rolled back


def test_validation_queries_do_not_grow_with_rows(django_assert_max_num_queries, tree):
    def file(n):
        lines = ["code,name,kind,parent_code"] + [f"V{i},村{i},village,T{1 + i % 2}" for i in range(n)]
        return csv_bytes("\n".join(lines))

    with django_assert_max_num_queries(2):
        assert run_import("units", file(5), "u.csv", dry_run=True).ok
    with django_assert_max_num_queries(2):
        assert run_import("units", file(200), "u.csv", dry_run=True).created == 200


# ---------------------------------------------------------------------------------------------
# Command: organizations


def test_organizations_with_led_by(tmp_path, tree):
    v = unit("V1", UnitKind.VILLAGE, tree["T1"])
    town_committee = org("T1-DW", OrgKind.PARTY_COMMITTEE, tree["T1"])
    text = f"""code,name,kind,unit_code,led_by_code,members,women_members,established
V1-DZB,一村党支部,党支部,V1,{town_committee.code},35,12,2004-07-01
V1-GH,一村工会,union,V1,V1-DZB,20,,
V1-FL,一村妇联,妇联,V1,V1-DZB,8,8,2010-03-08
"""
    code, out, err = run_command("organizations", write(tmp_path, "orgs.csv", text))
    assert code == 0, err
    branch = Organization.objects.get(code="V1-DZB")
    assert branch.unit == v and branch.led_by == town_committee
    assert (branch.members, branch.women_members, branch.established) == (35, 12, date(2004, 7, 1))
    union = Organization.objects.get(code="V1-GH")
    assert union.led_by == branch and union.kind == OrgKind.UNION and union.established is None
    assert Organization.objects.get(code="V1-FL").kind == OrgKind.WOMEN_FEDERATION
    code, out, _ = run_command("organizations", write(tmp_path, "orgs.csv", text))
    assert "created 0, updated 0, unchanged 3" in out
    assert Organization.objects.count() == 4


def test_organization_errors(tree):
    v1 = unit("V1", UnitKind.VILLAGE, tree["T1"])
    v2 = unit("V2", UnitKind.VILLAGE, tree["T2"])
    org("V2-DZB", OrgKind.PARTY_BRANCH, v2)
    org("V1-GH", OrgKind.UNION, v1)
    text = """code,name,kind,unit_code,led_by_code,members,women_members,established
A,甲,party_branch,V1,V1-GH,10,0,2020-01-01
B,乙,union,V1,V2-DZB,-3,0,2020-02-30
C,丙,youth_league,NOPE,,10,11,20200101
D,丁,party_branch,V1,D,x,,
"""
    result = run_import("organizations", csv_bytes(text), "o.csv")
    got = {(e.row, e.column): e.message for e in result.errors}
    assert "必须是党组织" in got[(2, "led_by_code")]
    assert "本单位或其上级单位" in got[(3, "led_by_code")]
    assert "负数" in got[(3, "members")] and "有效日期" in got[(3, "established")]
    assert "找不到" in got[(4, "unit_code")] and "YYYY-MM-DD" in got[(4, "established")]
    assert "不能大于" in got[(4, "women_members")]
    assert "它自己" in got[(5, "led_by_code")] and "整数" in got[(5, "members")]
    assert Organization.objects.count() == 2


# ---------------------------------------------------------------------------------------------
# Web import page


def upload(client, kind, name, content):
    return client.post(reverse("organizations:import_upload", args=[kind]),
                       {"file": SimpleUploadedFile(name, content)})


def test_web_flow_as_county_admin(client, tree):
    admin = user_with("county", Role.COUNTY_ADMIN, tree["X"])
    client.force_login(admin)
    r = client.get(reverse("organizations:import"))
    assert r.status_code == 200 and "单位" in r.text and "还没有导入记录" in r.text
    r = client.get(reverse("organizations:import_template", args=["units"]))
    assert r.status_code == 200
    assert [c.value for c in load_workbook(io.BytesIO(r.content)).active[1]][:2] == ["单位编码", "单位名称"]

    text = "单位编码,单位名称,单位类型,上级单位编码\nT9,新镇,乡,X\nV9,新村,村,T9\nT1,第一镇(改名),township,X\n"
    text = text.replace(",村,", ",行政村,")
    r = upload(client, "units", "units.csv", csv_bytes(text, bom=True))
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r.url == reverse("organizations:import_preview", args=[job.pk])
    r = client.get(r.url)
    assert r.status_code == 200
    assert "检查通过" in r.text and "新增" in r.text and "更新" in r.text and "确认导入" in r.text
    assert not Unit.objects.filter(code="T9").exists()  # the preview writes nothing

    r = client.post(reverse("organizations:import_confirm", args=[job.pk]))
    assert r.status_code == 302
    assert Unit.objects.get(code="V9").parent.code == "T9"
    assert Unit.objects.get(code="T1").name == "第一镇(改名)"
    job.refresh_from_db()
    assert (job.status, job.created_count, job.updated_count) == (ImportStatus.DONE, 2, 1)
    r = client.get(r.url)
    assert "导入成功:新增 2 条,更新 1 条" in r.text
    # Confirming twice does nothing: the job is no longer pending.
    assert client.post(reverse("organizations:import_confirm", args=[job.pk])).status_code == 404
    r = client.get(reverse("organizations:import"))
    assert "units.csv" in r.text and "已导入" in r.text


def test_web_xlsx_with_errors_shows_every_error_and_cannot_be_confirmed(client, tree):
    client.force_login(user_with("county", Role.COUNTY_ADMIN, tree["X"]))
    content = xlsx_bytes([["code", "name", "kind", "parent_code"], ["V9", "新村", "village", "X"],
                          ["V8", "", "village", "T1"]])
    r = upload(client, "units", "units.xlsx", content)
    job = ImportJob.objects.get()
    r = client.get(r.url)
    assert "第2行" in r.text and "第3行" in r.text and "上级单位编码" in r.text
    assert "确认导入" not in r.text
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.error_count == 2
    assert client.post(reverse("organizations:import_confirm", args=[job.pk])).status_code == 404
    assert not Unit.objects.filter(code__in=["V8", "V9"]).exists()


def test_web_rejects_garbage_and_oversize_files(client, tree, settings):
    client.force_login(user_with("county", Role.COUNTY_ADMIN, tree["X"]))
    r = upload(client, "units", "units.xlsx", b"GIF89a this is not a workbook")
    assert r.status_code == 200 and "不是有效的Excel" in r.text
    r = upload(client, "units", "photo.jpg", b"\xff\xd8\xff\xe0")
    assert r.status_code == 200 and "只支持 .xlsx 或 .csv" in r.text
    r = upload(client, "units", "units.csv", b"code,name\n\xff\xff,\x80\n")  # neither UTF-8 nor GBK
    assert r.status_code == 200 and "无法识别CSV文件的编码" in r.text
    settings.IMPORT_MAX_BYTES = 100
    r = upload(client, "units", "units.csv", csv_bytes(UNITS * 3))
    assert r.status_code == 200 and "文件太大" in r.text
    assert not ImportJob.objects.exists()


def test_village_secretary_gets_403(client, tree):
    v = unit("V1", UnitKind.VILLAGE, tree["T1"])
    client.force_login(user_with("village", Role.VILLAGE_SECRETARY, v))
    assert client.get(reverse("organizations:import")).status_code == 403
    assert client.get(reverse("organizations:import_upload", args=["units"])).status_code == 403
    assert client.get(reverse("organizations:import_template", args=["units"])).status_code == 403
    assert upload(client, "units", "u.csv", csv_bytes(UNITS)).status_code == 403
    assert not ImportJob.objects.exists()


def test_anonymous_is_sent_to_login(client):
    r = client.get(reverse("organizations:import"))
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")


def test_another_users_job_is_404(client, tree):
    owner = user_with("town1", Role.TOWNSHIP_STAFF, tree["T1"])
    other = user_with("town2", Role.TOWNSHIP_STAFF, tree["T2"])
    client.force_login(owner)
    upload(client, "units", "u.csv", csv_bytes("code,name,kind,parent_code\nV9,新村,village,T1\n"))
    job = ImportJob.objects.get()
    client.force_login(other)
    assert client.get(reverse("organizations:import_preview", args=[job.pk])).status_code == 404
    assert client.post(reverse("organizations:import_confirm", args=[job.pk])).status_code == 404
    assert "u.csv" not in client.get(reverse("organizations:import")).text
    assert not Unit.objects.filter(code="V9").exists()


def test_unknown_kind_page_is_404(client, tree):
    client.force_login(user_with("county", Role.COUNTY_ADMIN, tree["X"]))
    assert client.get(reverse("organizations:import_upload", args=["nonsense"])).status_code == 404


def test_out_of_scope_codes_read_as_not_found(client, tree):
    staff = user_with("town1", Role.TOWNSHIP_STAFF, tree["T1"])
    other_village = unit("V2", UnitKind.VILLAGE, tree["T2"])
    client.force_login(staff)
    text = "code,name,kind,parent_code\nV9,新村,village,T2\nV2,改别人的村,village,T1\nT7,新镇,township,X\n"
    r = upload(client, "units", "u.csv", csv_bytes(text))
    r = client.get(r.url)
    assert "找不到编码为“T2”的上级单位" in r.text
    assert "编码“V2”不可用,请换一个编码。" in r.text
    assert "找不到编码为“X”的上级单位" in r.text  # above their scope: as if it did not exist
    result = run_import("units", csv_bytes(text), "u.csv", actor=staff)
    assert not result.written and len(result.errors) == 3
    assert not Unit.objects.filter(code__in=["V9", "T7"]).exists()
    other_village.refresh_from_db()
    assert other_village.name == "V2"


def test_visible_but_not_managed_units_are_refused(tree):
    staff = user_with("town1", Role.TOWNSHIP_STAFF, tree["T1"])
    services.role_grant(actor=None, username="town1", role=Role.VIEWER, unit=tree["X"])
    text = "code,name,kind,parent_code\nT7,新镇,township,X\nV7,新村,village,T2\nV8,新村,village,T1\n"
    result = run_import("units", csv_bytes(text), "u.csv", actor=staff)
    assert [str(e) for e in result.errors] == [
        "row 2, column parent_code: 您没有权限在“X”下建立或修改单位。",
        "row 3, column parent_code: 您没有权限在“T2”下建立或修改单位。",
    ]
    assert not Unit.objects.filter(code__in=["T7", "V7", "V8"]).exists()


def test_out_of_scope_unit_code_for_organizations(tree):
    staff = user_with("town1", Role.TOWNSHIP_STAFF, tree["T1"])
    unit("V2", UnitKind.VILLAGE, tree["T2"])
    unit("V1", UnitKind.VILLAGE, tree["T1"])
    text = "code,name,kind,unit_code\nO1,党支部,party_branch,V2\nO2,党支部,party_branch,V1\n"
    result = run_import("organizations", csv_bytes(text), "o.csv", actor=staff)
    assert [str(e) for e in result.errors] == ["row 2, column unit_code: 找不到编码为“V2”的所属单位(或不在您的管理范围内)。"]
    assert not Organization.objects.exists()
    result = run_import("organizations", csv_bytes(text.replace("V2", "V1")), "o.csv", actor=staff)
    assert result.written and Organization.objects.count() == 2


def test_township_staff_cannot_import_top_units(tree):
    staff = user_with("town1", Role.TOWNSHIP_STAFF, tree["T1"])
    result = run_import("units", csv_bytes("code,name,kind,parent_code\nP2,另一个省,province,\n"), "u.csv",
                        actor=staff)
    assert [e.column for e in result.errors] == ["parent_code"]


def test_registering_a_kind(tree):
    """Another app's declaration plugs into the same engine, registry and template."""

    class VillageRename(importing.ImportKind):
        name = "village_names"
        label = "村名"
        model = Unit
        columns = [importing.Column("code", "编码", required=True, parse=importing.parse_code),
                   importing.Column("name", "名称", required=True)]

        def save(self, row, ctx):
            u = ctx.current(Unit, row.get("code"))
            return services.unit_save(actor=ctx.actor, code=u.code, name=row.get("name"), kind=u.kind,
                                      parent=u.parent)

    importing.register(VillageRename)
    try:
        assert "village_names" in [k.name for k in importing.registered_kinds()]
        result = run_import("village_names", csv_bytes("编码,名称\nT1,改名镇\n"), "x.csv")
        assert result.written and result.updated == 1
        assert Unit.objects.get(code="T1").name == "改名镇"
    finally:
        importing.unregister("village_names")
