from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cobuild.backup import BackupError, backup


class Command(BaseCommand):
    help = ("备份数据库(PostgreSQL 用 pg_dump -Fc;SQLite 复制数据库文件)和 MEDIA_ROOT 下的文件,"
            "写入 BACKUP_DIR(默认 backups/)下带时间的目录,附每张表的行数(manifest.json)。")

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", help="备份写到这个目录下(默认 BACKUP_DIR)")

    def handle(self, *args, output_dir=None, **opts):
        try:
            folder = backup(output_dir=Path(output_dir) if output_dir else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        from cobuild.backup import read_manifest

        m = read_manifest(folder)
        self.stdout.write(f"已备份到 {folder}:{len(m['tables'])} 张表共 {sum(m['tables'].values())} 行,"
                          f"{m['media']['files']} 个文件。")
        if m["media"]["object_storage"]:
            self.stdout.write("注意:照片保存在对象存储中,不在本备份内,请用对象存储自身的工具备份存储桶。")
