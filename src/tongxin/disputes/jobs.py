"""Periodic work of the disputes app, run by `tongxin scheduler` (settings.PERIODIC_JOBS).
Each job is idempotent and returns a line for the scheduler's log."""

from __future__ import annotations

from .services import screening_reminders


def screening_reminder_job() -> str:
    return f"排查提醒 {screening_reminders()} 条"
