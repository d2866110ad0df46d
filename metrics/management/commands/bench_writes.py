"""``manage.py bench_writes``: what a write costs — logging one activity through the service, an
import of many activity rows, and a rebuild of the summary — on a synthetic county.

Builds a county (``--townships`` × ``--villages`` villages, one bureau and one 百局联百村 pairing
per village) through the services, then measures. Everything happens in one transaction that is
rolled back at the end, so it is safe on a database with data. Works on SQLite and PostgreSQL
(``DATABASE_URL``). A benchmark, not a test: it prints figures.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.services import activity_submit, campaign_save
from cobuild.importing import run_import
from metrics import rollup
from metrics.models import Contribution, Fact
from organizations.models import RecordScope, UnitKind
from organizations.services import unit_save
from pairings.services import pairing_save

OUTCOME_SETS = {
    0: {},
    3: {"households_visited": 3, "relief_money": 500, "problems_solved": 2},
    10: {"households_visited": 3, "relief_money": 500, "problems_solved": 2, "info_posts": 4,
         "people_trained": 30, "project_funds": 10000, "agent_services": 2, "activists_added": 1,
         "help_pairs": 2, "plans_drafted": 1},
}


class Command(BaseCommand):
    help = "写入性能基准:服务填报一条活动的SQL条数与耗时、批量导入活动的耗时、汇总重建耗时;结束时回滚。"

    def add_arguments(self, parser):
        parser.add_argument("--townships", type=int, default=10)
        parser.add_argument("--villages", type=int, default=10, help="每个乡镇的村数")
        parser.add_argument("--rows", type=int, default=10000, help="导入的活动行数")
        parser.add_argument("--runs", type=int, default=15, help="单条填报的计时次数")

    def handle(self, *args, **opts):
        if min(opts["townships"], opts["villages"], opts["rows"], opts["runs"]) < 1:
            raise CommandError("各参数至少为1。")
        out = []
        with transaction.atomic():
            started = time.perf_counter()
            world = self._build(opts["townships"], opts["villages"])
            out.append(("build county through the services", f"{time.perf_counter() - started:.1f} s",
                        f"{len(world['villages'])} villages, {len(world['pairs'])} pairings"))
            out.extend(self._log_one(world, opts["runs"]))
            out.append(self._import(world, opts["rows"]))
            started = time.perf_counter()
            counts = rollup.rebuild()
            out.append(("rebuild_metrics (nothing to fix)", f"{time.perf_counter() - started:.1f} s",
                        f"fixed {counts['fixed']}; {counts['facts']} summary, {counts['contributions']} "
                        f"contribution, {counts['scopes']} scope rows"))
            transaction.set_rollback(True)
        self.stdout.write(f"database: {connection.vendor}")
        width = max(len(r[0]) for r in out)
        for name, value, note in out:
            self.stdout.write(f"{name:<{width}}  {value:>12}  {note}")

    def _build(self, townships: int, villages: int) -> dict:
        today = timezone.localdate()
        n = int(time.time())
        county, _ = unit_save(actor=None, code=f"BW{n}", name="基准县", kind=UnitKind.COUNTY, parent=None)
        campaign, _ = campaign_save(actor=None, slug=f"bw{n}", name="基准活动", owner_unit=county,
                                    start_date=today - dt.timedelta(days=365))
        world = {"county": county, "campaign": campaign, "villages": [], "pairs": []}
        for t in range(townships):
            town, _ = unit_save(actor=None, code=f"BW{n}-T{t}", name=f"镇{t}", kind=UnitKind.TOWNSHIP, parent=county)
            for v in range(villages):
                village, _ = unit_save(actor=None, code=f"BW{n}-T{t}-V{v}", name=f"村{t}-{v}",
                                       kind=UnitKind.VILLAGE, parent=town)
                bureau, _ = unit_save(actor=None, code=f"BW{n}-B{t}-{v}", name=f"局{t}-{v}",
                                      kind=UnitKind.BUREAU, parent=county)
                pair, _ = pairing_save(actor=None, code=f"BW{n}-P{t}-{v}", campaign=campaign, bureau=bureau,
                                       village=village, start_date=campaign.start_date)
                world["villages"].append(village)
                world["pairs"].append(pair)
        return world

    def _log_one(self, world, runs: int):
        rows = []
        today = timezone.localdate()
        for size, outcomes in OUTCOME_SETS.items():
            times, queries = [], []
            for i in range(runs):
                k = i % len(world["pairs"])
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    activity_submit(actor=None, campaign=world["campaign"], date=today - dt.timedelta(days=i % 30),
                                    unit=world["villages"][k], pairing=world["pairs"][k], category="org_life",
                                    title="基准活动", outcomes=outcomes)
                    times.append((time.perf_counter() - started) * 1000)
                queries.append(len(ctx.captured_queries))
            rows.append((f"log one activity, {size} outcomes", f"{statistics.median(times):.1f} ms",
                         f"{statistics.median(queries):.0f} queries (min {min(queries)}, max {max(queries)})"))
        return rows

    def _import(self, world, n: int):
        today = timezone.localdate()
        pairs = world["pairs"]
        lines = ["code,campaign,date,unit_code,pairing_code,category,title,participants,households_visited,"
                 "relief_money"]
        stamp = int(time.time())
        for i in range(n):
            p = pairs[i % len(pairs)]
            lines.append(f"BWI{stamp}-{i},{world['campaign'].slug},{today - dt.timedelta(days=i % 300)},"
                         f"{p.village.code},{p.code},org_life,导入活动{i},{i % 40},{i % 5},{i % 7 * 100}")
        data = ("\n".join(lines)).encode("utf-8")
        before = (Fact.objects.count(), Contribution.objects.count(), RecordScope.objects.count())
        started = time.perf_counter()
        result = run_import("activities", data, "bench.csv", actor=None)
        took = time.perf_counter() - started
        if result.errors:
            raise CommandError(f"import refused: {result.errors[:3]}")
        after = (Fact.objects.count(), Contribution.objects.count(), RecordScope.objects.count())
        return (f"import {n} activity rows", f"{took:.1f} s",
                f"{took / n * 1000:.2f} ms a row; +{after[0] - before[0]} summary, "
                f"+{after[1] - before[1]} contribution, +{after[2] - before[2]} scope rows")
