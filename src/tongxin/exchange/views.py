"""Import and export pages: upload → map columns → background job with a progress bar →
result with the error report; the import template; the person list as Excel."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.accounts.decorators import capability_required
from tongxin.accounts.roles import Cap
from tongxin.audit.services import Action, audit_record

from .columns import STANDARD_MAPPING
from .exports import IMPORT_JOBS, import_job_rows
from .forms import MappingForm, UploadForm
from .importer import (
    ImportError_,
    estimate_rows,
    file_sha256,
    import_dir,
    known_headings,
    open_job_file,
    remember_mapping,
    resolve_columns,
)
from .lists import export_context, export_response
from .models import ImportJob, ImportMapping, JobStatus
from .readers import ReadError, Table, cell_text, open_table
from .selectors import import_jobs_for
from .tasks import run_import_job
from .template_file import template_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _job(request, pk: int) -> ImportJob:
    job = import_jobs_for(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def _import_list_context(request, form: UploadForm) -> dict:
    return {
        "jobs": import_jobs_for(request.user)[:50],
        "form": form,
        "can_export": request.user.can(Cap.LIST_EXPORT),
        **export_context(request),
    }


@capability_required(Cap.PERSON_IMPORT)
def import_list(request):
    return render(request, "exchange/import_list.html", _import_list_context(request, UploadForm()))


@capability_required(Cap.PERSON_IMPORT, Cap.LIST_EXPORT)
def import_list_export(request):
    """The user's import jobs, every one, as Excel or CSV: counts, status, retention."""
    return export_response(request, IMPORT_JOBS, import_job_rows(import_jobs_for(request.user)))


@capability_required(Cap.PERSON_IMPORT)
def import_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        target = import_dir() / f"upload-{uuid.uuid4().hex}{suffix}"
        with target.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        source = form.cleaned_data["source"].strip()
        saved = ImportMapping.objects.filter(source=source).first()
        try:
            table = open_table(
                target, upload.name, known=known_headings(saved.mapping if saved else None)
            )
        except ReadError as exc:
            target.unlink(missing_ok=True)
            form.add_error("file", str(exc))
        else:
            job = ImportJob.objects.create(
                user=request.user,
                status=JobStatus.MAPPING,
                source=source,
                filename=upload.name[:255],
                path=str(target),
                sheet=table.sheet,
                file_sha256=file_sha256(target),
                dry_run=form.cleaned_data["dry_run"],
                mapping=saved.mapping if saved else {},
                estimated_rows=estimate_rows(target),
            )
            del table
            return redirect("exchange:import_mapping", pk=job.pk)
    return render(
        request,
        "exchange/import_list.html",
        _import_list_context(request, form),
        status=400 if form.errors else 200,
    )


def _preview(job: ImportJob, rows: int = 3) -> tuple[Table, list[list[str]]]:
    table = open_job_file(job)
    sample = []
    for _n, cells in table.rows:
        sample.append([cell_text(c) for c in cells])
        if len(sample) >= rows:
            break
    return table, sample


def _columns_changed(request, job):
    """The columns were checked against what is no longer read (another tab chose another
    sheet, or started the job): back to the mapping page, which shows what is read now."""
    messages.error(request, _("读取的工作表或任务状态已变，请按现在的列重新核对。"))
    return redirect("exchange:import_mapping", pk=job.pk)


@capability_required(Cap.PERSON_IMPORT)
def import_mapping(request, pk: int):
    job = _job(request, pk)
    if job.status != JobStatus.MAPPING:
        return redirect("exchange:import_progress", pk=job.pk)
    try:
        table, sample = _preview(job)
    except ReadError as exc:
        messages.error(request, str(exc))
        return redirect("exchange:import_list")
    headers = table.headers
    # The source's saved choices, and the standard template's for headers it never saw.
    initial = {h: job.mapping.get(h) or STANDARD_MAPPING.get(h, "") for h in headers}
    form = MappingForm(
        request.POST or None, headers=headers, initial_mapping=initial, sheet=job.sheet
    )
    if request.method == "POST" and form.is_valid() and form.cleaned_data["sheet"] != job.sheet:
        # Columns checked against another sheet than the one now read (another tab chose
        # one since): they would be applied to the wrong columns.
        return _columns_changed(request, job)
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping()
        try:
            resolve_columns(headers, mapping)
        except ImportError_ as exc:
            form.add_error(None, str(exc))
        else:
            with transaction.atomic():
                # Still at its columns and on that sheet (a race with another tab).
                started = ImportJob.objects.filter(
                    pk=job.pk, status=JobStatus.MAPPING, sheet=form.cleaned_data["sheet"]
                ).update(mapping=mapping, status=JobStatus.PENDING)
                if not started:
                    return _columns_changed(request, job)
                if form.cleaned_data["remember"]:
                    remember_mapping(job.source, mapping, request.user)
                audit_record(
                    action=Action.IMPORT,
                    request=request,
                    object_type="exchange.importjob",
                    object_id=job.pk,
                    purpose=_("开始导入 %(f)s") % {"f": job.filename},
                    detail={"source": job.source, "dry_run": job.dry_run},
                )
                transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
            return redirect("exchange:import_progress", pk=job.pk)
    columns = [
        (form[f"col_{i}"], [row[i] if i < len(row) else "" for row in sample])
        for i in range(len(headers))
    ]
    return render(
        request,
        "exchange/import_mapping.html",
        {"job": job, "form": form, "columns": columns, "table": table},
    )


