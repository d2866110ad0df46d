"""``manage.py load_run`` (``make load``): a bounded load run with locust against gunicorn and
PostgreSQL, on loopback only (README, "负载测试 (load)").

1. checks that the synthetic province ``SC`` of ``seed_scale`` is there and prepares the accounts
   (``demo.load.prepare``);
2. collects the static files and starts gunicorn (4 workers, 127.0.0.1, a free port) with
   production settings (``DEBUG=0``, a ``SECRET_KEY``, ``ALLOWED_HOSTS=127.0.0.1``);
3. runs ``locust -f loadtest/locustfile.py --headless`` (16 users, 60 s by default);
4. stops both, then checks: no failed request, every confirmed submission stored exactly once
   (with its photos), every review holds, and the summary table equal to a rebuild;
5. prints one table; exit code 1 if a check failed.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess  # runs this checkout's own manage.py, gunicorn and locust  # nosec B404
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from cobuild.console import format_table
from demo import load, scale

LOCUSTFILE = Path(settings.BASE_DIR) / "loadtest" / "locustfile.py"
BOOT_SECONDS = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def static_collected() -> bool:
    """Whether ``collectstatic`` has written its manifest after every source file last changed
    (the manifest storage post-processes every file: about a minute on this machine)."""
    from django.contrib.staticfiles.finders import get_finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    collected = manifest.stat().st_mtime
    for finder in get_finders():
        for path, storage in finder.list([]):
            if os.path.getmtime(storage.path(path)) > collected:
                return False
    return True


def _ms(value: float) -> str:
    return f"{value:,.0f}"


class Command(BaseCommand):
    help = "负载测试:locust 模拟村书记带照片填报活动、工作人员看看板/列表/矩阵、乡镇审核,压 gunicorn + PostgreSQL。"

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=16, help="并发用户数(默认 16)")
        parser.add_argument("--spawn-rate", type=float, default=8, help="每秒启动的用户数(默认 8)")
        parser.add_argument("--duration", type=int, default=60, help="压测时长,秒(默认 60)")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn 进程数(默认 4)")
        parser.add_argument("--output", help="locust 的 CSV 和日志放在这里(默认临时目录)")
        parser.add_argument("--p95-target", type=float, default=500, help="p95 目标,毫秒(只报告,默认 500)")

    def handle(self, *args, users, spawn_rate, duration, workers, output, p95_target, **options):
        if not scale.exists():
            raise CommandError(f"没有规模测试数据 {scale.PROVINCE_CODE}:请先运行 "
                               "`manage.py seed_scale --counties 2`(快速)或 `manage.py seed_scale`(全省)。")
        if connection.vendor != "postgresql":
            raise CommandError("负载测试需要 PostgreSQL:请设置 DATABASE_URL=postgres://…(SQLite 不支持多进程并发写入)。")
        if users < 1 or duration < 1 or workers < 1:
            raise CommandError("--users、--duration、--workers 必须是正整数。")
        began = time.monotonic()
        out = Path(output) if output else Path(tempfile.mkdtemp(prefix="cobuild-load-"))
        out.mkdir(parents=True, exist_ok=True)
        run_id = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        results = out / "results.json"
        results.unlink(missing_ok=True)
        plan = load.prepare(users, run_id, results)
        plan_path = out / "plan.json"
        plan_path.write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
        n = load.people(users)
        self.stdout.write(f"账号已就绪:{n['secretaries']} 名村书记、{n['staff']} 名工作人员、"
                          f"{n['reviewers']} 名审核人(密码 {plan['password']})。输出目录 {out}")

        env = {**os.environ, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
               "ALLOWED_HOSTS": "127.0.0.1", "SECURE_HTTPS": "0", "BEHIND_PROXY": "0", "DATABASE_REPLICA_URL": "",
               # The simulated staff log in with a password only (README, 双因素认证).
               "REQUIRE_2FA": os.environ.get("REQUIRE_2FA", "0"),
               "STATIC_MANIFEST": "1", "WHITENOISE_USE_FINDERS": "0"}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        base = str(settings.BASE_DIR)
        if not static_collected():
            self.stdout.write("收集静态文件(collectstatic,首次约一分钟)……")
            subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],  # nosec B603
                           cwd=base, env=env, check=True)

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = (out / "gunicorn.log").open("w")
        server = subprocess.Popen(  # fixed argv: this Python, gunicorn, a free local port  # nosec B603
            [sys.executable, "-m", "gunicorn", "cobuild.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--timeout", "60", "--chdir", base],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        locust_rc = None
        try:
            self._wait_until_up(url, server, out / "gunicorn.log")
            self._warm(url, workers)
            self.stdout.write(f"gunicorn({workers} 个进程)已在 {url} 启动;locust {users} 个用户,{duration} 秒……")
            with (out / "locust.log").open("w") as locust_log:
                try:
                    locust_rc = subprocess.run(  # fixed argv: this Python's locust  # nosec B603
                        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
                         "-u", str(users), "-r", str(spawn_rate), "-t", f"{duration}s", "--stop-timeout", "20",
                         "--host", url, "--csv", str(out / "locust"), "--loglevel", "WARNING"],
                        cwd=base, env={**os.environ, "LOAD_PLAN": str(plan_path)},
                        stdout=locust_log, stderr=subprocess.STDOUT, timeout=duration + 90).returncode
                except subprocess.TimeoutExpired as exc:
                    raise CommandError(f"locust 没有按时结束(见 {out / 'locust.log'})。") from exc
        finally:
            server.send_signal(signal.SIGTERM)  # graceful: requests in flight finish
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()
        if not (out / "locust_stats.csv").exists() or not results.exists():
            raise CommandError(f"locust 没有写出结果(退出码 {locust_rc},见 {out / 'locust.log'})。")
        self._report(plan, out, results, p95_target, began)

    def _warm(self, url, workers):
        """A few concurrent page loads first, so every worker has loaded its templates (a server
        that has been up a while), not measured."""
        from concurrent.futures import ThreadPoolExecutor

        def fetch(_):
            try:
                with urlopen(url + "/accounts/login/", timeout=30) as r:  # http://127.0.0.1 only  # nosec B310
                    r.read()
            except (URLError, OSError):
                pass

        with ThreadPoolExecutor(workers * 2) as pool:
            list(pool.map(fetch, range(workers * 4)))

    def _wait_until_up(self, url, proc, log):
        deadline = time.monotonic() + BOOT_SECONDS
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise CommandError(f"gunicorn 退出了({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                with urlopen(url + "/healthz", timeout=10) as r:  # http://127.0.0.1 only  # nosec B310
                    if r.status == 200:
                        return
            except (URLError, OSError):
                pass
            time.sleep(0.3)
        raise CommandError(f"gunicorn 在 {BOOT_SECONDS} 秒内没有响应:\n{log.read_text()[-3000:]}")

    def _report(self, plan, out, results_path, p95_target, began):
        results = json.loads(results_path.read_text(encoding="utf-8"))
        stats = load.final_stats(results) or load.read_stats(out / "locust_stats.csv")
        writes = load.check_writes(plan, results)
        self.stdout.write("核对汇总表(rebuild)……")
        summary_ok, summary_rows, fixed = load.summary_matches_rebuild()

        rows = []
        total = next((s for s in stats if s.name == "Aggregated"), None)
        pages = next((s for s in stats if s.name == "all but login"), None)
        kinds = [s for s in stats if s is not total and s is not pages]
        for s in [*kinds, *([pages] if pages else [])]:
            rows.append([s.name, f"{s.requests:,}", f"{s.rps:.2f}", _ms(s.p50), _ms(s.p95), s.failures, ""])
        failures = total.failures if total else 1
        slow = [s.name for s in kinds if s.p95 > p95_target and not s.name.startswith("login")]
        checks = []
        if total:
            rows.append(["all requests", f"{total.requests:,}", f"{total.rps:.2f}", _ms(total.p50), _ms(total.p95),
                         total.failures, "ok" if failures == 0 else "FAILED"])
        checks.append(failures == 0 and total is not None)
        rows.append([f"p95 ≤ {p95_target:.0f} ms (target, reported)", "", "", "", "", "",
                     "met" if not slow else f"missed by {len(slow)} of "
                     f"{sum(not s.name.startswith('login') for s in kinds)} page types (login not counted)"])
        rows.append(["activities submitted / stored", f"{writes.confirmed:,} / {writes.stored:,}", "", "", "", "",
                     "ok: each stored once" if writes.ok else
                     f"FAILED: doubled {len(writes.doubled)}, lost {len(writes.lost)}, "
                     f"not confirmed {len(writes.unconfirmed)}"])
        checks.append(writes.ok and writes.confirmed > 0)
        rows.append(["photos sent / stored", f"{writes.photos_expected:,} / {writes.photos_stored:,}", "", "", "", "",
                     "ok" if writes.photos_ok else f"FAILED: {'; '.join(writes.photo_problems[:3])}"])
        checks.append(writes.photos_ok)
        rows.append(["reviews confirmed / holding", f"{writes.reviews:,}", "", "", "", "",
                     "ok" if writes.reviews_ok else f"FAILED: {'; '.join(writes.review_problems[:3])}"])
        checks.append(writes.reviews_ok)
        rows.append(["summary = rebuild", f"{summary_rows:,} rows", "", "", "", "",
                     f"ok (fixed {fixed})" if summary_ok else f"FAILED (fixed {fixed})"])
        checks.append(summary_ok)
        self.stdout.write(format_table(["request type / check", "n", "req/s", "p50 ms", "p95 ms", "failures", "check"],
                                       rows))
        self.stdout.write(f"用时 {time.monotonic() - began:.0f} 秒;locust 的 CSV 和日志在 {out}")
        for title in (writes.doubled + writes.lost + writes.unconfirmed)[:10]:
            self.stderr.write(f"  {title}")
        if not all(checks):
            for error in results.get("errors", [])[:10]:
                self.stderr.write(f"  {error}")
            raise SystemExit(1)
