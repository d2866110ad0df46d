from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from organizations.import_jobs import import_jobs_purge
from organizations.jobs import jobs_prune
from organizations.orphans import orphans_clean
from organizations.submissions import submissions_prune


class Command(BaseCommand):
    help = ("删除超过保留时间(JOBS_KEEP_HOURS)的后台任务文件(导出的Excel);任务记录保留。"
            "清除超过IMPORT_KEEP_DAYS天的导入文件及其解析数据(导入记录保留)。"
            "同时清理无记录引用的文件和上传临时文件(clean_orphans)以及过期的表单提交令牌。可每小时由定时任务执行。")

    def handle(self, *args, **opts):
        self.stdout.write(f"已删除 {jobs_prune()} 个过期文件。")
        self.stdout.write(f"已清除 {import_jobs_purge()} 个超过{settings.IMPORT_KEEP_DAYS}天的导入文件。")
        orphans = orphans_clean()
        self.stdout.write(f"已删除 {len(orphans.files)} 个无记录文件、{len(orphans.temps)} 个上传临时文件。")
        self.stdout.write(f"已清除 {submissions_prune()} 条过期的表单提交令牌。")
        # the phone form's staged photos (campaigns owns them; by name, so no upward import)
        call_command("prune_staged_photos", stdout=self.stdout)
