"""``manage.py bench_scale`` (``make bench``): the portal's pages and writes on the synthetic
province of ``seed_scale``, against the configured database.

Pages are requested in-process through the whole middleware stack (``django.test.Client``,
logged in as ``scale`` — the province — or ``scale-county``) after ``--warm`` requests: p50, p95,
queries and response size of ``--runs`` requests each. Then the writes (logging one activity
through the service, an import of ``--rows`` activity rows, ``export_metrics``), inside a
transaction rolled back at the end, so the database is left as it was and runs are comparable.
Last, the province headline and drill-down computed the naive way (ORM aggregation over the raw
records) beside the summary-table way, with the ratio. One table. A benchmark, not a test.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Activity, ActivityOutcome, Category, Commitment, CommitmentStatus, ReviewStatus
from campaigns.services import activity_submit
from cobuild.importing import run_import
from demo import scale
from metrics import figures
from metrics.models import Contribution, Fact
from organizations.models import RecordScope, Unit, UnitKind, User
from pairings.models import Inspection, InspectionKind, Pairing


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Command(BaseCommand):
    help = "规模基准:在 seed_scale 生成的合成省份上测页面和写入的耗时(p50/p95)、SQL 条数,并与直接聚合原始记录对比。"

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20, help="每个页面的计时次数(默认 20)")
        parser.add_argument("--warm", type=int, default=2, help="计时前的预热次数(默认 2)")
        parser.add_argument("--rows", type=int, default=10000, help="导入的活动行数(默认 10000)")
        parser.add_argument("--only", default="", help="只测名称包含此文字的项目")

    def handle(self, *args, runs, warm, rows, only, **options):
        if runs < 1 or warm < 0 or rows < 1:
            raise CommandError("--runs、--rows 至少为 1,--warm 不能为负数。")
        if not scale.exists():
            raise CommandError(f"没有规模测试数据:先运行 manage.py seed_scale(单位 {scale.PROVINCE_CODE})。")
        if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        self.runs, self.warm, self.only = runs, warm, only
        self.rows_out: list[list[str]] = []
        self.medians: dict[str, float] = {}
        province = Unit.objects.get(code=scale.PROVINCE_CODE)
        county = Unit.objects.get(code=f"{scale.PROVINCE_CODE}-001")
        township = Unit.objects.filter(parent=county, kind=UnitKind.TOWNSHIP).order_by("code").first()
        village = Unit.objects.filter(parent=township, kind=UnitKind.VILLAGE).order_by("code").first()
        pairing = Pairing.objects.filter(village__path__startswith=county.path).order_by("code").first()
        campaign = pairing.campaign
        prov_user, county_user = (User.objects.get(username=u) for u, _c in scale.ACCOUNTS)
        sizes = {"activities": Activity.objects.count(), "summary": Fact.objects.count(),
                 "contributions": Contribution.objects.count(), "scopes": RecordScope.objects.count(),
                 "villages": Unit.objects.filter(kind=UnitKind.VILLAGE).count()}
        self.stdout.write(f"database: {connection.vendor}; {sizes['activities']:,} activities, "
                          f"{sizes['villages']:,} villages; summary {sizes['summary']:,} + contributions "
                          f"{sizes['contributions']:,} + scope {sizes['scopes']:,} rows "
                          f"({(sizes['summary'] + sizes['contributions'] + sizes['scopes']) / max(sizes['activities'], 1):.1f}"
                          " per activity)")

        prov, cty = Client(), Client()
        prov.force_login(prov_user)
        cty.force_login(county_user)
        dash = reverse("metrics:dashboard")
        acts = reverse("campaigns:activity_list")
        pages = [
            ("dashboard, province", prov, f"{dash}?unit={province.pk}"),
            ("dashboard, county", cty, f"{dash}?unit={county.pk}"),
            ("dashboard, township", cty, f"{dash}?unit={township.pk}"),
            ("dashboard, village", cty, f"{dash}?unit={village.pk}"),
            ("bulletin, province", prov, f"{reverse('metrics:bulletin')}?unit={province.code}"),
            ("bulletin, county", cty, f"{reverse('metrics:bulletin')}?unit={county.code}"),
            ("activity list, province, first page", prov, acts),
            ("activity list, province, page 200", prov, f"{acts}?page=200"),
            ("activity list, province, filtered", prov, f"{acts}?category={Category.TECH_TO_COUNTRYSIDE}"
                                                       f"&status={ReviewStatus.SUBMITTED}"),
            ("activity list, county, first page", cty, f"{acts}?unit={county.pk}"),
            ("pairing matrix, province", prov, reverse("pairings:matrix")),
            ("pairing matrix, county", cty, reverse("pairings:matrix")),
            ("ledger of one pairing", cty, reverse("pairings:detail", args=[pairing.pk])),
            ("activity form, province user", prov, reverse("campaigns:activity_create")),
            ("summary.csv, province", prov, f"{reverse('metrics:summary_csv')}?unit={province.code}"),
        ]
        for name, client, url in pages:
            self._page(name, client, url)

        with transaction.atomic():
            self._writes(campaign, village, pairing, province, rows)
            transaction.set_rollback(True)
        self._naive(province, campaign)

        widths = [max(len(r[i]) for r in [self.HEAD, *self.rows_out]) for i in range(len(self.HEAD))]
        for r in [self.HEAD, ["-" * w for w in widths], *self.rows_out]:
            self.stdout.write("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                                        enumerate(zip(r, widths, strict=True))).rstrip())

    HEAD = ["measure", "p50", "p95", "queries", "size", "note"]

    def _wanted(self, name: str) -> bool:
        return not self.only or self.only in name

    def _page(self, name: str, client: Client, url: str) -> None:
        if not self._wanted(name):
            return
        for _ in range(self.warm):
            client.get(url)
        times, queries, size = [], [], 0
        for _ in range(self.runs):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                body = b"".join(response.streaming_content) if response.streaming else response.content
                times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise CommandError(f"{name}: {url} answered {response.status_code}")
            queries.append(len(ctx.captured_queries))
            size = len(body)
        self._record(name, times, queries, f"{size / 1024:,.0f} KB", url)

    def _record(self, name: str, times: list[float], queries: list[int], size: str, note: str) -> None:
        self.medians[name] = statistics.median(times)
        self.rows_out.append([name, _ms(statistics.median(times)), _ms(_pct(times, 0.95)),
                              f"{statistics.median(queries):.0f}", size, note])

    def _timed(self, name: str, fn: Callable[[], object], runs: int, note: str = "") -> object:
        if not self._wanted(name):
            return None
        times, queries, result = [], [], None
        for _ in range(runs):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                result = fn()
                times.append(time.perf_counter() - started)
            queries.append(len(ctx.captured_queries))
        self._record(name, times, queries, "", note)
        return result

    def _writes(self, campaign, village, pairing, province, rows: int) -> None:
        today = figures.today()
        counter = iter(range(10**6))

        def log_one():
            i = next(counter)
            activity_submit(actor=None, campaign=campaign, date=today - dt.timedelta(days=i % 30), unit=village,
                            pairing=pairing, category=Category.ORG_LIFE, title="基准活动",
                            outcomes={"households_visited": 3, "relief_money": 500, "problems_solved": 2})
        self._timed("log one activity (service, 3 outcomes)", log_one, self.runs)

        def export():
            out = io.StringIO()
            call_command("export_metrics", unit=province.code, campaign=campaign.slug, stdout=out)
            return out
        self._timed("export_metrics, province (csv)", export, max(3, self.runs // 4))

        if self._wanted("import"):
            pairs = list(Pairing.objects.filter(village__path__startswith=village.path.rsplit("/", 3)[0] + "/")
                         .select_related("village").order_by("code")[:200])
            stamp = int(time.time())
            lines = ["code,campaign,date,unit_code,pairing_code,category,title,participants,households_visited,"
                     "relief_money"]
            for i in range(rows):
                p = pairs[i % len(pairs)]
                lines.append(f"BS{stamp}-{i},{campaign.slug},{today - dt.timedelta(days=i % 300)},"
                             f"{p.village.code},{p.code},org_life,导入活动{i},{i % 40},{i % 5},{i % 7 * 100}")
            data = "\n".join(lines).encode()
            started = time.perf_counter()
            result = run_import("activities", data, "bench.csv", actor=None)
            took = time.perf_counter() - started
            if result.errors:
                raise CommandError(f"import refused: {result.errors[:3]}")
            self.rows_out.append([f"import {rows:,} activity rows", f"{took:.1f} s", "", "", "",
                                  f"{took / rows * 1000:.2f} ms a row"])

    def _naive(self, province: Unit, campaign) -> None:
        """The province headline and its drill-down by county, from the raw records (what the
        portal would do without the summary table) beside the summary-table way."""
        p = figures.period(campaign, None, None, figures.today())
        d_from, d_to = p.date_from, p.date_to
        inds = figures.indicators()
        # The naive drill-down costs seconds a county: both ways are timed on the first ten.
        counties = list(Unit.objects.filter(parent=province).order_by("path")[:10])

        def naive_for(path: str) -> dict:
            in_tree = (Q(unit__path__startswith=path) | Q(pairing__village__path__startswith=path)
                       | Q(pairing__bureau__path__startswith=path))
            acts = Activity.objects.filter(in_tree, campaign=campaign, date__range=(d_from, d_to)).exclude(
                status=ReviewStatus.RETURNED)
            out = {"activities": acts.count()}
            out.update(acts.values("category").annotate(n=Count("pk")).values_list("category", "n"))
            out.update(ActivityOutcome.objects.filter(activity__in=acts.values("pk")).values(
                "indicator__code").annotate(v=Sum("value")).values_list("indicator__code", "v"))
            comm = Commitment.objects.filter(in_tree, campaign=campaign, made_on__range=(d_from, d_to))
            out["commitments_made"] = comm.exclude(status=CommitmentStatus.CANCELLED).count()
            out["commitments_done"] = comm.filter(status=CommitmentStatus.DONE).count()
            insp = Inspection.objects.filter(in_tree, campaign=campaign, held_on__range=(d_from, d_to))
            out["inspections"] = insp.exclude(kind=InspectionKind.LEADER_VISIT).count()
            out["leader_visits"] = insp.filter(kind=InspectionKind.LEADER_VISIT).aggregate(
                v=Sum("visitors"))["v"] or 0
            return out

        def naive():
            return naive_for(province.path)

        def naive_drill():
            return {c.pk: naive_for(c.path) for c in counties}

        def summary_way():
            return figures.summary(province, campaign, d_from, d_to, inds)

        def summary_drill():
            return figures.unit_figures(counties, campaign, d_from, d_to, inds)

        runs = max(3, self.runs // 4)
        got = self._timed("province headline, naive (ORM over raw records)", naive, runs)
        mine = self._timed("province headline, summary table", summary_way, runs)
        self._timed("province drill-down, 10 counties, naive", naive_drill, max(1, runs // 3))
        self._timed("province drill-down, 10 counties, summary table", summary_drill, runs)
        for what, a, b in (("headline", "province headline, naive (ORM over raw records)",
                            "province headline, summary table"),
                           ("drill-down", "province drill-down, 10 counties, naive",
                            "province drill-down, 10 counties, summary table")):
            if a in self.medians and b in self.medians:
                self.rows_out.append([f"ratio naive / summary, {what}",
                                      f"{self.medians[a] / self.medians[b]:.0f}×", "", "", "", ""])
        if got is not None and mine is not None:
            fig = figures.figure_map(mine.figures)
            if Decimal(got["activities"]) != fig["activities"].value:
                raise CommandError(f"the two ways disagree on activities: {got['activities']} vs "
                                   f"{fig['activities'].value}")
