"""Import files are not kept for ever: the uploaded file (the police platform's export, a
community ledger) and the reports of its rejected rows hold names, ID numbers and phones in
clear. Once a job has ended and the retention period has passed, they are deleted; the job,
its counts and the audit trail stay. Run by `tongxin scheduler`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.audit.services import Action, audit_record

from .importer import import_dir
from .models import ImportJob, JobStatus

log = logging.getLogger(__name__)

ENDED = [JobStatus.DONE, JobStatus.CANCELLED, JobStatus.FAILED]
# The reports an import writes beside its file (importer.Importer), all named
# "<file>.rejected.…": CSV while it runs, XLSX at the end, and what a killed process may leave
# while writing it (the XLSX's part and the scratch file of refused rows' cells, named after
# the run); all hold name, ID number and phone in clear.
REPORTS = ".rejected.*"


def purge_import_files(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete the files of jobs that ended more than `days` ago — or were left waiting
    without ever starting, or were left "running" by a killed process, that long ago; the
    number of jobs whose files went. A job that could have been resumed is cancelled: its
    committed batches stay, and uploading the file again imports the rest."""
    days = settings.IMPORT_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    due = ImportJob.objects.filter(files_deleted_at__isnull=True).filter(
        Q(status__in=ENDED, finished_at__lt=cutoff)
        | Q(status__in=ENDED, finished_at__isnull=True, created_at__lt=cutoff)
        # Never started: the upload was not mapped, or was queued and forgotten.
        | Q(
            status__in=[JobStatus.MAPPING, JobStatus.PENDING],
            started_at__isnull=True,
            created_at__lt=cutoff,
        )
        # No import runs for the whole retention period: its process was killed.
        | Q(status=JobStatus.RUNNING, started_at__lt=cutoff)
    )
    root = import_dir().resolve()
    purged = 0
    for job in due.iterator():
        if not _claim(job, days):
            continue  # resumed or purged meanwhile
        deleted, failed = _delete_files(root, job)
        audit_record(
            action=Action.DELETE,
            object_type="exchange.importjob",
            object_id=job.pk,
            purpose=_("导入文件超过保留期限"),
            detail={"files": deleted, "failed": failed, "days": days},
        )
        purged += 1
    return purged


def _claim(job: ImportJob, days: int) -> bool:
    """Mark the job's files as deleted if it is still as it was read (a conditional UPDATE,
    so a resume at the same moment either wins or is refused — never half of each)."""
    changes: dict = {"files_deleted_at": timezone.now()}
    if job.status != JobStatus.DONE and job.status != JobStatus.CANCELLED:
        changes["status"] = JobStatus.CANCELLED
        changes["message"] = (job.message + "\n" if job.message else "") + _(
            "超过保留期限（%(days)s 天）未完成，文件已删除；已提交的批次保留，如需继续请重新上传该文件。"
        ) % {"days": days}
    return bool(
        ImportJob.objects.filter(
            pk=job.pk, status=job.status, files_deleted_at__isnull=True
        ).update(**changes)
    )


def _delete_files(root: Path, job: ImportJob) -> tuple[int, int]:
    """The job's file and its reports, only inside the imports folder (never a user's own
    file); how many were deleted and how many could not be."""
    names = {job.path, job.error_report}
    if job.path:
        own = Path(job.path)
        names |= {str(path) for path in own.parent.glob(own.stem + REPORTS)}
    deleted = failed = 0
    for name in filter(None, names):
        path = Path(name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            continue
        try:
            path.unlink()
        except OSError as exc:  # logged and counted; the next files still go
            log.warning("import file %s not deleted: %s", path, exc)
            failed += 1
        else:
            deleted += 1
    return deleted, failed
