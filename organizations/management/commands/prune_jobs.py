from django.conf import settings
from django.core.management.base import BaseCommand

from organizations.import_jobs import import_jobs_purge
from organizations.jobs import jobs_prune


class Command(BaseCommand):
    help = ("删除超过保留时间(JOBS_KEEP_HOURS)的后台任务文件(导出的Excel),并清除超过IMPORT_KEEP_DAYS天的"
            "导入文件及其解析数据;任务和导入记录保留。可每小时由定时任务执行。")

    def handle(self, *args, **opts):
        self.stdout.write(f"已删除 {jobs_prune()} 个过期文件。")
        self.stdout.write(f"已清除 {import_jobs_purge()} 个超过{settings.IMPORT_KEEP_DAYS}天的导入文件。")
