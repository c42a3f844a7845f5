"""Periodic work of the reports app, run by `tongxin scheduler` (settings.PERIODIC_JOBS):
bring the statistics' counts up to date, so the first page of the day finds them ready, and
remind units whose form is due or late."""

from __future__ import annotations

from .counts import refresh
from .reminders import form_reminders


def refresh_counts_job() -> str:
    return f"统计数据更新 {refresh()} 个网格月"


def form_reminder_job() -> str:
    return f"报表提醒 {form_reminders()} 条"
