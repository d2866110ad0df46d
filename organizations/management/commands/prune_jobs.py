from django.core.management.base import BaseCommand

from organizations.jobs import jobs_prune


class Command(BaseCommand):
    help = "删除超过保留时间(JOBS_KEEP_HOURS)的后台任务文件(导出的Excel);任务记录保留。可每小时由定时任务执行。"

    def handle(self, *args, **opts):
        self.stdout.write(f"已删除 {jobs_prune()} 个过期文件。")
