"""Import and export through the pages: upload, map, progress, report; Excel export."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tongxin.audit.models import AuditEvent
from tongxin.exchange.columns import STANDARD_MAPPING
from tongxin.exchange.models import ImportJob, ImportMapping
from tongxin.registry.models import Person

from ..conftest import login_as
from .files import HEADERS, person_row, write_csv

STANDARD_FIELDS = [STANDARD_MAPPING[h] for h in HEADERS]


def _upload(client, path, source="标准模板", dry_run=False):
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes()), "source": source}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("exchange:import_upload"), data)


@pytest.mark.django_db
def test_upload_map_run_and_read_the_result(client, tmp_path, django_capture_on_commit_callbacks):
    login_as(client, "community_officer")
    rows = [person_row(1), person_row(3), person_row(5, 民族="")]
    response = _upload(client, write_csv(tmp_path / "ledger.csv", rows), source="社区台账")
    job = ImportJob.objects.get(filename="ledger.csv")
    assert response["Location"] == reverse("exchange:import_mapping", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "姓名" in page and rows[0]["姓名"] in page  # headers with a preview of the data
    post = {
        f"col_{i}": field
        for i, field in enumerate(
            [
                "name",
                "sex",
                "ethnicity",
                "id_number",
                "birth_date",
                "phone",
                "hukou_address",
                "origin",
                "address",
                "grid",
                "arrival_date",
                "reason",
                "occupation",
                "employer",
            ]
        )
    }
    post["remember"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:import_mapping", args=[job.pk]), post)
    assert response["Location"] == reverse("exchange:import_progress", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.created, job.rejected) == ("done", 2, 1)
    assert ImportMapping.objects.get(source="社区台账").mapping["姓名"] == "name"
    page = client.get(reverse("exchange:import_progress", args=[job.pk])).content.decode()
    assert 'id="count-created">2<' in page and "下载未导入的行" in page
    assert "可直接上传报告本身再次导入" in page  # the report is meant to come back corrected
    assert "every 1s" not in page  # no more polling once finished
    report = client.get(reverse("exchange:import_report", args=[job.pk]))
    sheet = load_workbook(
        __import__("io").BytesIO(b"".join(report.streaming_content)), read_only=True
    ).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[1][0] == 4 and "民族" in lines[1][1]
    assert AuditEvent.objects.filter(action="import", actor_username="community_officer").exists()


@pytest.mark.django_db
def test_progress_polls_while_running_and_cancel_stops(client, tmp_path):
    login_as(client, "street_officer")
    _upload(client, write_csv(tmp_path / "p.csv", [person_row(1)]))
    job = ImportJob.objects.get(filename="p.csv")
    ImportJob.objects.filter(pk=job.pk).update(status="running", rows_done=10, estimated_rows=40)
    page = client.get(
        reverse("exchange:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'hx-trigger="every 1s"' in page and "25%" in page
    client.post(reverse("exchange:import_cancel", args=[job.pk]))
    assert ImportJob.objects.get(pk=job.pk).cancel_requested


@pytest.mark.django_db
def test_an_import_cut_off_with_its_worker_is_resumed_from_its_page(
    client, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    """A power cut stops the worker mid-import: the job was left "running" for ever, with no
    way on. When the service starts again it is marked failed, its page says why and offers
    继续导入, which finishes it from the last committed batch: no row lost or doubled."""
    from tongxin.accounts.models import User
    from tongxin.exchange import importer
    from tongxin.exchange.importer import Importer, fail_interrupted_imports

    monkeypatch.setattr(importer, "BATCH_SIZE", 5)
    login_as(client, "street_officer")
    rows = [person_row(i) for i in range(12)]
    before = Person.objects.count()
    _upload(client, write_csv(tmp_path / "cut.csv", rows))
    job = ImportJob.objects.get(filename="cut.csv")

    def power_cut(progress):
        raise KeyboardInterrupt  # not an error of the import: nothing marks the job

    with pytest.raises(KeyboardInterrupt):
        Importer(job, actor=User.objects.get(username="street_officer"), progress=power_cut).run()
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created) == ("running", 6, 5)
    assert fail_interrupted_imports() == 1
    url = reverse("exchange:import_progress", args=[job.pk])
    page = client.get(url).content.decode()
    assert "服务中断" in page and "继续导入" in page and "every 1s" not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("exchange:import_resume", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.total, job.created, job.rejected) == ("done", 12, 12, 0)
    assert Person.objects.count() == before + 12


@pytest.mark.django_db
def test_progress_says_the_pace_and_time_left_of_this_run(client, tmp_path):
    """A resumed job's pace is its own run's: 1,000 rows in 10 seconds after resuming at
    row 5,000, not 6,000 over the hours it lay interrupted."""
    from datetime import timedelta

    from django.utils import timezone

    login_as(client, "street_officer")
    _upload(client, write_csv(tmp_path / "p.csv", [person_row(1)]))
    job = ImportJob.objects.get(filename="p.csv")
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status="running",
        started_at=now - timedelta(hours=5),
        run_started_at=now - timedelta(seconds=10),
        run_rows_from=5000,
        rows_done=6000,
        estimated_rows=100_000,
    )
    url = reverse("exchange:import_progress", args=[job.pk])
    page = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert re.search(r'id="job-pace">每秒约 100 行，预计还需约 1[56] 分钟<', page), page
    ImportJob.objects.filter(pk=job.pk).update(rows_done=99_000)  # 94,000 in 10 s
    job.refresh_from_db()
    assert job.pace(now=now).endswith("预计还需不到 1 分钟")
    ImportJob.objects.filter(pk=job.pk).update(status="done")
    assert 'id="job-pace"' not in client.get(url, HTTP_HX_REQUEST="true").content.decode()


@pytest.mark.django_db
def test_bad_upload_keeps_the_form_and_says_why(client, tmp_path):
    login_as(client, "street_officer")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01junk")
    response = _upload(client, bad)
    assert response.status_code == 400
    assert "二进制" in response.content.decode()
    assert not ImportJob.objects.exists()
    response = client.post(
        reverse("exchange:import_upload"),
        {"file": SimpleUploadedFile("a.pdf", b"%PDF"), "source": "x"},
    )
    assert "只能上传 CSV" in response.content.decode()


@pytest.mark.django_db
def test_wrong_mapping_is_refused(client, tmp_path):
    login_as(client, "street_officer")
    _upload(client, write_csv(tmp_path / "m.csv", [person_row(1)]))
    job = ImportJob.objects.get(filename="m.csv")
    post = {f"col_{i}": "name" for i in range(len(HEADERS))}
    page = client.post(reverse("exchange:import_mapping", args=[job.pk]), post).content.decode()
    assert "都对应" in page
    assert ImportJob.objects.get(pk=job.pk).status == "mapping"  # not queued


@pytest.mark.django_db
def test_an_upload_left_at_its_columns_says_so_and_leads_back_to_them(client, tmp_path):
    """An officer uploads, then leaves the column page: the job waited as 排队中 for ever,
    polling, with no way back to its columns. It is 待核对列, its page leads back to the
    columns, and cancelling ends it."""
    login_as(client, "street_officer")
    _upload(client, write_csv(tmp_path / "left.csv", [person_row(1)]))
    job = ImportJob.objects.get(filename="left.csv")
    listing = client.get(reverse("exchange:import_list")).content.decode()
    assert "待核对列" in listing
    assert "下一步可改选" in listing  # says which of a workbook's sheets is read
    page = client.get(reverse("exchange:import_progress", args=[job.pk])).content.decode()
    assert reverse("exchange:import_mapping", args=[job.pk]) in page
    assert "every 1s" not in page and "排队中" not in page
    client.post(reverse("exchange:import_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert client.get(reverse("exchange:import_mapping", args=[job.pk]))["Location"] == reverse(
        "exchange:import_progress", args=[job.pk]
    )


@pytest.mark.django_db
def test_a_workbooks_sheet_of_persons_is_offered_and_another_can_be_chosen(
    client, tmp_path, django_capture_on_commit_callbacks
):
    """Instructions in the first sheet used to be all the mapping page showed."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "填表说明"
    book.active.append(["请按模板填写，每人一行。"])
    data = book.create_sheet("人员")
    data.append(HEADERS)
    data.append([person_row(1)[h] for h in HEADERS])
    book.create_sheet("空表")
    path = tmp_path / "ledger.xlsx"
    book.save(path)
    login_as(client, "community_officer")
    _upload(client, path)
    job = ImportJob.objects.get(filename="ledger.xlsx")
    mapping = reverse("exchange:import_mapping", args=[job.pk])
    page = client.get(mapping).content.decode()
    assert job.sheet == "人员" and '<option value="人员" selected>' in page
    assert person_row(1)["姓名"] in page and "工作簿有 3 个工作表" in page
    choose = reverse("exchange:import_sheet", args=[job.pk])
    # A sheet with nothing in it is refused with why; the one read stays.
    page = client.post(choose, {"sheet": "空表"}, follow=True).content.decode()
    assert AuditEvent.objects.filter(purpose="改读工作表“空表”").count() == 0
    assert "没有表头" in page and '<option value="人员" selected>' in page
    page = client.post(choose, {"sheet": "填表说明"}, follow=True).content.decode()
    assert '<option value="填表说明" selected>' in page and "请按模板填写" in page
    assert AuditEvent.objects.filter(purpose="改读工作表“填表说明”").exists()
    # Columns checked on a page showing another sheet than the one now read (a second
    # tab chose another): refused, nothing starts.
    post = {f"col_{i}": f for i, f in enumerate(STANDARD_FIELDS)} | {"sheet": "人员"}
    page = client.post(mapping, post, follow=True).content.decode()
    assert "读取的工作表或任务状态已变" in page
    job.refresh_from_db()
    assert (job.status, job.sheet) == ("mapping", "填表说明")
    client.post(choose, {"sheet": "人员"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(mapping, post)
    job.refresh_from_db()
    assert (job.status, job.sheet, job.created) == ("done", "人员", 1), job.message
    # Once it runs, the sheet is the job's: no longer changed.
    client.post(choose, {"sheet": "填表说明"})
    job.refresh_from_db()
    assert job.sheet == "人员"


@pytest.mark.django_db
def test_someone_elses_job_is_404(client, tmp_path):
    login_as(client, "street_officer")
    _upload(client, write_csv(tmp_path / "o.csv", [person_row(1)]))
    job = ImportJob.objects.get(filename="o.csv")
    login_as(client, "community_officer")
    assert client.get(reverse("exchange:import_progress", args=[job.pk])).status_code == 404
    assert client.post(reverse("exchange:import_cancel", args=[job.pk])).status_code == 404
    assert not ImportJob.objects.get(pk=job.pk).cancel_requested


@pytest.mark.django_db
def test_template_has_headers_and_dropdowns(client):
    login_as(client, "street_officer")
    response = client.get(reverse("exchange:import_template"))
    book = load_workbook(__import__("io").BytesIO(response.content))
    sheet = book["人员信息"]
    assert [c.value for c in sheet[1]] == HEADERS
    ranges = {str(v.sqref).split(":")[0][0] for v in sheet.data_validations.dataValidation}
    assert {"B", "C", "L", "M"} <= ranges  # 性别, 民族, 流动原因, 职业
    # ID, phone, origin and grid columns are text all the way down (they were to row 199,
    # the drop-downs to row 5,000: an ID typed below lost its last digits to Excel).
    text_columns = {
        letter for letter, column in sheet.column_dimensions.items() if column.number_format == "@"
    }
    assert text_columns == {"D", "F", "H", "J"}


@pytest.mark.django_db
def test_excel_export_is_scoped_masked_watermarked_and_audited(client):
    user = login_as(client, "grid_worker_a")
    assert (
        client.get(reverse("registry:person_export")).status_code == 403
    )  # grid workers do not export
    user = login_as(client, "community_officer")
    response = client.get(reverse("registry:person_export"), {"purpose": "月度核对"})
    assert response.status_code == 200
    book = load_workbook(
        __import__("io").BytesIO(b"".join(response.streaming_content)), read_only=True
    )
    assert (
        "community_officer" in book.properties.description
        and "月度核对" in book.properties.description
    )
    rows = list(book.active.iter_rows(values_only=True))
    assert "community_officer" in rows[0][0]
    assert rows[1][0] == "姓名"
    in_scope = Person.objects.filter(unit_path__startswith=user.unit.path, merged_into__isnull=True)
    assert len(rows) - 2 == in_scope.count()
    ids = [r[4] for r in rows[2:]]
    assert all(re.fullmatch(r"\d{6}\*+[\dX]{4}", i) for i in ids)
    assert AuditEvent.objects.filter(
        action="export", actor_username="community_officer", purpose="月度核对"
    ).exists()
    assert client.get(reverse("registry:person_export"), {"unmasked": "1"}).status_code == 400
