"""Imports of hostile and real-world files (issue 10): spreadsheets measured before they are
parsed, the row cap, CSV saved by Excel in China (GBK/GB18030), a web import that reads its file
once, and uploads emptied after IMPORT_KEEP_DAYS."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from cobuild import importing
from cobuild.importing import ImportFileError, inspect_xlsx, run_import
from demo.hostile_files import huge_string_xlsx, many_rows_xlsx
from organizations import import_jobs
from organizations.models import ImportJob, ImportStatus, Role, Unit
from tests.factories import County, make_user

pytestmark = pytest.mark.django_db

HEADER = "单位编码,单位名称,单位类型,上级单位编码\n"


@pytest.fixture
def county():
    return County(villages_per_township=1, full=False)


@pytest.fixture
def admin(client, county):
    user = make_user("county-admin", Role.COUNTY_ADMIN, county.county)
    client.force_login(user)
    return user


def upload(client, name, content, kind="units"):
    return client.post(reverse("organizations:import_upload", args=[kind]), {"file": SimpleUploadedFile(name, content)})


def village_rows(county, n, prefix="NV"):
    town = county.townships[0].code
    return "".join(f"{prefix}{i},新村{i},行政村,{town}\n" for i in range(n))


def xlsx(rows) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- spreadsheets measured before parsing ---------------------------------------------------------

def test_a_3_000_000_row_xlsx_is_refused_at_upload_and_nothing_is_kept(client, admin):
    data = many_rows_xlsx(3_000_000)
    assert len(data) < 1_000_000  # about 190 KB on disk
    r = upload(client, "big.xlsx", data)
    assert r.status_code == 200
    assert ("工作表声明有3000000行,超过100000行数据的上限,无法导入。请删除多余的内容,或拆分成几个文件分别导入"
            "(每个文件最多100000行数据)。") in r.text
    assert not ImportJob.objects.exists()
    # Without a declared size the rows are counted: refused all the same, by the command too.
    r = upload(client, "big.xlsx", many_rows_xlsx(3_000_000, declare=False))
    assert r.status_code == 200 and "工作表超过100000行数据,无法导入" in r.text
    with pytest.raises(ImportFileError, match="工作表超过100000行数据"):
        run_import("units", many_rows_xlsx(3_000_000, declare=False), "big.xlsx")
    assert not ImportJob.objects.exists()


def test_100000_rows_are_still_accepted_by_the_checks(settings):
    assert settings.IMPORT_MAX_ROWS == 100_000
    inspect_xlsx(many_rows_xlsx(100_001))  # the header and 100,000 rows: no error
    inspect_xlsx(many_rows_xlsx(100_001, declare=False))
    with pytest.raises(ImportFileError, match="工作表声明有100002行"):
        inspect_xlsx(many_rows_xlsx(100_002))


def test_a_huge_shared_string_or_unpacked_size_is_refused_before_parsing(client, admin, settings):
    settings.IMPORT_MAX_SHARED_STRINGS_BYTES = 1024 * 1024
    r = upload(client, "s.xlsx", huge_string_xlsx(3_000_000))
    assert r.status_code == 200 and "文件中的文字内容太多,无法导入" in r.text
    settings.IMPORT_MAX_UNZIPPED_BYTES = 2 * 1024 * 1024
    r = upload(client, "s.xlsx", huge_string_xlsx(3_000_000))
    assert r.status_code == 200 and "文件解压后太大,无法导入" in r.text
    assert not ImportJob.objects.exists()


def test_the_row_cap_is_a_setting_for_csv_and_xlsx(county, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = village_rows(county, 4)
    with pytest.raises(ImportFileError, match="文件超过3行数据"):
        run_import("units", (HEADER + rows).encode(), "u.csv")
    table = [line.split(",") for line in (HEADER + rows).splitlines()]
    with pytest.raises(ImportFileError, match="工作表声明有5行,超过3行数据的上限"):
        run_import("units", xlsx(table), "u.xlsx")
    result = run_import("units", xlsx(table[:4]), "u.xlsx")
    assert result.written and result.created == 3
    assert not Unit.objects.filter(code="NV3").exists()


# --- CSV as Excel saves it in China ---------------------------------------------------------------

def test_a_gbk_csv_saved_by_excel_imports_by_command_and_page(client, admin, county, tmp_path):
    text = HEADER + f"GB1,满天红村,行政村,{county.townships[0].code}\n"
    path = tmp_path / "gbk.csv"
    path.write_bytes(text.encode("gbk"))
    out = io.StringIO()
    call_command("import_data", "units", str(path), stdout=out)
    assert Unit.objects.get(code="GB1").name == "满天红村"

    text = HEADER + f"GB2,红星村,行政村,{county.townships[0].code}\n"
    r = upload(client, "gb.csv", text.encode("gb18030"))
    assert r.status_code == 302
    client.post(reverse("organizations:import_confirm", args=[ImportJob.objects.get().pk]))
    assert Unit.objects.get(code="GB2").name == "红星村"
    # UTF-8 with a BOM as before.
    run_import("units", b"\xef\xbb\xbf" + (HEADER + f"U8,新风村,行政村,{county.townships[0].code}\n").encode(),
               "u.csv")
    assert Unit.objects.get(code="U8").name == "新风村"


# --- read once, kept a week -----------------------------------------------------------------------

def test_a_web_import_reads_its_file_once(client, admin, county, monkeypatch):
    reads = []
    original = import_jobs.read_table

    def counting(data, filename):
        reads.append(filename)
        return original(data, filename)

    monkeypatch.setattr(import_jobs, "read_table", counting)
    monkeypatch.setattr(importing, "read_table", counting)
    r = upload(client, "u.csv", (HEADER + village_rows(county, 3)).encode())
    for _ in range(3):  # the preview reloaded
        page = client.get(r.url)
        assert "检查通过" in page.text
    imp = ImportJob.objects.get()
    assert imp.rows[0] == [1, ["单位编码", "单位名称", "单位类型", "上级单位编码"]] and len(imp.rows) == 4
    client.post(reverse("organizations:import_confirm", args=[imp.pk]))  # checks again, then writes
    assert Unit.objects.filter(code__startswith="NV").count() == 3
    assert reads == ["u.csv"]


def test_prune_jobs_empties_uploads_after_the_keep_days(client, admin, county, settings):
    assert settings.IMPORT_KEEP_DAYS == 7
    upload(client, "old.csv", (HEADER + village_rows(county, 2)).encode())
    upload(client, "new.csv", (HEADER + village_rows(county, 2, prefix="NW")).encode())
    old, new = ImportJob.objects.get(filename="old.csv"), ImportJob.objects.get(filename="new.csv")
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    out = io.StringIO()
    call_command("prune_jobs", stdout=out)
    assert "已清除 1 个超过7天的导入文件" in out.getvalue()
    old.refresh_from_db()
    new.refresh_from_db()
    assert bytes(old.content) == b"" and old.rows is None and old.purged_at is not None
    assert bytes(new.content) != b"" and new.rows is not None
    # The old upload can no longer be confirmed: the page says why, nothing is written.
    assert old.status == ImportStatus.PENDING
    r = client.post(reverse("organizations:import_confirm", args=[old.pk]))
    page = client.get(r.url)
    assert "上传的文件已超过保留期限(7天)被清除,请重新上传。" in page.text
    assert not Unit.objects.filter(code__startswith="NV").exists()
    call_command("prune_jobs", stdout=io.StringIO())  # idempotent
    assert ImportJob.objects.filter(purged_at__isnull=False).count() == 1


def test_rows_are_counted_exactly_however_the_sheet_is_cut_into_pieces(settings, monkeypatch):
    monkeypatch.setattr(importing, "_SCAN_CHUNK", 7)  # every tag crosses a piece boundary somewhere
    data = many_rows_xlsx(38, declare=False)  # the header and 37 rows
    settings.IMPORT_MAX_ROWS = 37
    inspect_xlsx(data)
    settings.IMPORT_MAX_ROWS = 36
    with pytest.raises(ImportFileError, match="工作表超过36行数据"):
        inspect_xlsx(data)
