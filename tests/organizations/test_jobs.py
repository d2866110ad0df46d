"""Background jobs (organizations.jobs) run through the database backend and the worker's own code:
the web import (progress page, then the preview, then the outcome), big workbooks (progress page,
the owner's download, 404 for anyone else, expiry) and the metrics rebuild from the web."""

import datetime as dt
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from organizations.jobs import Progress, jobs_prune
from organizations.models import ImportJob, ImportStatus, Job, JobStatus, Role, Unit, UnitKind
from tests.factories import County, make_activity, make_campaign, make_pairing, make_unit, make_user


@pytest.fixture
def db_tasks(settings, tmp_path):
    """Jobs are queued in the database (django-tasks-db) as in production; ``run_worker`` runs them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_DIRECT_MAX_ROWS = 0  # every workbook goes through the worker


def run_worker() -> int:
    """The db_worker's code for every queued task, in this process (and this test transaction)."""
    worker = Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                    startup_delay=False, max_tasks=None, worker_id="test-worker", excluded_queue_names=[])
    ran = 0
    while (task := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        task.claim(worker.worker_id)
        worker.run_task(task)
        ran += 1
    assert not DBTaskResult.objects.filter(status="FAILED").exists()
    return ran


@pytest.fixture
def county(db):
    return County(villages_per_township=2)


def upload(client, text, name="units.csv"):
    return client.post(reverse("organizations:import_upload", args=["units"]),
                       {"file": SimpleUploadedFile(name, text.encode("utf-8"))})


# --- imports ---------------------------------------------------------------------------------------


def test_import_shows_progress_then_preview_then_outcome(client, county, db_tasks):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, county.county))
    t = county.townships[0]
    text = "code,name,kind,parent_code\n" + "".join(f"NV{i},新村{i},village,{t.code}\n" for i in range(12))
    r = upload(client, text)
    imp = ImportJob.objects.get()
    assert r.status_code == 302 and imp.status == ImportStatus.CHECKING
    page = client.get(r.url)
    assert "检查导入文件:units.csv" in page.text and 'role="progressbar"' in page.text
    assert "确认导入" not in page.text
    status = client.get(reverse("organizations:job_status", args=[imp.job_id])).json()
    assert status == {"status": "queued", "status_label": "排队中", "finished": False, "percent": 0,
                      "done": 0, "total": 0, "stage": "排队等待处理"}

    assert run_worker() == 1
    status = client.get(reverse("organizations:job_status", args=[imp.job_id])).json()
    assert status["finished"] and status["percent"] == 100 and status["total"] == 12
    page = client.get(r.url)
    assert "检查通过,共 12 行" in page.text and "将新增 <strong>12</strong> 条" in page.text
    assert "新村11" in page.text and 'role="progressbar"' not in page.text
    assert not Unit.objects.filter(code="NV0").exists()

    r = client.post(reverse("organizations:import_confirm", args=[imp.pk]))
    assert r.status_code == 302
    page = client.get(r.url)
    assert "导入:units.csv" in page.text and 'role="progressbar"' in page.text
    # A second click while it waits is refused, and nothing is written before the worker runs.
    assert client.post(reverse("organizations:import_confirm", args=[imp.pk])).status_code == 404
    assert not Unit.objects.filter(code="NV0").exists()
    assert run_worker() == 1
    page = client.get(r.url)
    assert "导入成功:新增 12 条,更新 0 条,无变化 0 条。" in page.text
    assert Unit.objects.filter(code__startswith="NV", parent=t).count() == 12
    imp.refresh_from_db()
    assert (imp.status, imp.created_count) == (ImportStatus.DONE, 12)


def test_import_rows_refused_at_write_time_write_nothing(client, county, db_tasks):
    """The file checked fine, but before it is written the uploader's scope changed: the write
    job checks again, reports the problem, writes nothing, and the page says so."""
    from organizations.models import RoleGrant

    user = make_user("c", Role.COUNTY_ADMIN, county.county)
    client.force_login(user)
    t = county.townships[0]
    upload(client, f"code,name,kind,parent_code\nNV1,新村1,village,{t.code}\nNV2,新村2,village,{t.code}\n")
    run_worker()
    imp = ImportJob.objects.get()
    assert imp.status == ImportStatus.PENDING
    RoleGrant.objects.filter(user=user).delete()
    make_user("c", Role.TOWNSHIP_STAFF, county.townships[1])
    client.post(reverse("organizations:import_confirm", args=[imp.pk]))
    run_worker()
    page = client.get(reverse("organizations:import_preview", args=[imp.pk]))
    assert "导入未完成:发现 2 个问题,没有写入任何数据" in page.text
    assert "第2行" in page.text and "第3行" in page.text and "找不到编码为" in page.text
    imp.refresh_from_db()
    assert imp.status == ImportStatus.FAILED and imp.error_count == 2
    assert not Unit.objects.filter(code__in=["NV1", "NV2"]).exists()


