from django.core.management.base import BaseCommand, CommandError

from organizations.orphans import orphans_clean


class Command(BaseCommand):
    help = ("删除没有任何记录引用的文件(进程中断留下的照片、导出文件)和过期的上传临时文件,"
            "只删除早于 --hours 小时(默认 ORPHAN_FILES_HOURS)的文件。prune_jobs 每次也会执行。")

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=None, help="只删除早于这么多小时的文件")
        parser.add_argument("--dry-run", action="store_true", help="只列出,不删除")

    def handle(self, *args, hours=None, dry_run=False, **opts):
        if hours is not None and hours < 0:
            raise CommandError("--hours 不能为负数。")
        out = orphans_clean(hours=hours, dry_run=dry_run)
        verb = "将删除" if dry_run else "已删除"
        for name in out.files:
            self.stdout.write(f"{verb} {name}")
        for path in out.temps:
            self.stdout.write(f"{verb} {path}")
        self.stdout.write(f"{verb} {len(out.files)} 个无记录文件、{len(out.temps)} 个上传临时文件;"
                          f"{out.kept_young} 个无记录文件较新,暂时保留。")
