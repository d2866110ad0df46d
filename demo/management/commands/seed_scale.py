"""``manage.py seed_scale``: add the synthetic province ``SC`` for benchmarks (CONTRACT.md §2)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from cobuild.console import format_table
from demo import scale

LABELS = {"counties": "县", "townships": "乡镇", "villages": "村", "bureaus": "机关单位", "pairings": "结对",
          "activities": "活动", "outcomes": "成效填报", "commitments": "承诺", "inspections": "督查/走访",
          "surveys": "测评"}


class Command(BaseCommand):
    help = "添加规模测试用的合成省份 SC(默认 100 个县、约 15,000 个村、约 2,000,000 条活动)。"

    def add_arguments(self, parser):
        parser.add_argument("--counties", type=int, default=100, help="县的个数(默认 100)")
        parser.add_argument("--seed", type=int, default=1, help="随机种子(同一种子生成相同数据)")
        parser.add_argument("--replace", action="store_true", help="已有 SC 时先删除再生成")
        parser.add_argument("--if-missing", action="store_true", help="已有 SC 时什么也不做(make bench 用)")
        parser.add_argument("--townships", type=int, default=10, help="每县平均乡镇数(默认 10)")
        parser.add_argument("--villages", type=int, default=15, help="每乡镇平均村数(默认 15)")
        parser.add_argument("--activities", type=int, default=130, help="每村三年平均活动数(默认 130)")

    def handle(self, *args, counties, seed, replace, if_missing, townships, villages, activities, **options):
        for name, value in (("--counties", counties), ("--townships", townships), ("--villages", villages)):
            if value < 1:
                raise CommandError(f"{name} 必须是正整数。")
        if activities < 0:
            raise CommandError("--activities 不能为负数。")
        if scale.exists():
            if if_missing and not replace:
                self.stdout.write(f"单位 {scale.PROVINCE_CODE} 已存在,沿用现有数据。")
                return
            if not replace:
                self.stderr.write(f"单位 {scale.PROVINCE_CODE} 已存在;要重新生成请加 --replace。")
                raise SystemExit(1)
            began = time.monotonic()
            scale.remove_province()
            self.stdout.write(f"已删除原有的 {scale.PROVINCE_CODE}(用时 {time.monotonic() - began:.1f} 秒)。")
        began = time.monotonic()
        size = scale.Size(counties=counties, townships=townships, villages=villages, activities=activities)
        counts = scale.Builder(size, seed, progress=lambda msg: self.stdout.write(
            f"  {msg}(已用 {time.monotonic() - began:.0f} 秒)")).run()
        self.stdout.write(self.style.SUCCESS(f"规模测试数据已生成(用时 {time.monotonic() - began:.1f} 秒)。"))
        self.stdout.write(format_table(["数据", "条数"], [[LABELS[k], f"{v:,}"] for k, v in counts.items()]))
        self.stdout.write(f"账号:{', '.join(u for u, _ in scale.ACCOUNTS)},密码 {scale.PASSWORD}。")
