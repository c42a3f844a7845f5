"""Periodic work of the coordination app, run by `tongxin scheduler` (settings.PERIODIC_JOBS):
alerts for assignments due soon or overdue, rectifications past their deadline, and offices
whose joint meeting is six months overdue. Idempotent; returns a line for the log."""

from __future__ import annotations

from .services import coordination_alerts


def coordination_alert_job() -> str:
    sent = coordination_alerts()
    return (
        f"督办提醒 {sent['tasks']} 条，整改提醒 {sent['rectification']} 条，"
        f"联席会议提醒 {sent['meetings']} 条"
    )
