"""The web import page: choose a kind, download its template, upload, preview, confirm.

Only managers (county_admin, township_staff) and superusers may import. The uploaded file is
kept as an ImportJob until it is confirmed; the job is always fetched through
``ImportJob.objects.for_user``, so another user's job is a 404. Checking and writing the file run
in the background (``organizations.import_jobs``); the page shows their progress, then the result.
"""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cobuild.body import require_whole_body
from cobuild.importing import (
    CONTRACT_KINDS,
    ImportFileError,
    KindNotAvailable,
    get_kind,
    registered_kinds,
    sniff,
    template_workbook,
)
from cobuild.spreadsheets import xlsx_response

from .import_jobs import import_job_check_start, import_job_confirm_start, import_job_create
from .models import ImportJob, ImportStatus, Job
from .policy import can_import


def _require_importer(user) -> None:
    if not can_import(user):
        raise PermissionDenied("只有县级管理员和乡镇工作人员可以导入数据。")


def _kind_or_404(name):
    try:
        return get_kind(name)
    except KindNotAvailable:
        raise Http404("没有这种数据类型。") from None


def _megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="数据文件",
        help_text="Excel(.xlsx,读取第一个工作表)或 UTF-8 编码的 CSV 文件。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"文件太大({_megabytes(upload.size)} MB),最大允许 {_megabytes(limit)} MB。请拆分成几个文件分别导入。"
            )
        content = upload.read()
        try:
            sniff(content, upload.name)
        except ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.content = content
        return upload


@require_GET
def import_start(request):
    _require_importer(request.user)
    jobs = list(ImportJob.objects.for_user(request.user).select_related("user").defer("content")[:20])
    labels = {**CONTRACT_KINDS, **{k.name: k.label for k in registered_kinds()}}
    for job in jobs:
        job.kind_label = labels.get(job.kind, job.kind)
    return render(request, "organizations/import_start.html", {
        "kinds": registered_kinds(),
        "jobs": jobs,
        "show_uploader": request.user.is_superuser,
    })


@require_GET
def import_template(request, kind):
    _require_importer(request.user)
    declaration = _kind_or_404(kind)
    return xlsx_response(template_workbook(declaration), f"{declaration.label}导入模板.xlsx")


@require_http_methods(["GET", "POST"])
@require_whole_body  # a file cut short in transit would be previewed (and imported) cut short
def import_upload(request, kind):
    _require_importer(request.user)
    declaration = _kind_or_404(kind)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = import_job_create(user=request.user, kind=declaration,
                                filename=PurePath(upload.name).name, content=form.content)
        return redirect("organizations:import_preview", pk=job.pk)
    return render(request, "organizations/import_upload.html", {
        "kind": declaration,
        "columns": declaration.get_columns(),
        "form": form,
        "max_mb": _megabytes(settings.IMPORT_MAX_BYTES),
    })


def _preview_context(job: Job) -> dict:
    """The preview (or the write's outcome) from the finished job's stored result."""
    data = job.result
    if "file_error" in data:
        return {"file_error": data["file_error"]}
    if "rows" not in data:  # failed before a result: the job's message says why
        return {"job_error": job.message or "处理没有完成。"}
    try:
        declaration = get_kind(job_kind_name(job))
        headers = {c.key: c for c in declaration.get_columns()}
    except KindNotAvailable:
        headers = {}
    columns = [headers[key] for key in data["columns"] if key in headers]
    return {
        "columns": columns,
        "rows": [(row, row["cells"]) for row in data["rows"]],
        "more_rows": max(0, data["row_count"] - len(data["rows"])),
        "errors": [(e, e["header"]) for e in data["errors"]],
        "more_errors": max(0, data["error_count"] - len(data["errors"])),
        "result": data,
        "kind_label": data.get("kind_label"),
    }


def job_kind_name(job: Job) -> str:
    return ImportJob.objects.filter(pk=job.params["import_job"]).values_list("kind", flat=True).get()


@require_GET
def import_preview(request, pk):
    """The import's page: progress while the file is checked or written, then the preview (or
    every error), then the outcome."""
    _require_importer(request.user)
    imp = get_object_or_404(ImportJob.objects.for_user(request.user).select_related("job"), pk=pk)
    if imp.job is None and imp.status not in (ImportStatus.DONE, ImportStatus.WRITING):
        import_job_check_start(imp=imp, user=request.user)  # uploaded before background checks
        imp.refresh_from_db()
    job = imp.job
    context = {"job": imp, "task": job, "kind_label": CONTRACT_KINDS.get(imp.kind, imp.kind)}
    if job is not None and job.finished:
        if imp.status != ImportStatus.DONE or job.handler == "import_apply":
            context.update({k: v for k, v in _preview_context(job).items() if v is not None})
        context["applied"] = job.handler == "import_apply"
    return render(request, "organizations/import_preview.html", context)


@require_POST
def import_confirm(request, pk):
    _require_importer(request.user)
    imp = get_object_or_404(
        ImportJob.objects.for_user(request.user).filter(status=ImportStatus.PENDING), pk=pk
    )
    if import_job_confirm_start(imp=imp, user=request.user) is None:
        raise Http404("该导入已确认。")
    return redirect("organizations:import_preview", pk=imp.pk)
