"""``manage.py bench_tree``: time the tree selectors on a synthetic province-sized county.

Builds one county with ``--townships`` × ``--villages-per-township`` villages (each with its
Party branch and mass organisations, a few blank spots), some bureaus and enterprises, using
``bulk_create`` with the exact ``path``/``depth`` the services would write (``"/<id>/.../"``,
depth = number of ids − 1). Then runs each selector ``--runs`` times and prints the median time
and the number of SQL queries. Everything happens in one transaction that is rolled back at the
end, so it is safe on a database with real data; ``--keep`` commits instead (for a throwaway
database you want to look at afterwards).

Works on SQLite and PostgreSQL (``DATABASE_URL``). This is a benchmark, not a test.
"""

from __future__ import annotations

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.test.utils import CaptureQueriesContext

from cobuild.console import format_table
from organizations import selectors, services
from organizations.models import Organization, OrgKind, Role, Unit, UnitKind, User
from organizations.scoping import forget_grants


class Command(BaseCommand):
    help = "组织树查询性能基准:批量生成一个大县(默认约15,000个村),计时各查询并统计SQL条数;结束时回滚。"

    def add_arguments(self, parser):
        parser.add_argument("--townships", type=int, default=100, help="乡镇数(默认100)")
        parser.add_argument("--villages-per-township", type=int, default=150, help="每个乡镇的村数(默认150)")
        parser.add_argument("--bureaus", type=int, default=80, help="县直单位数(默认80)")
        parser.add_argument("--enterprises-per-township", type=int, default=2, help="每个乡镇的企业数(默认2)")
        parser.add_argument("--runs", type=int, default=5, help="每项查询的计时次数,取中位数(默认5)")
        parser.add_argument("--keep", action="store_true", help="提交而不回滚(仅用于一次性的数据库)")
        parser.add_argument("--no-analyze", action="store_true", help="建好数据后不执行ANALYZE")

    def handle(self, *args, **opts):
        if opts["townships"] < 1 or opts["villages_per_township"] < 0 or opts["runs"] < 1:
            raise CommandError("--townships 和 --runs 至少为1,--villages-per-township 不能为负。")
        with transaction.atomic():
            started = time.perf_counter()
            tree = self._build(opts)
            build_s = time.perf_counter() - started
            if not opts["no_analyze"]:
                self._analyze()
            results = self._measure(tree, opts["runs"])
            if opts["keep"]:
                self._reset_sequences()
            else:
                transaction.set_rollback(True)
        self._print(tree, build_s, results, opts)

    # --- building -----------------------------------------------------------------------------

    def _build(self, opts) -> dict:
        next_unit = (Unit.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        next_org = (Organization.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        tag = f"BENCH{next_unit}"
        units: list[Unit] = []
        orgs: list[Organization] = []
        ids = {"unit": next_unit, "org": next_org}

        def unit(code, name, kind, parent, sort_order=0):
            pk = ids["unit"]
            ids["unit"] += 1
            path = f"{parent.path if parent else '/'}{pk}/"
            u = Unit(pk=pk, code=f"{tag}-{code}", name=name, kind=kind,
                     parent_id=parent.pk if parent else None, path=path, depth=path.count("/") - 2,
                     sort_order=sort_order)
            units.append(u)
            return u

        def org(u, kind, members, led_by=None, suffix=None):
            pk = ids["org"]
            ids["org"] += 1
            o = Organization(pk=pk, code=f"{u.code}-{suffix or kind}", name=f"{u.name}{OrgKind(kind).label}",
                             kind=kind, unit_id=u.pk, led_by_id=led_by.pk if led_by else None,
                             members=members, women_members=members // 3)
            orgs.append(o)
            return o

        def full(u, members, skip=()):
            party = org(u, OrgKind.PARTY_BRANCH, members)
            for kind in (OrgKind.UNION, OrgKind.YOUTH_LEAGUE, OrgKind.WOMEN_FEDERATION):
                if kind not in skip:
                    org(u, kind, 5 + members // 4, led_by=party)

        province = unit("P", "基准省", UnitKind.PROVINCE, None)
        city = unit("C", "基准市", UnitKind.CITY, province)
        county = unit("X", "基准县", UnitKind.COUNTY, city)
        org(county, OrgKind.PARTY_COMMITTEE, 0)
        townships, n = [], 0
        for t in range(opts["townships"]):
            town = unit(f"T{t:04d}", f"第{t + 1}乡镇", UnitKind.TOWNSHIP, county, t)
            townships.append(town)
            org(town, OrgKind.PARTY_COMMITTEE, 30)
            for v in range(opts["villages_per_township"]):
                n += 1
                village = unit(f"T{t:04d}-V{v:04d}", f"第{t + 1}乡镇第{v + 1}村", UnitKind.VILLAGE, town, v)
                skip = []
                if n % 7 == 0:
                    skip.append(OrgKind.YOUTH_LEAGUE)
                if n % 13 == 0:
                    skip.append(OrgKind.UNION)
                full(village, 20 + n % 41, skip)
            for e in range(opts["enterprises_per_township"]):
                ent = unit(f"T{t:04d}-E{e:02d}", f"第{t + 1}乡镇企业{e + 1}", UnitKind.ENTERPRISE, town, 1000 + e)
                if e % 3 == 2:
                    org(ent, OrgKind.UNION, 15)
                else:
                    full(ent, 8)
        for b in range(opts["bureaus"]):
            bureau = unit(f"B{b:04d}", f"县直单位{b + 1}", UnitKind.BUREAU, county, 2000 + b)
            party = org(bureau, OrgKind.PARTY_BRANCH, 25)
            org(bureau, OrgKind.UNION, 30, led_by=party)

        Unit.objects.bulk_create(units, batch_size=2000)
        Organization.objects.bulk_create(orgs, batch_size=2000)
        services.coverage_refresh([u.pk for u in units])   # as organization_save keeps it
        staff, _grant, _ = services.role_grant(actor=None, username=f"{tag.lower()}-township",
                                               role=Role.TOWNSHIP_STAFF, unit=townships[0])
        superuser = User(username=f"{tag.lower()}-admin", is_superuser=True)
        return {"county": county, "township": townships[0], "staff": staff, "superuser": superuser,
                "units": len(units), "orgs": len(orgs), "villages": n}

    def _analyze(self) -> None:
        """Fresh planner statistics for the rows just inserted (both backends allow it in a transaction)."""
        tables = [Unit._meta.db_table, Organization._meta.db_table]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {', '.join(tables)}")
            else:
                for t in tables:
                    cursor.execute(f"ANALYZE {t}")

    def _reset_sequences(self) -> None:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Unit, Organization]):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    # --- measuring ----------------------------------------------------------------------------

    def _measure(self, tree: dict, runs: int) -> list[tuple]:
        county, township, staff, su = tree["county"], tree["township"], tree["staff"], tree["superuser"]

        def scoped_count():
            forget_grants(staff)  # include loading the user's grants, as on a fresh request
            return Unit.objects.for_user(staff).filter(kind=UnitKind.VILLAGE).count()

        def township_children():
            forget_grants(staff)
            return selectors.attach_child_counts(township, selectors.children_with_counts(township, staff))

        cases = [
            ("children+counts(县, 超级管理员)", lambda: selectors.attach_child_counts(county, selectors.children_with_counts(county, su))),
            ("subtree_totals(县)", lambda: selectors.subtree_totals(county)),
            ("coverage_rows(县, 超级管理员)", lambda: selectors.coverage_rows(county, su)),
            ("blank_spots(县, 超级管理员)[:50]", lambda: list(selectors.blank_spots(county, su)[:50])),
            ("Unit.for_user(乡镇用户).filter(村).count()", scoped_count),
            ("children+counts(乡镇, 乡镇用户)", township_children),
        ]
        results = []
        for label, fn in cases:
            with CaptureQueriesContext(connection) as ctx:
                value = fn()  # also the warm-up run
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
            results.append((label, statistics.median(times), min(times), max(times), len(ctx.captured_queries),
                            self._size(value)))
        return results

    @staticmethod
    def _size(value) -> str:
        if isinstance(value, int):
            return str(value)
        if isinstance(value, tuple):  # coverage_rows: (rows, total)
            rows, total = value
            v = total.villages
            return f"{len(rows)}行, 村{v['total']}/完整{v['complete']}"
        if isinstance(value, dict):
            return f"村{value.get('n_villages')}"
        return f"{len(value)}行"

    def _print(self, tree, build_s, results, opts) -> None:
        version = ".".join(str(x) for x in connection.Database.sqlite_version_info) \
            if connection.vendor == "sqlite" else str(connection.pg_version)
        self.stdout.write(
            f"数据库:{connection.vendor} {version};"
            f"单位 {tree['units']:,}(村 {tree['villages']:,}),组织 {tree['orgs']:,};"
            f"批量生成 {build_s:.1f} 秒;每项 {opts['runs']} 次取中位数"
            + ("" if opts["no_analyze"] else ",已 ANALYZE")
        )
        self.stdout.write(format_table(
            ["查询", "中位数ms", "最快ms", "最慢ms", "SQL条数", "结果"],
            [[label, f"{med:.1f}", f"{lo:.1f}", f"{hi:.1f}", n, size]
             for label, med, lo, hi, n, size in results],
        ))
        self.stdout.write("已提交(--keep)。" if opts["keep"] else "已回滚,数据库未改动。")
