"""Web import jobs: an uploaded file kept as an :class:`ImportJob` between preview and
confirmation. The import itself is ``cobuild.importing.run_import``."""

from __future__ import annotations

from django.utils import timezone

from cobuild.importing import ImportKind, ImportResult, run_import

from .models import ImportJob, ImportStatus


def import_job_create(*, user, kind: ImportKind, filename: str, content: bytes) -> ImportJob:
    return ImportJob.objects.create(user=user, kind=kind.name, filename=filename[:200], content=content)


def import_job_check(*, job: ImportJob, actor) -> ImportResult:
    """Dry-run the job's file for ``actor``; record whether it has errors."""
    result = run_import(job.kind, bytes(job.content), job.filename, actor=actor, dry_run=True)
    status = ImportStatus.PENDING if result.ok else ImportStatus.FAILED
    if job.status != status or job.error_count != len(result.errors):
        job.status, job.error_count = status, len(result.errors)
        job.save(update_fields=["status", "error_count"])
    return result


def import_job_confirm(*, job: ImportJob, actor) -> ImportResult:
    """Validate again and write; the job becomes done, or failed with its error count."""
    result = run_import(job.kind, bytes(job.content), job.filename, actor=actor)
    if result.written:
        job.status = ImportStatus.DONE
        job.created_count, job.updated_count, job.error_count = result.created, result.updated, 0
        job.finished_at = timezone.now()
    else:
        job.status, job.error_count = ImportStatus.FAILED, len(result.errors)
    job.save()
    return result
