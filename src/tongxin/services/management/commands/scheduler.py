"""The periodic jobs, started by `tongxin serve` beside the web server and the task worker:
supervision of late requests every hour (idempotent within a week), the daily digest at
08:00 (once a day), and every round the other apps' jobs listed in `settings.PERIODIC_JOBS`
(each idempotent: screening reminders, overdue task alerts…)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.module_loading import import_string

from tongxin.services.services import daily_digest, supervise

DIGEST_HOUR = 8
log = logging.getLogger(__name__)


def _run(job: str) -> str:
    """One app's job; its failure is logged and the others still run (a failing job must not
    stop `serve`, which stops the web server with it)."""
    try:
        return import_string(job)()
    except Exception:
        log.exception("periodic job %s failed", job)
        if not connection.in_atomic_block:
            close_old_connections()  # a broken connection is not reused by the next job
        return f"{job.rsplit('.', 1)[-1]} 出错（见日志）"


class Command(BaseCommand):
    help = "Run the periodic jobs (supervision hourly, digest daily at 08:00) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is due now and exit")
        parser.add_argument("--interval", type=int, default=3600, help="seconds between rounds")

    def handle(self, *args, once: bool, interval: int, **options):
        last_digest = None
        while True:
            if not connection.in_atomic_block:
                close_old_connections()  # a long-lived process drops stale connections
            issued = supervise()
            now = timezone.localtime()
            digests = 0
            if now.hour >= DIGEST_HOUR and last_digest != now.date():
                digests = daily_digest()
                last_digest = now.date()
            others = "".join(f"，{_run(job)}" for job in settings.PERIODIC_JOBS)
            self.stdout.write(
                f"{now:%Y-%m-%d %H:%M} 督办单 {issued} 份，待办提醒 {digests} 条{others}。"
            )
            if once:
                return
            time.sleep(interval)
