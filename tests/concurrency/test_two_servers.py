"""Two servers, one database (README, "部署"): two gunicorn processes on different ports share the
committed test database, a media directory (the shared mount) and the cache and sessions: in the
database, and (where redis-server is installed) in one Redis. A person logs in on server A, carries the session
to server B, logs an activity with a photo through B and sees it in A's dashboard figures; the
photo uploaded through B is served by A. PostgreSQL only (tests/concurrency/conftest.py)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.db import connection
from PIL import Image

from campaigns.models import Activity, ActivityPhoto, Indicator
from organizations.models import OrgKind
from tests.campaigns.activity_world import World, days, image_bytes

PASSWORD = "Two-servers-1"
BOOT_SECONDS = 90  # a loaded 2-core machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    d = connection.settings_dict  # the committed test database
    auth = quote(d["USER"] or "") + (f":{quote(d['PASSWORD'])}" if d["PASSWORD"] else "")
    return f"postgres://{auth}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"


def wait_until_up(url: str, proc: subprocess.Popen, log: Path):
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            # gunicorn accepts connections before its worker has loaded the project
            if requests.get(url + "/healthz", timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    pytest.fail(f"server at {url} did not answer within {BOOT_SECONDS} s:\n{log.read_text()[-3000:]}")


# The default (cache table and sessions in the database) and, where redis-server is installed,
# Redis for the cache with cached_db sessions.
SHARED = ["database"] + (["redis"] if shutil.which("redis-server") else [])


@pytest.fixture
def redis_url(request, tmp_path):
    """REDIS_URL for both servers: empty (the default), or a private redis-server's."""
    if getattr(request, "param", "database") == "database":
        yield ""
        return
    binary = shutil.which("redis-server")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def servers(tmp_path, redis_url):
    """Two gunicorn servers (one worker each) with the same settings, as behind nginx."""
    media = tmp_path / "shared-media"
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "0", "STATIC_MANIFEST": "0",
           "WHITENOISE_USE_FINDERS": "1", "SECRET_KEY": "two-servers-" + "k" * 50, "ALLOWED_HOSTS": "127.0.0.1",
           "MEDIA_ROOT": str(media), "CONN_MAX_AGE": "0", "REDIS_URL": redis_url, "SECURE_HTTPS": "0", "REQUIRE_2FA": "0",
           "DATABASE_REPLICA_URL": "", "S3_BUCKET": "",
           "BEHIND_PROXY": "1", "AXES_FAILURE_LIMIT": "4"}
    procs, urls = [], []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = tmp_path / f"gunicorn-{name}.log"
            procs.append((subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "cobuild.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "1", "--timeout", "60", "--chdir", str(settings.BASE_DIR)],
                env=env, stdout=log.open("w"), stderr=subprocess.STDOUT), log))
            urls.append(f"http://127.0.0.1:{port}")
        for url, (proc, log) in zip(urls, procs, strict=True):
            wait_until_up(url, proc, log)
        yield urls, media
    finally:
        for proc, _ in procs:
            proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        for proc, _ in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def w():
    world = World()
    for name in ("village", "county"):
        user = world.users[name]
        user.set_password(PASSWORD)
        user.save()
    world.log(title="已有活动")
    return world


def activities_on_dashboard(html: str) -> str:
    name = Indicator.objects.get(code="activities").name
    m = re.search(re.escape(name) + r'</div>\s*<div class="value">(?:<a[^>]*>)?\s*([^<\s]+)', html)
    assert m, "the dashboard shows no activities card"
    return m.group(1)


