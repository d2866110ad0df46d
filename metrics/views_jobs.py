"""The rebuild page (重算成效指标): a superuser or a county admin starts ``rollup.rebuild`` as a
background job after confirming, and follows its progress on the job's page. One rebuild at a
time: while one is queued or running, the page shows it instead of starting another."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from organizations.jobs import job_start
from organizations.models import Job
from organizations.policy import can_rebuild_figures

STALE_HOURS = 6


@require_http_methods(["GET", "POST"])
def rebuild(request):
    if not can_rebuild_figures(request.user):
        raise PermissionDenied("只有系统管理员和县级管理员可以重算成效指标。")
    # A job a crashed worker left "running" does not block rebuilds for ever.
    recent = timezone.now() - dt.timedelta(hours=STALE_HOURS)
    running = Job.objects.active().filter(handler="rebuild", created_at__gte=recent).select_related("user").first()
    if request.method == "POST":
        if running is None:
            job = job_start(user=request.user, handler="rebuild", label="重算成效指标")
            return redirect("organizations:job_detail", pk=job.pk)
        if running.user_id == request.user.pk:
            return redirect("organizations:job_detail", pk=running.pk)
        messages.warning(request, f"{running.user} 已在 {running.created_at:%H:%M} 开始重算,请等它完成后再试。")
        return redirect("metrics:rebuild")
    last = Job.objects.for_user(request.user).filter(handler="rebuild").first()
    return render(request, "metrics/rebuild.html", {"running": running, "last": last})
