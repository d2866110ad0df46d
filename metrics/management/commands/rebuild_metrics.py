import time

from django.core.management.base import BaseCommand

from metrics import rollup


class Command(BaseCommand):
    help = ("从记录重新推导记录范围、记录贡献和汇总表并修复差异(分小批短事务进行,可在系统运行时执行)。"
            "单位迁移和结对调整已在当时的事务中更新,无需再执行。")

    def handle(self, *args, **opts):
        start = time.perf_counter()
        counts = rollup.rebuild()
        self.stdout.write(f"汇总表已核对:{counts['facts']} 条汇总,{counts['contributions']} 条记录贡献,"
                          f"{counts['scopes']} 条记录范围;修复 {counts['fixed']} 条汇总差异,"
                          f"用时 {time.perf_counter() - start:.1f} 秒。")
