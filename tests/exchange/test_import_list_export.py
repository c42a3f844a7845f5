"""The import list as Excel and CSV: the user's own jobs, every one, newest first, with the
status in Chinese, the counts and whether retention deleted the files; audited; refused
without the import right or the right to export lists."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.accounts.roles import CAPABILITIES, Cap, Role
from tongxin.audit.models import AuditEvent
from tongxin.exchange.models import ImportJob, JobStatus

from ..conftest import login_as
from .test_list_exports import both_formats

HEADERS = [
    "文件名",
    "数据来源",
    "上传人",
    "上传时间",
    "仅校验",
    "状态",
    "已处理行",
    "新增",
    "更新",
    "未变",
    "拒绝",
    "完成时间",
    "文件按保留期限删除时间",
]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _job(username: str, filename: str, days_ago: int, **fields) -> ImportJob:
    job = ImportJob.objects.create(
        user=User.objects.get(username=username),
        source=fields.pop("source", "公安人口库"),
        filename=filename,
        path=f"/srv/tongxin/var/imports/upload-{filename}",
        file_sha256="0" * 64,
        **fields,
    )
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_import_list_export_is_the_users_own_jobs_with_counts_and_retention(client):
    now = timezone.now()
    done = _job(
        "street_officer",
        "三月名单.xlsx",
        days_ago=40,
        status=JobStatus.DONE,
        total=120,
        created=100,
        updated=12,
        unchanged=5,
        rejected=3,
        finished_at=now - timedelta(days=40),
        files_deleted_at=now - timedelta(days=10),
    )
    checking = _job(
        "street_officer", "=HYPERLINK(1).csv", days_ago=1, dry_run=True, source="教育局"
    )
    others = _job("community_officer", "社区名单.csv", days_ago=2)
    login_as(client, "street_officer")
    url = reverse("exchange:import_list_export")

    rows = both_formats(client, url, {})
    assert "street_officer" in rows[0][0]
    assert rows[1] == HEADERS
    assert rows[2:] == [
        [
            "'=HYPERLINK(1).csv",  # never a live formula
            "教育局",
            "北下街街道专干",
            _local(checking.created_at),
            "是",
            "排队中",
            "0",
            "0",
            "0",
            "0",
            "0",
            "",
            "",
        ],
        [
            "三月名单.xlsx",
            "公安人口库",
            "北下街街道专干",
            _local(done.created_at),
            "否",
            "已完成",
            "120",
            "100",
            "12",
            "5",
            "3",
            _local(done.finished_at),
            _local(done.files_deleted_at),
        ],
    ]
    cells = [cell for row in rows for cell in row]
    assert others.filename not in cells  # another user's job
    assert not any("/srv/tongxin" in cell for cell in cells)  # where files lie stays inside

    events = AuditEvent.objects.filter(action="export", object_type="exchange.importjob")
    assert events.count() == 2
    assert json.loads(events.first().detail)["list"] == "imports"

    page = client.get(reverse("exchange:import_list")).content.decode()
    assert f'href="{url}?format=xlsx"' in page


@pytest.mark.django_db
def test_import_list_export_needs_the_import_right(client):
    login_as(client, "grid_worker_a")
    assert client.get(reverse("exchange:import_list_export")).status_code == 403
    login_as(client, "police_liaison")  # may export lists, not import persons
    assert client.get(reverse("exchange:import_list_export")).status_code == 403
    assert not AuditEvent.objects.filter(action="export", object_type="exchange.importjob").exists()


@pytest.mark.django_db
def test_an_importer_without_the_list_export_right_gets_no_file_and_no_link(client, monkeypatch):
    _job("community_officer", "社区名单.csv", days_ago=2)
    without = CAPABILITIES[Role.COMMUNITY_OFFICER] - {Cap.LIST_EXPORT}
    monkeypatch.setitem(CAPABILITIES, Role.COMMUNITY_OFFICER, without)
    login_as(client, "community_officer")
    page = client.get(reverse("exchange:import_list"))
    assert page.status_code == 200 and "社区名单.csv" in page.content.decode()
    assert reverse("exchange:import_list_export") not in page.content.decode()
    assert client.get(reverse("exchange:import_list_export")).status_code == 403