@pytest.mark.parametrize("redis_url", SHARED, indirect=True)
def test_a_session_and_a_photo_work_on_either_server(w, servers, redis_url):
    (a, b), media = servers
    on_a = requests.Session()
    on_a.get(f"{a}/accounts/login/", timeout=20)
    r = on_a.post(f"{a}/accounts/login/", allow_redirects=False, timeout=20, data={
        "username": "village", "password": PASSWORD, "csrfmiddlewaretoken": on_a.cookies["csrftoken"]})
    assert r.status_code == 302, r.text[:500]
    if redis_url:  # the session sits in the shared Redis (cached_db) as well as in the database
        import redis

        assert redis.Redis.from_url(redis_url).keys("cobuild:*")
    assert activities_on_dashboard(on_a.get(f"{a}/metrics/dashboard/", timeout=30).text) == "1"

    # Server B knows the session server A opened: the same cookies, another process.
    on_b = requests.Session()
    for name in ("sessionid", "csrftoken"):
        on_b.cookies.set(name, on_a.cookies[name], domain="127.0.0.1", path="/")
    form = on_b.get(f"{b}/campaigns/activities/new/", allow_redirects=False, timeout=30)
    assert form.status_code == 200 and "登录" not in form.url
    party = w.villages[0].organizations.get(kind=OrgKind.PARTY_BRANCH)
    photo = image_bytes("JPEG", (1200, 900), (20, 120, 60))
    r = on_b.post(f"{b}/campaigns/activities/new/", allow_redirects=False, timeout=30, data={
        "csrfmiddlewaretoken": on_b.cookies["csrftoken"],
        "unit": w.villages[0].pk, "pairing": w.pairing.pk, "campaign": w.campaign.pk,
        "date": days(-1).isoformat(), "category": "org_life", "link_area": "org_life",
        "title": "两台服务器上的主题党日", "participants": "25", "description": "",
        "org-TOTAL_FORMS": "1", "org-INITIAL_FORMS": "0", "org-MIN_NUM_FORMS": "0", "org-MAX_NUM_FORMS": "10",
        "org-0-who": f"o{party.pk}", "org-0-role": "leads",
    }, files={"photos": ("现场.jpg", photo, "image/jpeg")})
    assert r.status_code == 302, r.text[:2000]
    activity = Activity.objects.get(title="两台服务器上的主题党日")

    # Server A counts it at once (same database, nothing kept in a process).
    assert activities_on_dashboard(on_a.get(f"{a}/metrics/dashboard/", timeout=30).text) == "2"
    summary = on_a.get(f"{a}/metrics/summary.csv", params={"unit": w.villages[0].code}, timeout=30)
    assert {line.split(",")[0]: line.split(",")[-1] for line in summary.text.splitlines()}["activities"] == "2"

    # The photo uploaded through B is served by A (shared storage), byte for byte.
    stored = ActivityPhoto.objects.get(activity=activity)
    from_a = on_a.get(f"{a}/campaigns/photos/{stored.pk}/", timeout=30)
    from_b = on_b.get(f"{b}/campaigns/photos/{stored.pk}/", timeout=30)
    assert from_a.status_code == from_b.status_code == 200
    assert from_a.headers["Content-Type"] == "image/jpeg"
    assert from_a.content == from_b.content == (media / stored.image.name).read_bytes()
    with Image.open(BytesIO(from_a.content)) as img:
        assert img.size == (1200, 900)
    assert on_a.get(f"{a}/campaigns/photos/{stored.pk}/thumb/", timeout=30).status_code == 200

    # Logging out on B ends the session on A too.
    on_b.post(f"{b}/accounts/logout/", data={"csrfmiddlewaretoken": on_b.cookies["csrftoken"]}, timeout=20)
    r = on_a.get(f"{a}/metrics/dashboard/", allow_redirects=False, timeout=20)
    assert r.status_code == 302 and "/accounts/login/" in r.headers["Location"]


def test_the_login_lockout_counts_failures_on_both_servers(w, servers):
    """Failed logins are counted in the database: failures spread over both servers lock the
    account for that client (the address nginx forwards), whichever server answers next."""
    (a, b), _ = servers

    def login(server, password, client_ip):
        s = requests.Session()
        s.get(f"{server}/accounts/login/", timeout=20)
        return s.post(f"{server}/accounts/login/", allow_redirects=False, timeout=20,
                      headers={"X-Forwarded-For": f"10.9.8.7, {client_ip}"},
                      data={"username": "county", "password": password,
                            "csrfmiddlewaretoken": s.cookies["csrftoken"]})

    for server in (a, b, a, b):  # AXES_FAILURE_LIMIT=4
        assert login(server, "wrong", "192.0.2.10").status_code in (200, 429)
    locked = login(b, PASSWORD, "192.0.2.10")
    assert locked.status_code == 429 and "账号已暂时锁定" in locked.text
    assert login(a, PASSWORD, "192.0.2.10").status_code == 429
    # Another office's address (the right-most X-Forwarded-For entry, the one nginx wrote) is not
    # locked out: the spoofable left-hand entry is the same.
    assert login(a, PASSWORD, "192.0.2.99").status_code == 302