def test_import_progress_counts_rows_checked(county):
    """The engine reports rows as it checks them; the job row keeps the last count."""
    from cobuild.importing import run_import

    user = make_user("c", Role.COUNTY_ADMIN, county.county)
    job = Job.objects.create(user=user, handler="import_check", label="x", params={})
    seen = []
    progress = Progress(job)

    def report(done, total):
        seen.append((done, total))
        progress(done, total, "检查数据")

    text = "code,name,kind,parent_code\n" + "".join(
        f"NV{i},新村{i},village,{county.townships[0].code}\n" for i in range(5))
    run_import("units", text.encode(), "u.csv", actor=user, dry_run=True, progress=report)
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)
    job.refresh_from_db()
    assert (job.done, job.total, job.stage) == (5, 5, "检查数据")


def test_another_users_import_job_status_is_404(client, county, db_tasks):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, county.county))
    upload(client, f"code,name,kind,parent_code\nNV1,新村1,village,{county.townships[0].code}\n")
    job = Job.objects.get()
    client.force_login(make_user("t", Role.TOWNSHIP_STAFF, county.townships[0]))
    assert client.get(reverse("organizations:job_status", args=[job.pk])).status_code == 404
    assert client.get(reverse("organizations:job_detail", args=[job.pk])).status_code == 404


# --- workbooks -------------------------------------------------------------------------------------


