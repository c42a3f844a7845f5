"""Import files are not kept for ever: the uploaded file (the police platform's export, a
community ledger) and the report of its rejected rows hold names, ID numbers and phones in
clear. Once a job has ended and the retention period has passed, both are deleted; the job,
its counts and the audit trail stay. Run daily by `tongxin scheduler`."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.audit.services import Action, audit_record

from .importer import import_dir
from .models import ImportJob, JobStatus

# A running job is left alone: it may be resumed by running its file again.
ENDED = [JobStatus.DONE, JobStatus.CANCELLED, JobStatus.FAILED]


def purge_import_files(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete the files of jobs that ended (or were left waiting) more than `days` ago; the
    number of jobs whose files went. A failed or waiting job so purged is cancelled: its
    committed batches stay, and running the file again imports the rest."""
    days = settings.IMPORT_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    due = ImportJob.objects.filter(files_deleted_at__isnull=True).filter(
        Q(status__in=ENDED, finished_at__lt=cutoff)
        | Q(status__in=ENDED, finished_at__isnull=True, created_at__lt=cutoff)
        | Q(status=JobStatus.PENDING, created_at__lt=cutoff)
    )
    root = import_dir().resolve()
    purged = 0
    for job in due.iterator():
        deleted = [name for name in (job.path, job.error_report) if _delete_within(root, name)]
        changes: dict = {"files_deleted_at": timezone.now()}
        if job.status in (JobStatus.FAILED, JobStatus.PENDING):
            changes["status"] = JobStatus.CANCELLED
            changes["message"] = (job.message + "\n" if job.message else "") + _(
                "超过保留期限未完成，文件已删除；已提交的批次保留，如需继续请重新上传该文件。"
            )
        ImportJob.objects.filter(pk=job.pk).update(**changes)
        audit_record(
            action=Action.DELETE,
            object_type="exchange.importjob",
            object_id=job.pk,
            purpose=_("导入文件超过保留期限"),
            detail={"files": len(deleted), "days": days},
        )
        purged += 1
    return purged


def _delete_within(root: Path, name: str) -> bool:
    """Delete a job's file, but only inside the imports directory (never a user's own)."""
    if not name:
        return False
    path = Path(name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return False
    path.unlink(missing_ok=True)
    return True
