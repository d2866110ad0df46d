"""Losing the database connection (README, "可靠性与安全"): an import whose connection is killed
mid-write leaves nothing and a re-run succeeds; a server whose persistent connections are killed
answers the next request (CONN_HEALTH_CHECKS). The kills are ``pg_terminate_backend`` from a
second connection, as a database restart or a network cut would. PostgreSQL only
(tests/concurrency/conftest.py)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from contextlib import closing

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, close_old_connections, connection

from campaigns.models import Activity
from cobuild import batching
from cobuild.backup import Target
from cobuild.importing import get_kind
from metrics import rollup
from organizations import records
from organizations.models import RecordScope
from tests.campaigns.activity_world import World, days, media  # noqa: F401
from tests.concurrency.test_two_servers import PASSWORD, database_url, free_port, wait_until_up

ROWS = 40


def terminate(pids=None) -> int:
    """Kill backends of the test database from a second connection: ``pids``, or every other
    one (but this test's own Django connection)."""
    connection.ensure_connection()
    mine = connection.connection.get_backend_pid()
    with closing(Target.from_settings().connect()) as admin:
        admin.autocommit = True
        with admin.cursor() as cur:
            if pids is None:
                cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), %s)", [mine])
            else:
                cur.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid", [list(pids)])
            return cur.rowcount


def activities_csv(w, tmp_path):
    v, b = w.villages[0].code, w.bureau.code
    lines = ["code,campaign,date,unit_code,pairing_code,category,title,participants,households_visited"]
    lines += [f"IMP{i:03d},bjlbc,{days(-1 - i % 20)},{v if i % 2 else b},P1,org_life,导入活动{i},10,{i % 4}"
              for i in range(ROWS)]
    path = tmp_path / "activities.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_import_whose_connection_is_killed_mid_write_leaves_nothing_and_a_rerun_succeeds(
        media, tmp_path, monkeypatch):  # noqa: F811
    w = World()
    w.log(title="已有活动")
    path = activities_csv(w, tmp_path)
    before = (Activity.objects.count(), RecordScope.objects.count(), rollup.snapshot())

    # The per-batch hook: when the import has written its activities and starts on their scopes
    # and figures, its backend is terminated.
    flush = batching._flushers[records.FLUSHER]
    killed = []

    def killing_flush(items):
        if not killed:
            killed.append(terminate([connection.connection.get_backend_pid()]))
        return flush(items)

    monkeypatch.setitem(batching._flushers, records.FLUSHER, killing_flush)
    with pytest.raises(DatabaseError):
        call_command("import_data", "activities", str(path), stdout=io.StringIO())
    assert killed == [1]

    close_old_connections()  # what the next request, job or process starts with
    assert (Activity.objects.count(), RecordScope.objects.count(), rollup.snapshot()) == before

    monkeypatch.setitem(batching._flushers, records.FLUSHER, flush)
    out = io.StringIO()
    call_command("import_data", "activities", str(path), stdout=out)
    assert f"created {ROWS}" in out.getvalue()
    assert Activity.objects.filter(code__startswith="IMP").count() == ROWS
    assert rollup.rebuild()["fixed"] == 0  # the figures are exactly the records'


@pytest.fixture
def server(tmp_path):
    """One gunicorn server with persistent connections (CONN_MAX_AGE=60), as in production."""
    port, log = free_port(), tmp_path / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "0", "STATIC_MANIFEST": "0",
           "WHITENOISE_USE_FINDERS": "1", "SECRET_KEY": "conn-loss-" + "k" * 50, "ALLOWED_HOSTS": "127.0.0.1",
           "MEDIA_ROOT": str(tmp_path / "media"), "CONN_MAX_AGE": "60", "REDIS_URL": "", "HTTPS": "0",
           "DATABASE_REPLICA_URL": "", "S3_BUCKET": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cobuild.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "60", "--chdir", str(settings.BASE_DIR)],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc, log)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_the_app_answers_the_next_request_after_its_connections_are_killed(server):
    w = World()
    user = w.users["village"]
    user.set_password(PASSWORD)
    user.save()
    s = requests.Session()
    s.get(f"{server}/accounts/login/", timeout=30)
    r = s.post(f"{server}/accounts/login/", data={"username": "village", "password": PASSWORD,
                                                  "csrfmiddlewaretoken": s.cookies["csrftoken"]}, timeout=30)
    assert r.status_code == 200 and "退出" in r.text
    assert s.get(f"{server}/campaigns/activities/mine/", timeout=30).status_code == 200

    assert terminate() >= 1  # the worker's persistent connection (and anything else on the database)
    for path in ("/healthz", "/campaigns/activities/mine/"):
        r = s.get(server + path, timeout=30)
        assert r.status_code == 200, path
    assert "我的" in r.text or "活动" in r.text


@pytest.mark.parametrize("when", ["checking", "writing"])
def test_a_web_import_whose_connection_is_killed_fails_cleanly_and_can_be_confirmed_again(
        media, tmp_path, monkeypatch, settings, when):  # noqa: F811
    """The confirmed import runs as a background job (the worker's code, not a request): killed
    while it checks the file again (outside a transaction) or while it writes, the job ends
    "failed" with a message (not "running" for ever), nothing is written, and confirming the
    same file again writes it."""
    from organizations import import_jobs
    from organizations.import_jobs import import_job_confirm_start, import_job_create
    from organizations.jobs import JobStatus
    from organizations.models import ImportStatus

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    w = World()
    user = w.users["county"]
    imp = import_job_create(user=user, kind=get_kind("activities"), filename="a.csv",
                            content=activities_csv(w, tmp_path).read_bytes())
    imp.refresh_from_db()
    assert imp.status == ImportStatus.PENDING

    flush, run_import = batching._flushers[records.FLUSHER], import_jobs.run_import

    def killing_flush(items):
        terminate([connection.connection.get_backend_pid()])
        return flush(items)

    def killing_check(*args, **kwargs):
        if kwargs.get("dry_run"):
            connection.ensure_connection()
            terminate([connection.connection.get_backend_pid()])
        return run_import(*args, **kwargs)

    if when == "writing":
        monkeypatch.setitem(batching._flushers, records.FLUSHER, killing_flush)
    else:
        monkeypatch.setattr(import_jobs, "run_import", killing_check)
    job = import_job_confirm_start(imp=imp, user=user)
    close_old_connections()
    job.refresh_from_db()
    imp.refresh_from_db()
    assert job.status == JobStatus.FAILED and "没有完成" in job.message
    assert imp.status == ImportStatus.PENDING  # may be confirmed again
    assert not Activity.objects.filter(code__startswith="IMP").exists()

    monkeypatch.setitem(batching._flushers, records.FLUSHER, flush)
    monkeypatch.setattr(import_jobs, "run_import", run_import)
    job = import_job_confirm_start(imp=imp, user=user)
    job.refresh_from_db()
    imp.refresh_from_db()
    assert job.status == JobStatus.DONE and imp.status == ImportStatus.DONE
    assert Activity.objects.filter(code__startswith="IMP").count() == ROWS
