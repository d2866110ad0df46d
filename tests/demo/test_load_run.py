"""The load run's cheap parts (README, "负载测试 (load)"): the locustfile imports and reads forms as a
browser sends them, the runner refuses without the synthetic province, and the accounts and
checks work on a small one. The run itself (gunicorn, locust, a minute) is ``make load``."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from demo import load
from organizations.models import Role, RoleGrant, Unit, User

PAGE = """
<form method="post" action="/accounts/logout/"><input type="hidden" name="csrfmiddlewaretoken" value="x"></form>
<form method="post" enctype="multipart/form-data" id="activity-form">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <input type="hidden" name="unit" value="7">
  <select name="pairing"><option value="">(不属于)</option><option value="3" selected>P3</option></select>
  <select name="category"><option value="org_life">组织生活</option><option value="other">其他</option></select>
  <input type="text" name="title" value="">
  <textarea name="description">现场</textarea>
  <input type="file" name="photos">
  <input type="checkbox" name="org-0-DELETE">
  <template><select name="org-__prefix__-who"><option value="o1">x</option></select></template>
  <input type="hidden" name="org-TOTAL_FORMS" value="1">
  <button type="submit">提交</button>
</form>
"""

# Importing locust patches the standard library (gevent): never in the test process.
PROBE = f"""
import json, runpy, sys
ns = runpy.run_path({str(settings.BASE_DIR / 'loadtest' / 'locustfile.py')!r})
forms = ns["page_forms"](sys.stdin.read())
f = forms[1]
f.set("title", "负载测试 1")
photo = ns["photos"]()[0]
print(json.dumps({{"n": len(forms), "id": f.attrs.get("id"), "data": f.data(), "options": f.options,
                  "users": sorted(k for k, v in ns.items() if isinstance(v, type) and getattr(v, "kind", "")),
                  "photo": [photo[:2].hex(), len(photo)]}}))
"""


def test_the_locustfile_imports_and_submits_forms_as_a_browser():
    out = subprocess.run([sys.executable, "-c", PROBE], input=PAGE, capture_output=True, text=True, timeout=60,
                         check=True, cwd=settings.BASE_DIR)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["n"] == 2 and got["id"] == "activity-form"
    assert got["data"] == [["csrfmiddlewaretoken", "tok"], ["unit", "7"], ["pairing", "3"],
                           ["category", "org_life"], ["title", "负载测试 1"], ["description", "现场"],
                           ["org-TOTAL_FORMS", "1"]]
    assert got["options"] == {"pairing": ["", "3"], "category": ["org_life", "other"]}
    assert got["users"] == ["Reviewer", "Secretary", "Staff"]
    assert got["photo"][0] == "ffd8" and 50_000 < got["photo"][1] < 1_000_000  # a JPEG of a few hundred KB


@pytest.mark.django_db
def test_the_runner_refuses_without_the_synthetic_province():
    with pytest.raises(CommandError, match="seed_scale --counties 2"):
        call_command("load_run", stdout=io.StringIO())


@pytest.mark.django_db
def test_accounts_are_prepared_once_and_a_quiet_run_checks_clean(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_scale", seed=5, counties=1, townships=2, villages=3, activities=4, stdout=io.StringIO())
    plan = load.prepare(16, "t1", tmp_path / "results.json")
    assert [len(plan[k]) for k in ("secretaries", "staff", "reviewers")] == [8, 5, 2]  # one reviewer a township
    grants = RoleGrant.objects.count()
    again = load.prepare(16, "t2", tmp_path / "results.json")
    assert RoleGrant.objects.count() == grants
    assert again["secretaries"] == plan["secretaries"] and again["title_prefix"] == "负载测试 t2 "

    reviewers = RoleGrant.objects.filter(user__username__startswith="load-rev-", role=Role.TOWNSHIP_STAFF)
    assert len({g.unit_id for g in reviewers}) == reviewers.count() == 2
    towns = {r["unit"] for r in plan["reviewers"]}
    assert all(Unit.objects.get(pk=s["unit"]).parent_id in towns for s in plan["secretaries"])
    assert {s["username"] for s in plan["staff"]} >= {"scale", "scale-county", "load-staff-01"}
    assert User.objects.get(username="load-sec-01").check_password(load.PASSWORD)

    writes = load.check_writes(plan, {"submitted": [], "reviewed": []})
    assert writes.ok and writes.photos_ok and writes.reviews_ok
    lost = load.check_writes(plan, {"submitted": [["负载测试 t1 load-sec-01-0001", 1]], "reviewed": []})
    assert not lost.ok and lost.lost == ["负载测试 t1 load-sec-01-0001"]
    ok, rows, fixed = load.summary_matches_rebuild()
    assert ok and rows > 0 and fixed == 0
