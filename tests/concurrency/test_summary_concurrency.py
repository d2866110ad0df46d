"""Many writers at once on PostgreSQL: first writes to the same summary row, an import beside live
logging, a rebuild beside live logging. No errors, no write waits more than a few seconds, and the
figures end equal to a database derived afresh from the records."""

import datetime as dt
import threading
import time

from django.core.management import call_command
from django.db import connection

from campaigns import services as cs
from campaigns.models import Activity
from metrics import rollup, selectors
from metrics.models import Contribution, Fact
from organizations.models import RecordScope, Role
from tests.clock import today
from tests.factories import County, make_campaign, make_pairing, make_unit, make_user

MAX_WAIT_S = 5.0


def world():
    c = County(villages_per_township=5, full=False)
    c.campaign = make_campaign(c.county, slug="bjlbc", start_date=today() - dt.timedelta(days=400))
    c.bureaus = [make_unit("bureau", c.county, name=f"局{i}") for i in range(len(c.villages))]
    c.pairs = [make_pairing(c.campaign, b, v, code=f"P{i}") for i, (b, v) in enumerate(zip(c.bureaus, c.villages, strict=True))]
    c.secretaries = [make_user(f"sec{i}", Role.VILLAGE_SECRETARY, v) for i, v in enumerate(c.villages)]
    return c


def run_threads(target, n):
    """Run ``target(i)`` in ``n`` threads; returns (errors, write durations)."""
    errors, durations, lock = [], [], threading.Lock()

    def body(i):
        try:
            for took in target(i):
                with lock:
                    durations.append(took)
        except Exception as exc:  # noqa: BLE001 - every failure is what this test reports
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors, durations


def log(c, i, k, day=None, outcomes=None):
    start = time.perf_counter()
    v = c.villages[i % len(c.villages)]
    cs.activity_submit(actor=c.secretaries[i % len(c.villages)], campaign=c.campaign, date=day or today(), unit=v,
                       pairing=c.pairs[i % len(c.villages)], category="org_life", title=f"活动{i}-{k}",
                       outcomes=outcomes or {"households_visited": 2})
    return time.perf_counter() - start


def assert_equal_to_fresh_derivation():
    maintained = rollup.snapshot()
    RecordScope.objects.all().delete()
    Contribution.objects.all().delete()
    Fact.objects.all().delete()
    rollup.rebuild()
    assert rollup.snapshot() == maintained


def test_first_writes_to_the_same_summary_rows_all_land():
    c = world()
    # 16 writers, each logging for the same township, county, ... on the same day: every one of
    # them starts by writing summary rows that do not exist yet.
    errors, durations = run_threads(lambda i: [log(c, i, k, day=today() - dt.timedelta(days=k)) for k in range(4)], 16)
    assert errors == []
    assert Activity.objects.count() == 64
    assert selectors.figures(c.county)[1].text == "64"
    assert max(durations) < MAX_WAIT_S
    assert_equal_to_fresh_derivation()


def test_an_import_beside_live_logging(tmp_path):
    c = world()
    rows = [f"IMP{j},bjlbc,{today() - dt.timedelta(days=j % 60)},{c.villages[j % 10].code},P{j % 10},"
            f"org_life,导入{j},{j % 7}" for j in range(600)]
    path = tmp_path / "acts.csv"
    path.write_text("code,campaign,date,unit_code,pairing_code,category,title,problems_solved\n" + "\n".join(rows),
                    encoding="utf-8")

    def work(i):
        if i == 0:
            call_command("import_data", "activities", str(path))
            return []
        return [log(c, i, k) for k in range(6)]

    errors, durations = run_threads(work, 8)
    assert errors == []
    assert Activity.objects.count() == 600 + 7 * 6
    assert max(durations) < MAX_WAIT_S
    assert_equal_to_fresh_derivation()


def test_a_rebuild_beside_live_logging():
    c = world()
    for k in range(40):
        log(c, k, k, day=today() - dt.timedelta(days=k))
    Fact.objects.filter(key="households_visited").update(value=1)   # damage to repair

    def work(i):
        if i == 0:
            rollup.rebuild(chunk=10)
            return []
        return [log(c, i, k) for k in range(6)]

    errors, durations = run_threads(work, 6)
    assert errors == []
    assert max(durations) < MAX_WAIT_S
    assert selectors.figures(c.county)[1].text == str(40 + 5 * 6)
    assert_equal_to_fresh_derivation()
