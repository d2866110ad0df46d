"""``manage.py bench_uploads``: what refusing a hostile upload costs (issue 10). Each case runs
in its own forked process, which reports the seconds taken and its peak resident memory
(``resource.getrusage``); the files are built beforehand (``demo.hostile_files``) and the
checks are the ones the web pages and ``import_data`` run: ``sniff`` (the upload form),
``run_import`` (the command and the background check) and ``photos_prepare`` (the activity
form). Nothing is written to the database. A benchmark, not a test: it prints figures.
"""

from __future__ import annotations

import multiprocessing
import resource
import time

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand

from campaigns.services import photos_prepare
from cobuild.importing import ImportFileError, run_import, sniff
from demo.hostile_files import bomb_png, huge_string_xlsx, many_rows_xlsx

TARGET_SECONDS = 2.0
TARGET_MB = 300


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _case(check, data: bytes, name: str, pipe) -> None:
    start = time.perf_counter()
    try:
        check(data, name)
        outcome = "accepted"
    except (ImportFileError, ValidationError) as exc:
        text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        outcome = "refused: " + text[:48]
    pipe.send((time.perf_counter() - start, _peak_mb(), outcome))
    pipe.close()


def _upload_form(data, name):
    sniff(data, name)


def _command(data, name):
    run_import("units", data, name, dry_run=True)


def _photo(data, name):
    photos_prepare([SimpleUploadedFile(name, data, content_type="image/png")])


class Command(BaseCommand):
    help = "测量拒绝恶意上传文件(300万行xlsx、超大共享字符串、解压炸弹PNG)的耗时和内存峰值。"

    def handle(self, *args, **opts):
        self.stdout.write("building the files ...")
        rows = many_rows_xlsx(3_000_000)
        rows_hidden = many_rows_xlsx(3_000_000, declare=False)
        cases = [
            ("xlsx 3,000,000 rows, declared", "rows.xlsx", rows, _upload_form),
            ("xlsx 3,000,000 rows, declared (import_data)", "rows.xlsx", rows, _command),
            ("xlsx 3,000,000 rows, no <dimension>", "rows.xlsx", rows_hidden, _upload_form),
            ("xlsx 3,000,000 rows, no <dimension> (import_data)", "rows.xlsx", rows_hidden, _command),
            ("xlsx one 400 MB shared string", "string.xlsx", huge_string_xlsx(400_000_000), _upload_form),
            ("xlsx 100,000 rows (accepted by the checks)", "ok.xlsx", many_rows_xlsx(100_001), _upload_form),
            ("png 30000 x 30000 (decompression bomb)", "bomb.png", bomb_png(30_000, 30_000), _photo),
            ("png 9000 x 9000", "big.png", bomb_png(9_000, 9_000), _photo),
        ]
        ctx = multiprocessing.get_context("fork")
        header = f"{'case':<52} {'file':>9} {'seconds':>8} {'peak RSS':>9}  outcome"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        worst_s = worst_mb = 0.0
        for label, name, data, check in cases:
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_case, args=(check, data, name, child))
            proc.start()
            seconds, peak, outcome = parent.recv()
            proc.join()
            worst_s, worst_mb = max(worst_s, seconds), max(worst_mb, peak)
            self.stdout.write(f"{label:<52} {len(data) / 1024:>6.0f} KB {seconds:>8.2f} {peak:>6.0f} MB  {outcome}")
        verdict = "OK" if worst_s < TARGET_SECONDS and worst_mb < TARGET_MB else "OVER TARGET"
        self.stdout.write(f"worst: {worst_s:.2f} s, {worst_mb:.0f} MB peak RSS "
                          f"(target < {TARGET_SECONDS:.0f} s, < {TARGET_MB} MB): {verdict}")
