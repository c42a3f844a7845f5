"""Background jobs, run by the Django Tasks worker (`tongxin serve` starts it)."""

from __future__ import annotations

from django_tasks import task

from .importer import Importer
from .models import ImportJob, JobStatus


@task()
def run_import_job(job_id: int) -> str:
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.status in (JobStatus.DONE, JobStatus.CANCELLED):
        return job.status
    return Importer(job, actor=job.user).run().status
