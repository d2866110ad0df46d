"""The workbench (工作台) at ``/``: each role's landing page (:mod:`metrics.workbench`)."""

from __future__ import annotations

from django.shortcuts import render

from organizations.selectors import root_units

from . import workbench as wb


def workbench(request):
    bench = wb.workbench(request.user)
    roots = list(root_units(request.user).order_by("path")[:20])
    return render(request, "metrics/workbench.html", {
        "bench": bench, "roots": roots,
        "silent_days": wb.figures.SILENT_DAYS,
    })
