from __future__ import annotations

import math
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class ImportMapping(models.Model):
    """How one source's columns map to the template's fields, saved for reuse."""

    source = models.CharField(_("数据来源"), max_length=100, unique=True)
    mapping = models.JSONField(_("列对应关系"), default=dict)  # header → field
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("导入列映射")

    def __str__(self) -> str:
        return self.source


class JobStatus(models.TextChoices):
    MAPPING = "mapping", _("待核对列")  # uploaded; its columns not yet confirmed
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


class ImportJob(models.Model):
    """One import of one file. Batches commit with the job's progress in the same
    transaction, so an interrupted job resumes exactly after its last committed batch."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    source = models.CharField(_("数据来源"), max_length=100)
    filename = models.CharField(_("文件名"), max_length=255)
    path = models.CharField(max_length=500)
    # The workbook's sheet read, chosen once when the job is made (and changeable while its
    # columns are checked), so every later opening reads the same one.
    sheet = models.CharField(_("工作表"), max_length=100, blank=True, default="")
    file_sha256 = models.CharField(max_length=64, db_index=True)
    mapping = models.JSONField(default=dict)
    dry_run = models.BooleanField(_("仅校验"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    cancel_requested = models.BooleanField(default=False)
    rows_done = models.PositiveIntegerField(default=0)  # last row number whose batch committed
    total = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    estimated_rows = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    error_report = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # This run's start and the rows done before it: the pace of a resumed job is its own,
    # not spread over the hours it lay interrupted.
    run_started_at = models.DateTimeField(null=True, blank=True)
    run_rows_from = models.PositiveIntegerField(default=0)
    # The run holding the job: a run that starts takes it over (one killed leaves it
    # "running" and cannot hand it back), and a run whose token is gone stops before its next
    # batch, so two never write the same job's rows or report files.
    runner = models.CharField(max_length=32, blank=True, default="")
    finished_at = models.DateTimeField(null=True, blank=True)
    # The uploaded file and the report of rejected rows hold personal data in clear; they are
    # deleted after the retention period (exchange.retention), the job and its counts kept.
    files_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("导入任务")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.estimated_rows:
            return 0
        return min(99, int(100 * self.rows_done / self.estimated_rows))

    def pace(self, now: datetime | None = None) -> str:
        """While it runs: rows a second and the time left, from this run's progress so far
        (the file's rows are estimated from its size, so it says 约)."""
        if self.status != JobStatus.RUNNING or self.run_started_at is None:
            return ""
        seconds = ((now or timezone.now()) - self.run_started_at).total_seconds()
        done = self.rows_done - self.run_rows_from
        if done <= 0 or seconds <= 0 or not self.estimated_rows:
            return ""
        rate = done / seconds
        left = max(0, self.estimated_rows - self.rows_done) / rate
        minutes = math.ceil(left / 60)
        eta = (
            _("不到 1 分钟")
            if left < 60
            else ngettext("约 %(n)d 分钟", "约 %(n)d 分钟", minutes) % {"n": minutes}
        )
        return _("每秒约 %(rate)s 行，预计还需%(eta)s") % {"rate": f"{rate:,.0f}", "eta": eta}

    def counts(self) -> dict[str, int]:
        return {
            k: getattr(self, k) for k in ("total", "created", "updated", "unchanged", "rejected")
        }
