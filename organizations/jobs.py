"""Long work off the request: one model (:class:`~organizations.models.Job`), one task
(:func:`run_job`), one progress component (``templates/components/job_progress.html``) and one
status endpoint (``organizations:job_status``) for every kind of background work.

A kind of work is a *handler*, registered by name from the app that owns it (this app cannot
import the apps above it; ``<app>/jobs.py`` modules are discovered like ``importers.py``)::

    @register_job("rebuild", page=lambda job: reverse("metrics:rebuild"))
    def rebuild_job(job, progress):
        progress(0, 10, "重算汇总")
        ...
        job.result = {...}          # saved by run_job with the final status

``job_start`` creates the job and enqueues :func:`run_job` on the default task backend
(django-tasks: the database backend, or RQ in production; README, "Background work"). The worker
sets the job running, calls the handler with a :class:`Progress` that writes the counts to the row
(throttled, so a poll sees rows processed), and ends it done or failed with a Chinese message.
A handler raises :class:`JobError` for a failure the user should read; any other exception is
logged and shown as a generic failure.

Workbooks go through :func:`workbook_job`: the registered builder fills a write-only openpyxl
workbook (bounded memory), saved to a temporary file and then to the default storage, kept for the
owner only until ``expires_at`` (``JOBS_KEEP_HOURS``); ``prune_jobs`` deletes expired files.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks import task

from .models import Job, JobStatus

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5  # progress is written at most this often (and at every stage change)


class JobError(Exception):
    """A failure to show the user as it is (Chinese message)."""


@dataclass(frozen=True)
class Handler:
    name: str
    run: Callable[[Job, Progress], None]
    page: Callable[[Job], str] | None = None  # the page that shows this job (default: job_detail)
    on_failure: Callable[[Job], None] | None = None


_handlers: dict[str, Handler] = {}
_workbooks: dict[str, Callable] = {}
_discovered = False


def register_job(name: str, *, page=None, on_failure=None):
    """Register ``run(job, progress)`` as the handler ``name`` (decorator)."""

    def decorate(run):
        _handlers[name] = Handler(name, run, page, on_failure)
        return run

    return decorate


def register_workbook(name: str):
    """Register ``build(user, params, progress) -> (Workbook, filename)`` as workbook ``name``:
    the one builder both the direct download and the background job call."""

    def decorate(build):
        _workbooks[name] = build
        return build

    return decorate


def _discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("jobs")


def get_handler(name: str) -> Handler:
    _discover()
    return _handlers[name]


def get_workbook(name: str) -> Callable:
    _discover()
    return _workbooks[name]


def job_page(job: Job) -> str:
    handler = get_handler(job.handler)
    return handler.page(job) if handler.page else reverse("organizations:job_detail", args=[job.pk])


class Progress:
    """``progress(done, total=None, stage=None)``: rows processed so far, written to the job row
    at most every ``FLUSH_SECONDS`` (always when the stage changes or the work is complete)."""

    def __init__(self, job: Job):
        self.job = job
        self._flushed = 0.0

    def __call__(self, done: int, total: int | None = None, stage: str | None = None) -> None:
        job = self.job
        changed_stage = stage is not None and stage != job.stage
        job.done = done
        if total is not None:
            job.total = total
        if stage is not None:
            job.stage = stage[:100]
        now = time.monotonic()
        if changed_stage or done >= job.total or now - self._flushed >= FLUSH_SECONDS:
            self._flushed = now
            Job.objects.filter(pk=job.pk).update(done=job.done, total=job.total, stage=job.stage)


def job_start(*, user, handler: str, label: str, params: dict | None = None) -> Job:
    """Create the job and enqueue it. Call outside a transaction (a view): the worker must see
    the row. With the immediate backend (tests) the job has run when this returns."""
    get_handler(handler)  # an unknown handler fails here, not in the worker
    job = Job.objects.create(user=user, handler=handler, label=label[:200], params=params or {},
                             stage="排队等待处理")
    result = run_job.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


@task()
def run_job(job_id: int) -> str:
    """The one task: run a job's handler and record how it ended."""
    job = Job.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.finished:
        return "skipped"
    handler = get_handler(job.handler)
    job.status, job.started_at, job.stage = JobStatus.RUNNING, timezone.now(), "正在处理"
    job.save(update_fields=["status", "started_at", "stage"])
    try:
        handler.run(job, Progress(job))
    except Exception as exc:
        _reconnect_if_lost()
        if isinstance(exc, JobError):
            job.message = str(exc)
        else:
            logger.exception("Job %s (%s) failed", job.pk, job.handler)
            job.message = "处理时出错,没有完成。请稍后重试;如果仍然出错,请联系系统管理员。"
        job.status, job.stage = JobStatus.FAILED, "未完成"
        if handler.on_failure:
            handler.on_failure(job)
    else:
        job.status, job.stage, job.message = JobStatus.DONE, "已完成", job.message
        job.done = max(job.done, job.total)
    job.finished_at = timezone.now()
    if job.file:
        job.expires_at = job.finished_at + dt.timedelta(hours=settings.JOBS_KEEP_HOURS)
    job.save()
    return job.status


def _reconnect_if_lost() -> None:
    """The job failed because its database connection died (a restart, a network cut, a killed
    backend): drop it, so that the failure is recorded on a new one instead of the job staying
    "running" for ever. Not inside a transaction (then the caller's own handling applies)."""
    if (connection.connection is not None and connection.errors_occurred and not connection.in_atomic_block
            and not connection.is_usable()):
        connection.close()


# --------------------------------------------------------------------------------------------
# Workbooks


def workbook_job_start(*, user, workbook: str, label: str, params: dict) -> Job:
    get_workbook(workbook)
    return job_start(user=user, handler="workbook", label=label, params={**params, "workbook": workbook})


@register_job("workbook")
def _workbook_job(job: Job, progress: Progress) -> None:
    build = get_workbook(job.params["workbook"])
    wb, filename = build(job.user, job.params, progress)
    progress(job.done, job.total, "保存文件")
    with tempfile.TemporaryFile() as tmp:
        wb.save(tmp)
        tmp.seek(0)
        job.file.save(f"{secrets.token_hex(16)}.xlsx", File(tmp), save=False)
    job.filename = filename[:200]


def downloadable(job: Job) -> bool:
    return bool(job.status == JobStatus.DONE and job.file and job.expires_at and job.expires_at > timezone.now())


def jobs_prune(*, now=None) -> int:
    """Delete the files of expired jobs (the rows stay as a log); returns how many."""
    now = now or timezone.now()
    count = 0
    for job in Job.objects.filter(expires_at__lte=now).exclude(file=""):
        job.file.delete(save=False)
        with transaction.atomic():
            Job.objects.filter(pk=job.pk).update(file="")
        count += 1
    return count


def ticker(progress, total: int, stage: str, start: int = 0):
    """A ``tick()`` that counts rows written (``write_sheet(progress=...)``) and reports them,
    or None without a progress (a direct download)."""
    if progress is None:
        return None
    done = start
    progress(done, total, stage)

    def tick():
        nonlocal done
        done += 1
        progress(done, total, stage)

    return tick
