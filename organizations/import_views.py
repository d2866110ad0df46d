"""The web import page: choose a kind, download its template, upload, preview, confirm.

Only managers (county_admin, township_staff) and superusers may import. The uploaded file is
kept as an ImportJob until it is confirmed; the job is always fetched through
``ImportJob.objects.for_user``, so another user's job is a 404.
"""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

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

from .import_jobs import import_job_check, import_job_confirm, import_job_create
from .models import ImportJob, ImportStatus
from .policy import can_import

PREVIEW_ROWS = 500  # rows shown in the preview table (all errors are listed regardless)
SHOWN_ERRORS = 1000


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


def _preview_context(job, result):
    declaration = result.kind
    headers = {c.key: c.header for c in declaration.get_columns()}
    present = result.rows[0].present if result.rows else frozenset()
    columns = [c for c in declaration.get_columns() if c.key in present]
    return {
        "columns": columns,
        "rows": [(row, declaration.preview(row)) for row in result.rows[:PREVIEW_ROWS]],
        "more_rows": max(0, len(result.rows) - PREVIEW_ROWS),
        "errors": [(e, headers.get(e.column, e.column)) for e in result.errors[:SHOWN_ERRORS]],
        "more_errors": max(0, len(result.errors) - SHOWN_ERRORS),
        "result": result,
    }


@require_GET
def import_preview(request, pk):
    _require_importer(request.user)
    job = get_object_or_404(ImportJob.objects.for_user(request.user), pk=pk)
    context = {"job": job, "kind_label": CONTRACT_KINDS.get(job.kind, job.kind)}
    if job.status != ImportStatus.DONE:
        try:
            result = import_job_check(job=job, actor=request.user)
        except KindNotAvailable:
            raise Http404("没有这种数据类型。") from None
        except ImportFileError as exc:
            context["file_error"] = str(exc)
        else:
            context.update(_preview_context(job, result))
            context["kind_label"] = result.kind.label
    return render(request, "organizations/import_preview.html", context)


@require_POST
def import_confirm(request, pk):
    _require_importer(request.user)
    job = get_object_or_404(
        ImportJob.objects.for_user(request.user).filter(status=ImportStatus.PENDING), pk=pk
    )
    try:
        result = import_job_confirm(job=job, actor=request.user)
    except (KindNotAvailable, ImportFileError) as exc:
        messages.error(request, str(exc))
        return redirect("organizations:import_preview", pk=job.pk)
    if not result.written:
        # Shown here, not after a redirect: a service may refuse what the dry run accepted.
        messages.error(request, f"导入未完成:发现 {len(result.errors)} 个问题,没有写入任何数据。"
                                "请按下面的提示修改文件后重新上传。")
        context = {"job": job, "kind_label": result.kind.label, **_preview_context(job, result)}
        return render(request, "organizations/import_preview.html", context)
    messages.success(
        request,
        f"导入成功:新增 {result.created} 条,更新 {result.updated} 条,无变化 {result.unchanged} 条。",
    )
    return redirect("organizations:import_preview", pk=job.pk)
