"""Periodic work for requests, run by the task worker (enqueue daily, e.g. from cron:
`tongxin supervise`)."""

from django_tasks import task

from .services import supervise


@task()
def supervise_late_requests() -> int:
    return supervise()