def test_big_coverage_workbook_is_built_by_the_worker_for_its_owner_only(client, county, db_tasks,
                                                                         settings):
    owner = make_user("c", Role.COUNTY_ADMIN, county.county)
    client.force_login(owner)
    url = reverse("organizations:coverage", args=[county.county.pk])
    r = client.get(url, {"export": "xlsx"})
    job = Job.objects.get()
    assert r.status_code == 302 and r.url == reverse("organizations:job_detail", args=[job.pk])
    page = client.get(r.url)
    assert "党群组织覆盖情况-测试县" in page.text and 'role="progressbar"' in page.text
    assert client.get(reverse("organizations:job_download", args=[job.pk])).status_code == 404

    run_worker()
    page = client.get(r.url)
    assert "下载 Excel" in page.text and "只有您本人可以下载" in page.text
    download = client.get(reverse("organizations:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"] and ".xlsx" in download["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert wb.sheetnames == ["覆盖情况汇总", "空白点清单"]
    summary = list(wb["覆盖情况汇总"].values)
    assert summary[0][0] == "区域" and summary[-1][0] == "合计" and summary[-1][1] == 4
    assert list(wb["空白点清单"].values)[1][1] == "某某公司"
    job.refresh_from_db()
    assert job.total == 1 and job.percent == 100  # one blank spot written
    assert job.file.name.startswith("jobs/") and "测试县" not in job.file.name

    # Nobody else, a superuser included, sees the job or its file.
    for other in (make_user("t", Role.COUNTY_ADMIN, county.county),
                  make_user("root", is_superuser=True, is_staff=True)):
        client.force_login(other)
        assert client.get(reverse("organizations:job_download", args=[job.pk])).status_code == 404
        assert client.get(reverse("organizations:job_detail", args=[job.pk])).status_code == 404
        assert "党群组织覆盖情况" not in client.get(reverse("organizations:job_list")).text

    # After JOBS_KEEP_HOURS the file is gone: the page says so, the download is a 404.
    client.force_login(owner)
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert "文件已超过保留时间" in client.get(r.url).text
    assert client.get(reverse("organizations:job_download", args=[job.pk])).status_code == 404
    path = job.file.path
    assert jobs_prune() == 1
    assert not os.path.exists(path)


def test_small_scope_downloads_directly(client, county, settings):
    settings.EXPORT_DIRECT_MAX_ROWS = 2000
    client.force_login(make_user("c", Role.COUNTY_ADMIN, county.county))
    r = client.get(reverse("organizations:coverage", args=[county.county.pk]), {"export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not Job.objects.exists()


def test_dashboard_workbook_through_the_worker(client, county, db_tasks):
    campaign = make_campaign(county.county, start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 12, 31))
    user = make_user("c", Role.COUNTY_ADMIN, county.county)
    client.force_login(user)
    r = client.get(reverse("metrics:dashboard_xlsx"),
                   {"unit": county.county.code, "campaign": campaign.slug, "from": "2024-01-01", "to": "2024-12-31"})
    job = Job.objects.get()
    assert r.status_code == 302 and job.params["workbook"] == "dashboard"
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.filename == "测试县共建指标-20240101-20241231.xlsx"
    download = client.get(reverse("organizations:job_download", args=[job.pk]))
    wb = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert wb.sheetnames == ["汇总", "下级单位", "排名"]
    assert list(wb["汇总"].values)[0][:3] == ("指标代码", "指标名称", "计量单位")


def test_ledger_workbook_through_the_worker(client, county, db_tasks):
    campaign = make_campaign(county.county)
    pairing = make_pairing(campaign, county.bureau, county.villages[0])
    user = make_user("c", Role.COUNTY_ADMIN, county.county)
    make_activity(campaign, county.villages[0], pairing=pairing, title="=联合主题党日")
    client.force_login(user)
    r = client.get(reverse("pairings:ledger_xlsx", args=[pairing.pk]), {"from": "", "to": ""})
    job = Job.objects.get()
    assert r.status_code == 302
    run_worker()
    download = client.get(reverse("organizations:job_download", args=[job.pk]))
    wb = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert wb.sheetnames[0] == "汇总"
    cells = [c for ws in wb.worksheets[1:] for row in ws.values for c in row]
    assert "=联合主题党日" in cells  # typed text stays text, never a formula
    assert list(wb["汇总"].values)[0][0].startswith("共建工作台帐:县农业局")


def test_a_failing_job_says_so(client, county, db_tasks):
    user = make_user("c", Role.COUNTY_ADMIN, county.county)
    client.force_login(user)
    r = client.get(reverse("organizations:coverage", args=[county.county.pk]), {"export": "xlsx"})
    from organizations.models import RoleGrant

    RoleGrant.objects.filter(user=user).delete()  # the unit is no longer in the user's scope
    run_worker()
    page = client.get(r.url)
    assert "单位不存在或不在您的范围内" in page.text and "失败" in page.text


# --- rebuild ---------------------------------------------------------------------------------------


def test_rebuild_from_the_web(client, county, db_tasks):
    campaign = make_campaign(county.county)
    pairing = make_pairing(campaign, county.bureau, county.villages[0])
    make_activity(campaign, county.villages[0], pairing=pairing)
    url = reverse("metrics:rebuild")
    client.force_login(make_user("t", Role.TOWNSHIP_STAFF, county.townships[0]))
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403

    admin = make_user("c", Role.COUNTY_ADMIN, county.county)
    client.force_login(admin)
    page = client.get(url)
    assert "确认开始重算" in page.text and "data-confirm=" in page.text
    r = client.post(url)
    job = Job.objects.get(handler="rebuild")
    assert r.url == reverse("organizations:job_detail", args=[job.pk])
    # A second start while it runs shows the same job instead of queueing another.
    assert client.post(url).url == r.url and Job.objects.filter(handler="rebuild").count() == 1
    assert "正在进行" in client.get(url).text
    run_worker()
    page = client.get(r.url)
    assert "重算完成" in page.text and "修复 0 条汇总差异" in page.text
    job.refresh_from_db()
    assert job.total > 0 and job.done == job.total and job.result["fixed"] == 0
    assert "重算成效指标" in client.get(reverse("organizations:job_list")).text


def test_job_list_and_admin(client, county, db_tasks):
    user = make_user("c", Role.COUNTY_ADMIN, county.county)
    client.force_login(user)
    client.get(reverse("organizations:coverage", args=[county.county.pk]), {"export": "xlsx"})
    run_worker()
    page = client.get(reverse("organizations:job_list"))
    assert "党群组织覆盖情况-测试县" in page.text and "已完成" in page.text and "下载" in page.text
    root = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(root)
    r = client.get(reverse("admin:organizations_job_changelist"), {"q": "覆盖"})
    assert r.status_code == 200 and "党群组织覆盖情况-测试县" in r.text
    job = Job.objects.get()
    assert client.get(reverse("admin:organizations_job_history", args=[job.pk])).status_code == 200


def test_prune_jobs_command(county, db_tasks):
    out = io.StringIO()
    call_command("prune_jobs", stdout=out)
    assert "已删除 0 个过期文件" in out.getvalue()
    assert make_unit(UnitKind.VILLAGE, county.townships[0])  # nothing else touched
