import time

from django.core.management.base import BaseCommand

from metrics import rollup


class Command(BaseCommand):
    help = "Recompute the summary tables from the records (after a unit move or a bulk repair)."

    def handle(self, *args, **opts):
        start = time.perf_counter()
        counts = rollup.rebuild()
        self.stdout.write(f"汇总表已重建:{counts['facts']} 条汇总,{counts['contributions']} 条记录贡献,"
                          f"用时 {time.perf_counter() - start:.1f} 秒。")
