from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cobuild.backup import BackupError, Target, read_manifest, restore


class Command(BaseCommand):
    help = ("把 backup 生成的备份目录恢复到一个新建的空数据库和空的文件目录(默认:当前配置的 DATABASE_URL 和 "
            "MEDIA_ROOT),之后逐表核对行数。不会覆盖已有数据。")

    def add_arguments(self, parser):
        parser.add_argument("folder", help="备份目录(backups/cobuild-YYYYmmdd-HHMMSS)")
        parser.add_argument("--database-url", help="恢复到这个数据库(默认 DATABASE_URL),必须是新建的空库")
        parser.add_argument("--media-root", help="文件恢复到这个目录(默认 MEDIA_ROOT),必须为空")
        parser.add_argument("--yes", action="store_true", help="不再询问确认")

    def handle(self, *args, folder, database_url=None, media_root=None, yes=False, **opts):
        try:
            manifest = read_manifest(Path(folder))
            target = Target.from_url(database_url) if database_url else Target.from_settings()
            from django.conf import settings

            media = Path(media_root) if media_root else Path(settings.MEDIA_ROOT)
            self.stdout.write(f"备份:{folder}(创建于 {manifest['created']},{len(manifest['tables'])} 张表,"
                              f"{manifest['media']['files']} 个文件)")
            self.stdout.write(f"将恢复到数据库 {target.label()} 和文件目录 {media}。")
            if not yes and input("确认恢复请输入 yes:").strip().lower() != "yes":
                raise CommandError("已取消,没有做任何改动。")
            out = restore(Path(folder), target=target, media_root=media)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if out["mismatches"]:
            lines = "\n".join(f"  {t}:备份时 {a},恢复后 {b}" for t, a, b in out["mismatches"])
            raise CommandError(f"恢复后核对不一致:\n{lines}")
        self.stdout.write(f"已恢复并核对:{out['tables']} 张表共 {out['rows']} 行、{out['files']} 个文件,与备份时一致。")
