"""Web import jobs: an uploaded file kept as an :class:`ImportJob` between preview and
confirmation. The import itself is ``cobuild.importing.run_import``; both the check (preview) and
the write run as background jobs (``organizations.jobs``), the ImportJob pointing at the current
one. What the preview page shows is kept in the job's ``result`` (:func:`preview_data`).

The file is read once, by the first check: its rows are kept on the ImportJob (``rows``) and
every later check and the write use them. After ``IMPORT_KEEP_DAYS`` the file and its rows are
emptied (:func:`import_jobs_purge`, run by ``prune_jobs``); the job stays as a log.

States of an ImportJob: ``checking`` → ``pending`` (no error: may be confirmed) or ``failed``;
``pending`` → ``writing`` (confirmed) → ``done``, or ``failed`` if a row was refused (nothing
written: all or nothing, as the ``import_data`` command).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cobuild.importing import (
    ImportFileError,
    ImportKind,
    ImportResult,
    KindNotAvailable,
    read_table,
    run_import,
)

from .jobs import JobError, Progress, job_start, register_job
from .models import ImportJob, ImportStatus, Job

PREVIEW_ROWS = 500  # rows kept for the preview table (all errors up to SHOWN_ERRORS are listed)
SHOWN_ERRORS = 1000


def import_job_create(*, user, kind: ImportKind, filename: str, content: bytes) -> ImportJob:
    """Keep the upload and start checking it in the background."""
    imp = ImportJob.objects.create(user=user, kind=kind.name, filename=filename[:200], content=content,
                                   status=ImportStatus.CHECKING)
    import_job_check_start(imp=imp, user=user)
    return imp


def import_job_check_start(*, imp: ImportJob, user) -> Job:
    ImportJob.objects.filter(pk=imp.pk).update(status=ImportStatus.CHECKING)
    job = job_start(user=user, handler="import_check", label=f"检查导入文件:{imp.filename}",
                    params={"import_job": imp.pk})
    _link(imp, job)
    return job


def import_job_confirm_start(*, imp: ImportJob, user) -> Job | None:
    """Confirm a checked file: start writing it. None if it is no longer pending (a second click)."""
    if not ImportJob.objects.filter(pk=imp.pk, status=ImportStatus.PENDING).update(status=ImportStatus.WRITING):
        return None
    job = job_start(user=user, handler="import_apply", label=f"导入:{imp.filename}",
                    params={"import_job": imp.pk})
    _link(imp, job)
    return job


def _link(imp: ImportJob, job: Job) -> None:
    # ``update``: the job may have finished (immediate backend) and saved the ImportJob already.
    ImportJob.objects.filter(pk=imp.pk).update(job=job)
    imp.refresh_from_db()


def preview_data(result: ImportResult) -> dict:
    """What the preview page shows, as JSON: counts, the first rows with their action and cells,
    every error (up to ``SHOWN_ERRORS``) by row and column."""
    declaration = result.kind
    headers = {c.key: c.header for c in declaration.get_columns()}
    present = result.rows[0].present if result.rows else frozenset()
    return {
        "kind_label": declaration.label,
        "columns": [c.key for c in declaration.get_columns() if c.key in present],
        "row_count": len(result.rows),
        "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
        "written": result.written,
        "error_count": len(result.errors),
        "rows": [{"number": row.number, "ok": row.ok, "action": row.action if row.ok else "",
                  "action_label": row.action_label,
                  "cells": ["" if c is None else str(c) for c in declaration.preview(row)]}
                 for row in result.rows[:PREVIEW_ROWS]],
        "errors": [{"row": e.row, "column": e.column, "header": headers.get(e.column, e.column),
                    "message": e.message} for e in result.errors[:SHOWN_ERRORS]],
    }


def _import_job(job: Job) -> ImportJob:
    # The file itself is loaded only if its rows were never read (``_table``).
    return ImportJob.objects.defer("content").get(pk=job.params["import_job"])


PURGED_MESSAGE = "上传的文件已超过保留期限({days}天)被清除,请重新上传。"


def _table(imp: ImportJob) -> list:
    """The file's rows: read from the upload the first time, then kept on the ImportJob."""
    if imp.rows is not None:
        return imp.rows
    if imp.purged_at is not None or not imp.content:
        raise ImportFileError(PURGED_MESSAGE.format(days=settings.IMPORT_KEEP_DAYS))
    table = read_table(bytes(imp.content), imp.filename)
    imp.rows = [[number, cells] for number, cells in table]
    ImportJob.objects.filter(pk=imp.pk).update(rows=imp.rows)
    return imp.rows


def _run(imp: ImportJob, job: Job, *, dry_run: bool, progress=None) -> ImportResult:
    try:
        return run_import(imp.kind, None, imp.filename, actor=job.user, dry_run=dry_run,
                          progress=progress, table=_table(imp))
    except (KindNotAvailable, ImportFileError) as exc:
        job.result = {"file_error": str(exc)}
        ImportJob.objects.filter(pk=imp.pk).update(status=ImportStatus.FAILED, error_count=0)
        raise JobError(str(exc)) from None


def _preview_page(job: Job) -> str:
    return reverse("organizations:import_preview", args=[job.params["import_job"]])


def _check_failed(job: Job) -> None:
    ImportJob.objects.filter(pk=job.params["import_job"], status=ImportStatus.CHECKING).update(
        status=ImportStatus.FAILED)


def _write_failed(job: Job) -> None:
    # Nothing was written (one transaction); the file may be confirmed again.
    ImportJob.objects.filter(pk=job.params["import_job"], status=ImportStatus.WRITING).update(
        status=ImportStatus.PENDING)


@register_job("import_check", page=_preview_page, on_failure=_check_failed)
def import_check_job(job: Job, progress: Progress) -> None:
    """Dry-run the file for the job's user; the preview and the ImportJob's status follow."""
    imp = _import_job(job)
    result = _run(imp, job, dry_run=True, progress=lambda done, total: progress(done, total, "检查数据"))
    job.result = preview_data(result)
    imp.status = ImportStatus.PENDING if result.ok else ImportStatus.FAILED
    imp.error_count = len(result.errors)
    imp.save(update_fields=["status", "error_count"])


@register_job("import_apply", page=_preview_page, on_failure=_write_failed)
def import_apply_job(job: Job, progress: Progress) -> None:
    """Check again (progress shown: rows checked), then validate and write in one transaction
    (all or nothing); the job becomes done, or failed with its error count."""
    imp = _import_job(job)
    check = _run(imp, job, dry_run=True,
                 progress=lambda done, total: progress(done, 2 * total, "检查数据"))
    rows = len(check.rows)
    if check.ok:
        progress(rows, 2 * rows, "写入数据库(全部成功或全部不写入)")
        result = _run(imp, job, dry_run=False)
    else:
        result = check  # what the write would refuse: nothing is written
    job.result = preview_data(result)
    if result.written:
        imp.status = ImportStatus.DONE
        imp.created_count, imp.updated_count, imp.error_count = result.created, result.updated, 0
        imp.finished_at = timezone.now()
    else:
        imp.status, imp.error_count = ImportStatus.FAILED, len(result.errors)
    imp.save(update_fields=["status", "created_count", "updated_count", "error_count", "finished_at"])


def import_jobs_purge(*, now=None) -> int:
    """Empty the uploaded file and the parsed rows of imports uploaded more than
    ``IMPORT_KEEP_DAYS`` ago (the ImportJob stays as a log of who imported what); how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.IMPORT_KEEP_DAYS)
    return ImportJob.objects.filter(created_at__lte=cutoff, purged_at__isnull=True).update(
        content=b"", rows=None, purged_at=now)
