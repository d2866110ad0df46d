"""``import_data KIND PATH [--dry-run]`` (CONTRACT.md §2): all rows or none, every error on stderr."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cobuild.importing import CONTRACT_KINDS, ImportFileError, KindNotAvailable, get_kind, run_import


class Command(BaseCommand):
    help = ("Import a CSV (UTF-8) or XLSX file of KIND (" + ", ".join(CONTRACT_KINDS) + "). "
            "All or nothing: any bad row means nothing is written and every problem is printed "
            "as 'row N, column C: message' on stderr (exit code 1).")

    def add_arguments(self, parser):
        parser.add_argument("kind", help="one of: " + ", ".join(CONTRACT_KINDS))
        parser.add_argument("path", help="a .csv (UTF-8 with or without BOM, or GBK/GB18030) or .xlsx file")
        parser.add_argument("--dry-run", action="store_true",
                            help="check everything and print what would change; write nothing")

    def handle(self, *args, kind, path, dry_run=False, **options):
        try:
            declaration = get_kind(kind)
        except KindNotAvailable as exc:
            raise CommandError(str(exc)) from None
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"文件不存在:{path}")
        try:
            result = run_import(declaration, file.read_bytes(), file.name, actor=None, dry_run=dry_run)
        except ImportFileError as exc:
            raise CommandError(f"{file.name}: {exc}") from None

        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(result.errors)} error(s) in {file.name}; nothing was written.")

        verb = {"create": "would create" if dry_run else "created",
                "update": "would update" if dry_run else "updated"}
        if options["verbosity"] >= 1:
            for row in result.rows:
                if row.action in verb:
                    code = row.get(declaration.code_column)
                    name = row.get("name") or ""
                    self.stdout.write(f"row {row.number}: {verb[row.action]} {code} {name}".rstrip())
        if dry_run:
            summary = (f"Dry run, nothing written: {declaration.name} would create {result.created}, "
                       f"update {result.updated}, leave {result.unchanged} unchanged.")
        else:
            summary = (f"{declaration.name}: created {result.created}, updated {result.updated}, "
                       f"unchanged {result.unchanged}.")
        self.stdout.write(self.style.SUCCESS(summary))
