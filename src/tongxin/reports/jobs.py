"""Periodic work of the reports app, run by `tongxin scheduler` (settings.PERIODIC_JOBS):
bring the statistics' counts up to date, so the first page of the day finds them ready."""

from __future__ import annotations

from .counts import refresh


def refresh_counts_job() -> str:
    return f"统计数据更新 {refresh()} 个网格月"
