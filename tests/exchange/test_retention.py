"""Import files and reports of rejected rows are deleted once the job has ended and the
retention period has passed; the job and its counts stay, and so does the audit trail."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEvent
from tongxin.exchange.importer import import_dir
from tongxin.exchange.models import ImportJob, JobStatus
from tongxin.exchange.retention import purge_import_files

from ..conftest import login_as


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def job(name: str, status: str, *, ended_days_ago: int, report: bool = True) -> ImportJob:
    """A job as an import leaves it: its copy of the file and its report in var/imports."""
    folder = import_dir()
    source = folder / f"{name}.csv"
    source.write_text("姓名,公民身份号码\n马明,410104199001011234\n", encoding="utf-8")
    rejected = folder / f"{name}.rejected.xlsx"
    if report:
        rejected.write_bytes(b"PK")
        # The importer's running list of rejected rows, beside the file; clear text too.
        (folder / f"{name}.rejected.csv").write_text("行号,原因\n2,证件号码有误\n")
    made = ImportJob.objects.create(
        user=User.objects.get(username="community_officer"),
        source="社区台账",
        filename=f"{name}.csv",
        path=str(source),
        file_sha256=name.ljust(64, "0"),
        status=status,
        total=2,
        created=1,
        rejected=1,
        error_report=str(rejected) if report else "",
    )
    when = timezone.now() - timedelta(days=ended_days_ago)
    ended = status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)
    ImportJob.objects.filter(pk=made.pk).update(
        created_at=when - timedelta(hours=1),
        started_at=when if status not in (JobStatus.PENDING, JobStatus.MAPPING) else None,
        finished_at=when if ended else None,
    )
    made.refresh_from_db()
    return made


@pytest.mark.django_db
def test_files_past_the_retention_period_go_the_job_and_its_counts_stay(var_dir):
    old = job("old", JobStatus.DONE, ended_days_ago=31)
    recent = job("recent", JobStatus.DONE, ended_days_ago=29)
    failed = job("failed", JobStatus.FAILED, ended_days_ago=40)
    waiting = job("waiting", JobStatus.PENDING, ended_days_ago=35, report=False)
    unmapped = job("unmapped", JobStatus.MAPPING, ended_days_ago=35, report=False)
    running = job("running", JobStatus.RUNNING, ended_days_ago=2)
    killed = job("killed", JobStatus.RUNNING, ended_days_ago=60)  # its process died long ago
    # Killed while writing its report: the scratch file of refused rows' cells is left.
    (import_dir() / "killed.rejected.cells.sqlite3").write_bytes(b"SQLite format 3\x00")
    # Failed long ago, resumed yesterday: waiting in the queue, not abandoned.
    resumed = job("resumed", JobStatus.FAILED, ended_days_ago=1)
    ImportJob.objects.filter(pk=resumed.pk).update(
        status=JobStatus.PENDING, created_at=timezone.now() - timedelta(days=90)
    )

    assert purge_import_files(days=30) == 5
    for gone in (old, failed, waiting, unmapped, killed):
        gone.refresh_from_db()
        assert gone.files_deleted_at is not None
        assert not any(import_dir().glob(f"{Path(gone.path).stem}*"))
    assert (old.created, old.rejected, old.status) == (1, 1, JobStatus.DONE)
    # A failed or waiting job can no longer be resumed from its file: it is cancelled, and
    # says how to go on.
    assert (
        failed.status == waiting.status == unmapped.status == killed.status == JobStatus.CANCELLED
    )
    assert "重新上传" in failed.message
    for kept in (recent, running, resumed):
        kept.refresh_from_db()
        assert kept.files_deleted_at is None
        assert Path(kept.path).is_file() and Path(kept.error_report).is_file()
    events = AuditEvent.objects.filter(action="delete", object_type="exchange.importjob")
    purged = (old, failed, waiting, unmapped, killed)
    assert {e.object_id for e in events} == {str(j.pk) for j in purged}
    assert '"files": 3' in events.get(object_id=str(old.pk)).detail
    assert purge_import_files(days=30) == 0  # each job once
    assert purge_import_files(days=0) == 0  # 0 keeps files until deleted by hand


@pytest.mark.django_db
def test_a_file_outside_the_imports_folder_is_never_deleted(var_dir, tmp_path):
    own = tmp_path / "police-export.csv"
    own.write_text("姓名\n马明\n", encoding="utf-8")
    made = job("elsewhere", JobStatus.DONE, ended_days_ago=90, report=False)
    ImportJob.objects.filter(pk=made.pk).update(path=str(own))
    assert purge_import_files(days=30) == 1
    assert own.is_file()


@pytest.mark.django_db
def test_the_result_page_says_the_files_went_and_offers_no_report(client, var_dir):
    old = job("old", JobStatus.DONE, ended_days_ago=31)
    login_as(client, "community_officer")
    page = client.get(reverse("exchange:import_progress", args=[old.pk])).content.decode()
    assert 'id="error-report"' in page and 'id="files-deleted"' not in page
    call_command("scheduler", "--once", stdout=(out := StringIO()))
    assert "导入文件到期删除 1 个任务" in out.getvalue()
    page = client.get(reverse("exchange:import_progress", args=[old.pk])).content.decode()
    assert 'id="files-deleted"' in page and 'id="error-report"' not in page
    assert client.get(reverse("exchange:import_report", args=[old.pk])).status_code == 404