@capability_required(Cap.PERSON_IMPORT)
@require_POST
def import_sheet(request, pk: int):
    """Read another sheet of the workbook (the one chosen on upload was not the data):
    kept only if it opens, and only while the columns are being checked."""
    job = _job(request, pk)
    chosen = request.POST.get("sheet", "")
    if job.status == JobStatus.MAPPING and chosen and chosen != job.sheet:
        job.sheet = chosen
        try:
            open_job_file(job)
        except ReadError as exc:
            messages.error(request, str(exc))
        else:
            ImportJob.objects.filter(pk=job.pk, status=JobStatus.MAPPING).update(sheet=chosen)
            audit_record(
                action=Action.IMPORT,
                request=request,
                object_type="exchange.importjob",
                object_id=job.pk,
                purpose=_("改读工作表“%(s)s”") % {"s": chosen},
            )
    return redirect("exchange:import_mapping", pk=job.pk)


@capability_required(Cap.PERSON_IMPORT)
def import_progress(request, pk: int):
    job = _job(request, pk)
    template = (
        "exchange/_progress.html"
        if request.headers.get("HX-Request")
        else "exchange/import_progress.html"
    )
    return render(
        request,
        template,
        {"job": job, "running": job.status in (JobStatus.PENDING, JobStatus.RUNNING)},
    )


@capability_required(Cap.PERSON_IMPORT)
@require_POST
def import_cancel(request, pk: int):
    job = _job(request, pk)
    if job.status == JobStatus.MAPPING:
        ImportJob.objects.filter(pk=job.pk, status=JobStatus.MAPPING).update(
            status=JobStatus.CANCELLED, finished_at=timezone.now()
        )
    elif job.status in (JobStatus.PENDING, JobStatus.RUNNING):
        ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
        if job.status == JobStatus.PENDING and not job.rows_done:
            ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED)
        messages.info(request, _("已请求取消；正在进行的批次结束后停止。"))
    return redirect("exchange:import_progress", pk=job.pk)


@capability_required(Cap.PERSON_IMPORT)
@require_POST
def import_resume(request, pk: int):
    """Start a failed or cancelled job again; committed batches are skipped. (One its worker
    was running when the service went down is failed by `tongxin serve` as it starts.)"""
    job = _job(request, pk)
    # Conditional, like the retention purge's claim: of a resume and a purge at the same
    # moment only one takes the job.
    resumed = ImportJob.objects.filter(
        pk=job.pk,
        status__in=[JobStatus.FAILED, JobStatus.CANCELLED],
        files_deleted_at__isnull=True,
    ).update(status=JobStatus.PENDING, cancel_requested=False)
    if resumed:
        transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return redirect("exchange:import_progress", pk=job.pk)


@capability_required(Cap.PERSON_IMPORT)
def import_report(request, pk: int):
    job = _job(request, pk)
    if not job.error_report or job.files_deleted_at or not Path(job.error_report).is_file():
        raise Http404
    audit_record(
        action=Action.EXPORT,
        request=request,
        object_type="exchange.importjob",
        object_id=job.pk,
        purpose=_("下载导入错误报告"),
    )
    return FileResponse(
        open(job.error_report, "rb"),
        as_attachment=True,
        filename=f"未导入的行-{job.pk}.xlsx",
        content_type=XLSX,
    )  # noqa: SIM115


@capability_required(Cap.PERSON_IMPORT)
def import_template(request):
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response
