"""Periodic work of the exchange app, run by `tongxin scheduler` (settings.PERIODIC_JOBS)."""

from __future__ import annotations

from .retention import purge_import_files


def import_retention_job() -> str:
    return f"导入文件到期删除 {purge_import_files()} 个任务"
