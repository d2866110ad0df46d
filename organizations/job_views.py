"""Pages of background jobs (``organizations.jobs``): the list of a user's jobs, one job's page
(progress, then the download or the outcome), the status endpoint the progress bar polls, and the
download. A job is its owner's only: everyone else, superusers included, gets a 404.

``workbook_response`` is what an export view calls: the workbook straight away for a small
scope, a background job and its progress page for a big one; one builder either way.
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from cobuild.spreadsheets import XLSX_TYPE, xlsx_response

from .jobs import downloadable, get_handler, get_workbook, job_page, workbook_job_start
from .models import Job
from .policy import can_rebuild_figures


def _own_job(request, pk) -> Job:
    return get_object_or_404(Job.objects.for_user(request.user), pk=pk)


@require_GET
def job_list(request):
    jobs = list(Job.objects.for_user(request.user).defer("result", "params")[:30])
    for job in jobs:
        job.page = job_page(job)
        job.downloadable = downloadable(job)
    return render(request, "organizations/job_list.html", {
        "jobs": jobs, "can_rebuild": can_rebuild_figures(request.user),
        "keep_hours": settings.JOBS_KEEP_HOURS,
    })


@require_GET
def job_detail(request, pk):
    job = _own_job(request, pk)
    handler = get_handler(job.handler)
    if handler.page is not None:
        return redirect(handler.page(job))
    return render(request, "organizations/job_detail.html", {
        "job": job, "downloadable": downloadable(job), "keep_hours": settings.JOBS_KEEP_HOURS,
    })


@require_GET
def job_status(request, pk):
    """What the progress bar shows, as JSON (polled every second while the job runs)."""
    job = _own_job(request, pk)
    return JsonResponse({
        "status": job.status, "status_label": job.get_status_display(), "finished": job.finished,
        "percent": job.percent, "done": job.done, "total": job.total, "stage": job.stage,
    })


@require_GET
def job_download(request, pk):
    job = _own_job(request, pk)
    if not downloadable(job):
        raise Http404("文件不存在或已过期,请重新导出。")
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename,
                        content_type=XLSX_TYPE)


def workbook_response(request, *, workbook: str, label: str, params: dict, rows: int):
    """The workbook ``workbook`` (``jobs.register_workbook``) for ``params``: built here when its
    estimated size ``rows`` is at most ``EXPORT_DIRECT_MAX_ROWS`` (and ``?background`` is not
    asked), otherwise by the worker, the user sent to the job's progress page."""
    if rows <= settings.EXPORT_DIRECT_MAX_ROWS and not request.GET.get("background"):
        wb, filename = get_workbook(workbook)(request.user, params, None)
        return xlsx_response(wb, filename)
    job = workbook_job_start(user=request.user, workbook=workbook, label=label, params=params)
    return redirect("organizations:job_detail", pk=job.pk)
