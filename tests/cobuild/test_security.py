"""Settings hardening (issue 10): no published SECRET_KEY in production, SECURE_HTTPS instead of the
CGI variable HTTPS, the Content-Security-Policy, and Cache-Control on personal data."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from organizations.models import Role
from tests.factories import County, make_leader, make_user

SHOW = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({"ssl": s.SECURE_SSL_REDIRECT, "hsts": s.SECURE_HSTS_SECONDS, "2fa": s.REQUIRE_2FA}))
"""


def run_env(**env):
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "HTTPS", "SECURE_HTTPS",
                                                             "REQUIRE_2FA")}
    base.update(DJANGO_SETTINGS_MODULE="cobuild.settings", DATABASE_URL="sqlite:///:memory:", **env)
    return base


def run(code, **env):
    base = run_env(**env)
    return subprocess.run([sys.executable, "-c", code], env=base, cwd=settings.BASE_DIR, capture_output=True,
                          text=True, timeout=120)


SERVE = "import cobuild.wsgi"  # what gunicorn and runserver load
COMMAND = "import django; django.setup(); print('ok')"  # a one-off command (import_data, export_metrics)


def test_production_server_refuses_to_start_without_its_own_secret_key():
    out = run(SERVE, DEBUG="0")
    assert out.returncode != 0 and "ImproperlyConfigured" in out.stderr and "SECRET_KEY is not set" in out.stderr
    published = "insecure-development-key-only-for-local-use-change-me-in-production-0123456789"
    out = run(SERVE, DEBUG="0", SECRET_KEY=published)
    assert out.returncode != 0 and "SECRET_KEY" in out.stderr
    assert run(SERVE, DEBUG="0", SECRET_KEY="a-long-random-production-key-" + "x" * 30).returncode == 0
    assert run(SERVE, DEBUG="1").returncode == 0  # make demo, make bench
    # Commands that serve nothing still run (CONTRACT §2: import_data, export_metrics without a key) ...
    assert run(COMMAND, DEBUG="0").stdout.strip() == "ok"
    # ... but `check --deploy` fails on the published key.
    out = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], capture_output=True, text=True,
                         cwd=settings.BASE_DIR, timeout=120, env={**run_env(), "DEBUG": "0"})
    assert out.returncode != 0 and "cobuild.E002" in out.stderr


def test_secure_https_switches_tls_on_and_the_cgi_variable_does_not():
    key = "a-long-random-production-key-" + "x" * 30
    on = run(SHOW, DEBUG="0", SECRET_KEY=key, SECURE_HTTPS="1")
    assert on.returncode == 0, on.stderr
    assert '"ssl": true' in on.stdout and '"hsts": 31536000' in on.stdout
    off = run(SHOW, DEBUG="0", SECRET_KEY=key, HTTPS="on")  # what runserver's CGI environment holds
    assert '"ssl": false' in off.stdout


def test_second_factor_is_required_by_default_in_production_only():
    key = "a-long-random-production-key-" + "x" * 30
    assert '"2fa": true' in run(SHOW, DEBUG="0", SECRET_KEY=key).stdout
    assert '"2fa": false' in run(SHOW, DEBUG="1").stdout
    assert '"2fa": false' in run(SHOW, DEBUG="0", SECRET_KEY=key, REQUIRE_2FA="0").stdout


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy(client):
    r = client.get("/accounts/login/")
    csp = r.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no inline script, no CDN
    assert directives["frame-ancestors"] == "'none'"
    assert "<script>" not in r.text and "onclick" not in r.text


@pytest.mark.django_db
def test_pages_and_exports_with_personal_data_are_not_cached(client):
    county = County(villages_per_township=1, townships=1)
    make_leader(county.villages[0], name="王书记", phone="13912345678")
    client.force_login(make_user("county", Role.COUNTY_ADMIN, county.county))
    page = client.get(reverse("organizations:unit_detail", args=[county.villages[0].pk]))
    assert page.status_code == 200 and "13912345678" in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    export = client.get(reverse("organizations:coverage", args=[county.county.pk]) + "?export=xlsx")
    assert export.status_code == 200 and "spreadsheetml" in export.headers["Content-Type"]
    assert export.headers["Cache-Control"] == "private, no-store"
