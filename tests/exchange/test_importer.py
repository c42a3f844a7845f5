"""Importing persons: semantics, tolerance, reports, re-runs and the CLI."""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEvent
from tongxin.exchange.importer import Importer, job_for_file
from tongxin.exchange.models import ImportMapping
from tongxin.exchange.readers import MAX_CELL_CHARS
from tongxin.registry.models import Person, Stay
from tongxin.registry.services import document_hash

from ..registry.factories import GRID_A, GRID_B, citizen_id
from .files import HEADERS, person_row, rewritten, write_csv, write_xlsx


def run(path: Path, *, actor=None, source="标准模板", dry_run=False):
    job = job_for_file(
        path,
        actor=actor,
        source=source,
        filename=path.name,
        dry_run=dry_run,
        mapping=ImportMapping.objects.filter(source=source)
        .values_list("mapping", flat=True)
        .first(),
    )
    return Importer(job, actor=actor).run()


@pytest.fixture(params=["inline", "parallel"])
def mode(request, monkeypatch):
    """Run a test with rows prepared in this process and in the forked preparation process."""
    from tongxin.exchange import importer

    monkeypatch.setattr(
        importer, "PARALLEL_MIN_BYTES", 0 if request.param == "parallel" else 1 << 40
    )
    return request.param


def report_rows(job) -> list[list]:
    sheet = load_workbook(job.error_report, read_only=True).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_standard_file_creates_persons_with_stays_then_rerun_changes_nothing(tmp_path, mode):
    rows = [person_row(i) for i in range(30)]
    path = write_csv(tmp_path / "police.csv", rows)
    before = Person.objects.count()
    job = run(path)
    assert job.status == "done", job.message
    assert (job.total, job.created, job.updated, job.unchanged, job.rejected) == (30, 30, 0, 0, 0)
    assert Person.objects.count() == before + 30
    person = Person.objects.get(
        id_number_hash=Person.objects.filter(name=rows[1]["姓名"]).first().id_number_hash
    )
    assert person.id_number == rows[1]["公民身份号码"]
    assert person.ethnicity == "05" and person.sex == "1" and person.origin_code == "652801"
    stay = Stay.objects.get(person=person)
    assert stay.grid.code == GRID_A and stay.reason == "business" and stay.source == "import"
    assert person.present and person.unit_path == GRID_A
    [created] = person.history.all()
    assert (created.history_type, created.name, created.ethnicity) == ("+", person.name, "05")
    assert created.history_change_reason == "批量导入：标准模板"
    assert created.id_number_hash == person.id_number_hash and created.unit_path == GRID_A
    [stay_created] = stay.history.all()
    assert (stay_created.history_type, stay_created.grid_id) == ("+", stay.grid_id)
    assert AuditEvent.objects.filter(action="import").exists()
    # Same file again: every row unchanged, nothing written.
    history_before = Person.history.count()
    again = run(path, source="公安平台")
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 30, 0)
    assert Person.objects.count() == before + 30
    assert Person.history.count() == history_before


@pytest.mark.django_db
def test_new_phone_and_a_move_update_the_person_and_keep_history(tmp_path, mode):
    run(write_csv(tmp_path / "a.csv", [person_row(1)]))
    changed = person_row(1, 联系电话="13700000000", 网格编码=GRID_B, 来本地日期="2025-01-01")
    job = run(write_csv(tmp_path / "b.csv", [changed]))
    assert (job.created, job.updated, job.unchanged) == (0, 1, 0)
    person = Person.objects.get(name=changed["姓名"], birth_date=date(1981, 2, 2))
    assert person.phone == "13700000000"
    assert person.unit_path == GRID_B
    stays = list(person.stays.order_by("arrival_date"))
    assert [(s.grid.code, s.departure_date) for s in stays] == [
        (GRID_A, date(2025, 1, 1)),
        (GRID_B, None),
    ]
    assert person.history.count() == 2
    assert person.history.first().history_change_reason.startswith("批量导入")


@pytest.mark.django_db
def test_an_imported_move_and_phone_change_read_as_one_history_entry(tmp_path, client):
    from tongxin.geo.models import Unit

    from ..conftest import login_as
    from ..registry.test_registry_pages import history_entries

    run(write_csv(tmp_path / "a.csv", [person_row(1)]))
    changed = person_row(1, 联系电话="13700000000", 网格编码=GRID_B, 来本地日期="2025-01-01")
    run(write_csv(tmp_path / "b.csv", [changed]))
    person = Person.objects.get(name=changed["姓名"], birth_date=date(1981, 2, 2))
    login_as(client, "city_admin")
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    update, created = history_entries(page)
    assert "批量导入" in update and "修改" in update
    assert "手机号码：139****0001 → 137****0000" in update
    new_grid, old_grid = (Unit.objects.get(code=c).name for c in (GRID_B, GRID_A))
    assert f"{old_grid} · 离开日期：（空） → 2025-01-01" in update
    assert f"辖区内迁入：{new_grid}，新华社区3号院，来本地日期 2025-01-01" in update
    assert "登记居住" in created and old_grid in created


@pytest.mark.django_db
def test_bad_rows_are_rejected_with_reasons_and_good_rows_still_go_in(tmp_path, mode):
    rows = [
        person_row(1),
        person_row(
            2,
            公民身份号码=person_row(2)["公民身份号码"][:-1] + "0"
            if person_row(2)["公民身份号码"][-1] != "0"
            else person_row(2)["公民身份号码"][:-1] + "1",
        ),
        person_row(3, 民族=""),
        person_row(4, 网格编码="410104999999001"),
        person_row(1, 姓名="艾力·重复"),
        person_row(5, 姓名='=HYPERLINK("http://x")'),
        person_row(6, 出生日期="1990-13-45"),
    ]
    job = run(write_csv(tmp_path / "mixed.csv", rows))
    assert (job.total, job.created, job.rejected) == (7, 1, 6)
    report = report_rows(job)
    assert report[0][:2] == ["行号", "原因"] and report[0][2:] == HEADERS
    reasons = {row[0]: row[1] for row in report[1:]}
    assert "校验位" in reasons[3]
    assert "民族" in reasons[4]
    assert "网格" in reasons[5]
    assert "与第 2 行重复" in reasons[6]
    assert "姓名" in reasons[7]
    assert reasons[7] and report[5][2].startswith("'=")  # the formula is neutralised in the report
    assert "出生日期" in reasons[8]


@pytest.mark.django_db
def test_an_unknown_document_type_rejects_its_row_and_the_import_goes_on(tmp_path, mode):
    headers = [*HEADERS, "证件类型"]
    rows = [person_row(1, 证件类型="居民身份证"), person_row(2, 证件类型="军官证"), person_row(3)]
    job = run(write_csv(tmp_path / "types.csv", rows, headers=headers))
    assert job.status == "done", job.message
    assert (job.total, job.created, job.rejected) == (3, 2, 1)
    [_header, (row, reason, *_cells)] = report_rows(job)
    assert row == 3 and "证件类型" in reason and "军官证" in reason


@pytest.mark.django_db
def test_a_fault_of_ours_fails_the_job_visibly_and_running_again_resumes(
    tmp_path, monkeypatch, mode
):
    from tongxin.exchange import importer

    def broken(changes):
        raise RuntimeError("the statistics journal is unavailable")

    path = write_csv(tmp_path / "fault.csv", [person_row(i) for i in range(5)])
    working = importer.grids_changed
    monkeypatch.setattr(importer, "grids_changed", broken)
    with pytest.raises(RuntimeError):
        run(path)
    job = job_for_file(path, actor=None, source="标准模板", filename=path.name)
    assert job.status == "failed" and "系统错误" in job.message  # not left "running"
    assert Person.objects.filter(name__in=[person_row(i)["姓名"] for i in range(5)]).count() == 0
    monkeypatch.setattr(importer, "grids_changed", working)
    again = run(path)
    assert again.pk == job.pk and again.status == "done"
    assert (again.created, again.rejected) == (5, 0)


@pytest.mark.django_db
def test_tolerant_values(tmp_path):
    legacy_birth = date(1975, 6, 1)
    full = citizen_id("640104", legacy_birth, 23)
    legacy = full[:6] + full[8:17]
    rows = [
        person_row(
            1, 民族="回", 性别="1", 出生日期="19810202", 流出地="宁夏回族自治区银川市兴庆区"
        ),
        person_row(
            2,
            民族="03",
            性别="2",
            出生日期="1982/3/3",
            公民身份号码=citizen_id("652801", date(1982, 3, 3), 2),
            来本地日期="45000",
        ),
        person_row(3, 民族="UG", 出生日期="1983.04.04"),
        person_row(4, 民族="崩龙族", 公民身份号码=legacy, 出生日期="1975-06-01", 流动原因="打工"),
        person_row(  # a Korean ledger's values
            5,
            民族="조선족",
            性别="여",
            出生日期="1985-05-05",
            公民身份号码=citizen_id("652801", date(1985, 5, 5), 4),
        ),
        person_row(6, 民族="위구르", 性别="남자"),
        person_row(7, 民族="장족"),  # 藏族 or 壮族: not guessed
    ]
    job = run(write_csv(tmp_path / "t.csv", rows))
    [_heading, (row, reason, *_cells)] = report_rows(job)
    assert row == 8 and "民族" in reason
    p1 = Person.objects.get(birth_date=date(1981, 2, 2), name=rows[0]["姓名"])
    assert (p1.ethnicity, p1.sex, p1.origin_code) == ("03", "1", "640104")
    p2 = Person.objects.get(birth_date=date(1982, 3, 3), name=rows[1]["姓名"])
    assert p2.sex == "2" and p2.arrival_date == date(2023, 3, 15)  # Excel serial 45000
    assert Person.objects.get(birth_date=date(1983, 4, 4), name=rows[2]["姓名"]).ethnicity == "05"
    p4 = Person.objects.get(birth_date=legacy_birth)
    assert p4.id_number == full and p4.ethnicity == "46" and p4.stay_reason == "work"
    p5 = Person.objects.get(birth_date=date(1985, 5, 5), name=rows[4]["姓名"])
    assert (p5.ethnicity, p5.sex) == ("10", "2")
    p6 = Person.objects.get(birth_date=date(1986, 7, 7), name=rows[5]["姓名"])
    assert (p6.ethnicity, p6.sex) == ("05", "1")


@pytest.mark.django_db
def test_a_uyghur_or_tibetan_ledgers_values_are_read(tmp_path, mode):
    """Sexes and ethnic groups as a Uyghur or Tibetan ledger writes them, with the tatweel
    or the closing tsheg and shad a keyboard adds; a name not known is refused, not guessed."""
    female = date(1987, 8, 8)
    rows = [
        person_row(
            1,
            民族="ئۇيغۇر",
            性别="ئايال",
            出生日期=female.isoformat(),
            公民身份号码=citizen_id("652801", female, 2),
        ),
        person_row(2, 民族="قازاق", 性别="\ufe8b\ufeea\ufead"),  # ئەر in presentation forms
        person_row(3, 民族="خۇيـزۇ", 性别="ئەر"),  # a tatweel stretching the word
        person_row(4, 民族="བོད་རིགས།", 性别="ཕོ་"),
        person_row(5, 民族="ཧོར"),  # not a group's name: refused
    ]
    job = run(write_csv(tmp_path / "ug.csv", rows))
    assert (job.created, job.rejected) == (4, 1), job.message
    assert "民族" in report_rows(job)[1][1]
    read = {
        p.name: (p.ethnicity, p.sex)
        for p in Person.objects.filter(name__in=[r["姓名"] for r in rows[:4]])
        if p.birth_date in {female} | {date.fromisoformat(r["出生日期"]) for r in rows[1:4]}
    }
    assert read[rows[0]["姓名"]] == ("05", "2")
    assert [read[r["姓名"]] for r in rows[1:4]] == [("17", "1"), ("03", "1"), ("04", "1")]


@pytest.mark.django_db
def test_excel_serials_reach_back_to_1910_and_a_bare_year_is_no_date(tmp_path):
    elder_birth = date(1948, 5, 1)  # serial 17654, before the 1954 the serials began at
    elder = person_row(
        1,
        公民身份号码=citizen_id("640104", elder_birth, 5),
        出生日期=(elder_birth - date(1899, 12, 30)).days,  # a number cell, not a date cell
    )
    bare_year = person_row(2, 出生日期="1985")
    job = run(write_xlsx(tmp_path / "serials.xlsx", [elder, bare_year]))
    assert (job.created, job.rejected) == (1, 1)
    assert Person.objects.get(name=elder["姓名"]).birth_date == elder_birth
    assert report_rows(job)[1][0] == 3 and "出生日期" in report_rows(job)[1][1]


def test_an_arrival_serial_starts_in_1954_so_a_mistyped_month_is_no_date():
    from tongxin.exchange.columns import tolerant_arrival_date, tolerant_date

    assert tolerant_arrival_date("45000") == date(2023, 3, 15)
    assert tolerant_arrival_date("19853") == "19853"  # 1985-3 mistyped: refused as a date
    assert tolerant_date("19853") == date(1954, 5, 9)  # a birth date: the ID checks it


@pytest.mark.django_db
def test_gbk_csv_and_xlsx_import_the_same(tmp_path):
    job = run(write_csv(tmp_path / "g.csv", [person_row(i) for i in range(5)], encoding="gbk"))
    assert job.created == 5
    job = run(write_xlsx(tmp_path / "g.xlsx", [person_row(i) for i in range(5)]))
    assert (job.created, job.unchanged) == (0, 5)


@pytest.mark.django_db
def test_numeric_id_cells_from_excel_are_refused_with_advice_unless_exact(tmp_path):
    # Excel keeps 15 significant digits: an 18-digit ID stored as a number has lost three.
    row = person_row(1)
    row["公民身份号码"] = float(row["公民身份号码"][:17] + "0")
    # A first-generation 15-digit ID is exact as a number: read as text and upgraded.
    old = person_row(2)
    new_id = old["公民身份号码"]
    old["公民身份号码"] = int(new_id[:6] + new_id[8:17])
    job = run(write_xlsx(tmp_path / "n.xlsx", [row, old]))
    assert (job.rejected, job.created) == (1, 1)
    assert "设为文本" in report_rows(job)[1][1]
    assert Person.objects.filter(name=old["姓名"]).get().id_number == new_id


@pytest.mark.django_db
def test_missing_and_duplicate_headers_fail_clearly(tmp_path):
    path = write_csv(
        tmp_path / "m.csv", [person_row(1)], headers=[h for h in HEADERS if h != "民族"]
    )
    job = run(path)
    assert job.status == "failed" and "缺少必需的列：民族" in job.message
    dup = tmp_path / "d.csv"
    dup.write_text(",".join(HEADERS + ["姓名"]) + "\n", encoding="utf-8")
    job = run(dup)
    assert job.status == "failed" and "重复" in job.message


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path):
    before = (
        Person.objects.count(),
        Stay.objects.count(),
        AuditEvent.objects.filter(action="import").count(),
    )
    job = run(write_csv(tmp_path / "dry.csv", [person_row(i) for i in range(8)]), dry_run=True)
    assert (job.total, job.created) == (8, 8)
    assert (
        Person.objects.count(),
        Stay.objects.count(),
        AuditEvent.objects.filter(action="import").count(),
    ) == before


@pytest.mark.django_db
def test_saved_mapping_for_another_layout(tmp_path):
    layout = {
        "XM": "name",
        "XB": "sex",
        "MZ": "ethnicity",
        "SFZH": "id_number",
        "CSRQ": "birth_date",
        "WGBM": "grid",
        "LBDRQ": "arrival_date",
        "LDYY": "reason",
        "BZ": "ignore",
    }
    ImportMapping.objects.create(source="公安流动人口平台", mapping=layout)
    source_rows = [person_row(i) for i in range(3)]
    plain = {
        "XM": "姓名",
        "XB": "性别",
        "MZ": "民族",
        "SFZH": "公民身份号码",
        "CSRQ": "出生日期",
        "WGBM": "网格编码",
        "LBDRQ": "来本地日期",
        "LDYY": "流动原因",
    }
    rows = [{k: r[v] for k, v in plain.items()} | {"BZ": "备注"} for r in source_rows]
    path = write_csv(tmp_path / "gaj.csv", rows, headers=list(layout))
    job = run(path, source="公安流动人口平台")
    assert job.created == 3, job.message


@pytest.mark.django_db
def test_a_scoped_importer_cannot_touch_other_grids_or_records(tmp_path):
    worker = User.objects.get(username="community_officer")  # 新华社区 and its grids
    rows = [person_row(1), person_row(2, 网格编码="410104002001001")]
    job = run(write_csv(tmp_path / "s.csv", rows), actor=worker)
    assert (job.created, job.rejected) == (1, 1)
    assert "不在您的管理范围" in report_rows(job)[1][1]


@pytest.mark.django_db
def test_cli_prints_json_last(tmp_path, capsys):
    path = write_csv(
        tmp_path / "cli.csv", [person_row(i) for i in range(4)] + [person_row(9, 民族="")]
    )
    call_command("import_persons", str(path), "--json")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {k: summary[k] for k in ("total", "created", "updated", "unchanged", "rejected")} == {
        "total": 5,
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    assert summary["error_report"].endswith(".xlsx") and Path(summary["error_report"]).is_file()


@pytest.mark.django_db
def test_cli_reads_the_sheet_of_persons_behind_an_instructions_sheet(tmp_path, capsys):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "填表说明"
    book.active.append(["请按模板填写，每人一行。"])
    data = book.create_sheet("人员")
    data.append(HEADERS)
    for i in range(3):
        data.append([person_row(i)[h] for h in HEADERS])
    path = tmp_path / "ledger.xlsx"
    book.save(path)
    call_command("import_persons", str(path), "--json")
    out, err = capsys.readouterr()
    assert json.loads(out.strip().splitlines()[-1])["created"] == 3
    assert "读取工作表“人员”" in err
    # The sheet named on the command line is read, whatever its headings.
    with pytest.raises(CommandError, match="缺少必需的列"):
        call_command("import_persons", str(path), "--sheet", "填表说明", "--dry-run")
    # A mistyped sheet fails; the same command without it is a new job, not that one again.
    with pytest.raises(CommandError, match="没有名为“人員”的工作表（现有：填表说明、人员）"):
        call_command("import_persons", str(path), "--sheet", "人員", "--dry-run")
    call_command("import_persons", str(path), "--dry-run", "--json")
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["unchanged"] == 3


def _running(pid: str) -> bool:
    """Alive and not a zombie (an orphan's exit is reaped by whatever runs as init)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("first_load", [False, True], ids=["indexes-kept", "first-load"])
def test_a_killed_import_resumes_without_duplicates_or_losses(tmp_path, first_load):
    """A real process, killed mid-import, then run again: every row exactly once. As a
    first load (an empty registry, a large file) the import drops the registry's secondary
    indexes; killed, it leaves them dropped, and the resumed run builds them again."""
    env = {
        # A first load from one row on (the default is 200,000), or never.
        "TONGXIN_IMPORT_FIRST_LOAD_ROWS": "1" if first_load else "100000000",
        **os.environ,
        "TONGXIN_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/k.sqlite3",
        "TONGXIN_IMPORT_BATCH": "500",
        # Rows prepared in the forked child, which is orphaned by the kill.
        "TONGXIN_IMPORT_PARALLEL_BYTES": "0",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    tx = [sys.executable, "-m", "tongxin"]
    subprocess.run([*tx, "migrate", "-v0"], env=env, check=True, timeout=300)
    subprocess.run([*tx, "load_divisions", "--root", "410104001"], env=env, check=True, timeout=120)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django,os;django.setup();from tongxin.geo.models import Unit;"
            "from tongxin.geo.services import grids_draw;"
            "grids_draw(actor=None, communities=list(Unit.objects.filter(level='community')), per_community=2)",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "tongxin.settings"},
        check=True,
        timeout=120,
    )

    def indexes() -> list[str]:
        """The registry's secondary indexes, and the dropped ones waiting to be rebuilt."""
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import django;django.setup();from tongxin.registry.models import Person,Stay;"
                "from tongxin.core.bulk import secondary_indexes as s;"
                "from tongxin.core.models import DeferredIndex;"
                "print(*sorted(n for m in (Person, Stay) for n, _ in s(m)),"
                "DeferredIndex.objects.count())",
            ],
            env={**env, "DJANGO_SETTINGS_MODULE": "tongxin.settings"},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout.split()

    before = indexes()
    path = write_csv(tmp_path / "big.csv", [person_row(i) for i in range(6000)])
    proc = subprocess.Popen(
        [*tx, "import_persons", str(path), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stderr.readline()  # the first committed batch
    assert "新增" in line, line
    # The process preparing rows for it (the file is over 1 MB? then forked; else none).
    children = subprocess.run(
        ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
    ).stdout.split()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # The child ends with its parent, not blocked for ever on a pipe no one reads.
    deadline = time.monotonic() + 30
    while any(map(_running, children)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if _running(pid)], "orphaned child"
    if first_load:
        assert indexes() != before  # killed with the indexes dropped
    result = subprocess.run(
        [*tx, "import_persons", str(path), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    # From the row after the killed run's last committed batch (rows of 500 under a
    # heading: 502, 1002…), as the run took the job.
    resumed_at = re.search(r"继续导入任务 \d+：从第 (\d+) 行起", result.stderr)
    assert resumed_at and int(resumed_at[1]) > 2 and (int(resumed_at[1]) - 2) % 500 == 0
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    count = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django;django.setup();from tongxin.registry.models import Person,Stay;"
            "print(Person.objects.count(), Stay.objects.count(), Person.objects.values('id_number_hash').distinct().count())",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "tongxin.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert count.stdout.split() == ["6000", "6000", "6000"], count.stderr
    assert indexes() == before  # every index back, none waiting
    assert summary["rejected"] == 0
    shutil.rmtree(tmp_path / "var", ignore_errors=True)


@pytest.mark.django_db
def test_a_file_broken_midway_keeps_committed_batches_and_says_why(tmp_path, mode, monkeypatch):
    from tongxin.exchange import importer

    monkeypatch.setattr(importer, "BATCH_SIZE", 10)
    rows = [person_row(i) for i in range(25)]
    rows[3]["民族"] = "火星族"
    path = write_csv(tmp_path / "broken.csv", rows)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("x" * (MAX_CELL_CHARS + 1) + ",男\n")
    before = Person.objects.count()
    job = run(path)
    assert job.status == "failed"
    assert "第 27 行" in job.message and "此前已提交的批次已保存" in job.message
    # Two full batches of 10 were committed before the broken row; the rest were not.
    assert (job.created, job.rejected, job.rows_done) == (19, 1, 21)
    assert Person.objects.count() == before + 19
    # The committed batches' refused row can be downloaded with its reason.
    assert [r[0] for r in report_rows(job)[1:]] == [5] and "民族" in report_rows(job)[1][1]


@pytest.mark.django_db
def test_an_imported_move_is_counted_as_a_move_and_the_statistics_follow(tmp_path, mode):
    from django.utils import timezone

    from tests.reports.oracle import count as oracle
    from tongxin.geo.models import Unit
    from tongxin.reports import counts
    from tongxin.reports.periods import Period

    run(write_csv(tmp_path / "a.csv", [person_row(1, 来本地日期="2024-03-01")]))
    moved = person_row(1, 网格编码=GRID_B, 来本地日期="2025-01-01")
    run(write_csv(tmp_path / "b.csv", [moved]))
    person = Person.objects.get(name=moved["姓名"], birth_date=date(1981, 2, 2))
    first, second = person.stays.order_by("arrival_date")
    assert first.left_by_move and second.arrived_by_move
    assert second.resident_since == date(2024, 3, 1)  # residence runs from the first arrival
    january = Period.parse("2025-01")
    street = Unit.objects.get(code=GRID_B[:9])
    found = counts.period_counts([street.pk], january)[street.pk]
    assert found == dict(oracle(street.path, january.start, timezone.localdate()))
    assert found.get("move_in", 0) >= 1


@pytest.mark.django_db
def test_postgresql_statistics_follow_a_growing_registry(tmp_path):
    """Planned as the table it was, a growing registry made every batch slower; the import
    refreshes PostgreSQL's statistics as it writes (from 10,000 persons on; 10 here)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    path = write_csv(tmp_path / "grow.csv", [person_row(i) for i in range(30)])
    job = job_for_file(path, actor=None, source="标准模板", filename=path.name)
    importer = Importer(job, actor=None)
    importer.analyze_at = 10
    assert importer.run().created == 30
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'registry_person'")
        assert cursor.fetchone()[0] == Person.objects.count()


@pytest.mark.django_db
def test_a_dry_run_counts_what_the_import_would_do_and_writes_nothing(tmp_path):
    """Unchanged, updated, created and refused while writing — the same counts as the real
    run of the same file, and the refused row's cells in the report."""
    elsewhere = "410104002001001"  # a grid outside 新华社区
    run(
        write_csv(
            tmp_path / "before.csv",
            [person_row(1), person_row(2), person_row(3, 网格编码=elsewhere)],
        )
    )
    officer = User.objects.get(username="community_officer")
    rows = [
        person_row(1),  # as registered
        person_row(2, 联系电话="13700000002"),  # a new phone
        person_row(3),  # a record outside the officer's units, though the row names theirs
        person_row(4),  # new
    ]
    path = write_csv(tmp_path / "ledger.csv", rows)
    registry = list(Person.objects.order_by("pk").values_list("pk", "phone_hash", "unit_path"))
    counts = ("total", "created", "updated", "unchanged", "rejected")
    dry = run(path, actor=officer, dry_run=True)
    assert [getattr(dry, c) for c in counts] == [4, 1, 1, 1, 1]
    assert (
        list(Person.objects.order_by("pk").values_list("pk", "phone_hash", "unit_path")) == registry
    )
    real = run(path, actor=officer)
    assert [getattr(real, c) for c in counts] == [getattr(dry, c) for c in counts]
    [_heading, refused] = report_rows(real)
    assert refused[0] == 4 and "管理范围之外" in refused[1]
    assert refused[2:4] == [rows[2]["姓名"], rows[2]["性别"]]  # the file's cells, not blanks


@pytest.mark.django_db
def test_every_row_refused_while_writing_has_its_cells_in_the_report(tmp_path, monkeypatch):
    """The file is read again for them through a scratch file, a few rows at a time, which
    is gone afterwards."""
    from tongxin.exchange import importer

    monkeypatch.setattr(importer, "REPORT_CELLS_CHUNK", 2)
    elsewhere = "410104002001001"  # a grid outside 新华社区
    outside = [person_row(i, 网格编码=elsewhere) for i in range(1, 6)]
    run(write_csv(tmp_path / "before.csv", outside))
    officer = User.objects.get(username="community_officer")
    rows = [person_row(i, 姓名=f"艾力{'甲乙丙丁戊'[i - 1]}") for i in range(1, 6)]
    rows.insert(2, person_row(9, 性别="X"))  # refused before writing, with its cells
    job = run(write_csv(tmp_path / "again.csv", rows), actor=officer)
    assert (job.created, job.rejected) == (0, 6)
    refused = {r[0]: r for r in report_rows(job)[1:]}
    assert sorted(refused) == [2, 3, 4, 5, 6, 7]
    for number, row in zip(range(2, 8), rows, strict=True):
        assert refused[number][2:4] == [row["姓名"], row["性别"]]
    assert [p.name for p in Path(job.error_report).parent.glob("*.cells.sqlite3")] == []


@pytest.mark.django_db
def test_a_second_run_of_the_same_job_takes_it_over_and_the_first_stops(
    tmp_path, monkeypatch, mode
):
    """Two workers on one job (an officer presses 续传 while the first is still going, or
    the CLI is started twice): the later run takes the job; the earlier one stops before its
    next batch. Every row is written and reported once, and the counts add up."""
    from tongxin.exchange import importer

    monkeypatch.setattr(importer, "BATCH_SIZE", 5)
    rows = [person_row(i) for i in range(30)]
    for bad in (3, 12, 27):
        rows[bad] = person_row(bad, 出生日期="1990-13-45")
    path = write_csv(tmp_path / "twice.csv", rows)
    job = job_for_file(path, actor=None, source="标准模板", filename=path.name)
    taken_over = []

    def progress(j):
        if j.rows_done and not taken_over:  # the first run has committed a batch
            taken_over.append(
                Importer(
                    job_for_file(path, actor=None, source="标准模板", filename=path.name),
                    actor=None,
                ).run()
            )

    first = Importer(job, actor=None, progress=progress)
    stopped = first.run()
    assert first.superseded
    [second] = taken_over
    assert second.pk == stopped.pk == job.pk
    stopped.refresh_from_db()
    assert stopped.status == "done" and stopped.runner != first.token
    assert (stopped.total, stopped.created, stopped.unchanged, stopped.rejected) == (30, 27, 0, 3)
    names = [r["姓名"] for r in rows]
    assert Person.objects.filter(name__in=names).count() == 27
    reported = [r[0] for r in report_rows(stopped)[1:]]
    assert reported == [5, 14, 29]  # file rows (the heading is row 1), each once


@pytest.mark.django_db
def test_a_run_taken_over_after_its_last_batch_leaves_the_report_and_the_end_to_the_other(
    tmp_path, monkeypatch
):
    """Taken over while it writes the report of refused rows (after its last batch): the
    first run neither writes that file over the second's nor ends the job a second time."""
    from tongxin.exchange import importer

    monkeypatch.setattr(importer, "BATCH_SIZE", 5)
    rows = [person_row(i) for i in range(12)]
    for bad in (2, 9):
        rows[bad] = person_row(bad, 出生日期="1990-13-45")
    path = write_csv(tmp_path / "late.csv", rows)
    job = job_for_file(path, actor=None, source="标准模板", filename=path.name)
    second = []

    def progress(j):
        if j.rows_done == len(rows) + 1 and not second:  # the last batch (row 1: headings)
            again = job_for_file(path, actor=None, source="标准模板", filename=path.name)
            second.append(Importer(again, actor=None))
            second[0].run()

    first = Importer(job, actor=None, progress=progress)
    ended = first.run()
    assert first.superseded and not second[0].superseded
    assert (ended.status, ended.total, ended.created, ended.rejected) == ("done", 12, 10, 2)
    assert [r[0] for r in report_rows(ended)[1:]] == [4, 11]
    leftovers = [p.name for p in Path(ended.error_report).parent.glob("*.part")]
    assert leftovers == [] and not list(Path(ended.error_report).parent.glob("*.cells.*"))


@pytest.mark.django_db
def test_cancelling_a_file_of_one_batch_writes_nothing_and_says_cancelled(tmp_path):
    from tongxin.exchange.models import ImportJob

    path = write_csv(tmp_path / "small.csv", [person_row(i) for i in range(3)])
    job = job_for_file(path, actor=None, source="标准模板", filename=path.name)
    ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    job.refresh_from_db()
    before = Person.objects.count()
    done = Importer(job, actor=None).run()
    assert done.status == "cancelled" and "取消" in done.message
    assert (done.created, Person.objects.count()) == (0, before)


@pytest.mark.django_db
def test_cli_dry_run_reads_the_sources_saved_layout_and_writes_nothing(tmp_path, capsys):
    layout = {"XM": "name", "SFZH": "id_number", "WGBM": "grid", "LBDRQ": "arrival_date"}
    layout |= {"XB": "sex", "MZ": "ethnicity", "CSRQ": "birth_date", "LDYY": "reason"}
    ImportMapping.objects.create(source="公安流动人口平台", mapping=layout)
    plain = dict(
        zip(
            layout,
            [
                "姓名",
                "公民身份号码",
                "网格编码",
                "来本地日期",
                "性别",
                "民族",
                "出生日期",
                "流动原因",
            ],
            strict=True,
        )
    )
    rows = [{k: person_row(i)[v] for k, v in plain.items()} for i in range(3)]
    path = write_csv(tmp_path / "gaj.csv", rows, headers=list(layout))
    before = Person.objects.count()
    call_command("import_persons", str(path), "--source", "公安流动人口平台", "--dry-run", "--json")
    out, err = capsys.readouterr()
    summary = json.loads(out.strip().splitlines()[-1])
    assert (summary["total"], summary["created"], summary["rejected"]) == (3, 3, 0)
    assert Person.objects.count() == before and "3" in err  # progress on stderr
    # Without the source, its headers are not the standard template's.
    with pytest.raises(CommandError):
        call_command("import_persons", str(path), "--dry-run", "--json")


@pytest.mark.django_db
def test_a_million_blank_rows_import_nothing_and_say_so(tmp_path, mode):
    path = tmp_path / "blank.csv"
    path.write_text(",".join(HEADERS) + "\n" + ",,,\n" * 1_000_000, encoding="utf-8")
    before = Person.objects.count()
    job = run(path)
    assert (job.status, job.total, job.rejected) == ("done", 0, 0)
    assert job.message == "文件中没有数据行：只有表头和空行。"
    assert Person.objects.count() == before and not job.error_report


@pytest.mark.django_db
def test_a_sources_file_with_a_standard_column_its_mapping_never_saw_has_it_read(tmp_path):
    """The platform's mapping knows 服务处所 for the employer; a later export of the same
    platform carries the template's 工作单位 instead: read, not skipped in silence."""
    ImportMapping.objects.create(source="公安", mapping={"服务处所": "employer", "备注": "ignore"})
    rows = [person_row(i, 工作单位="新华拉面馆") for i in range(2)]
    job = run(write_csv(tmp_path / "gaj2.csv", rows), source="公安")
    assert job.created == 2, job.message
    assert {p.employer for p in Person.objects.filter(pk__in=_ids(rows))} == {"新华拉面馆"}


def _ids(rows) -> list[int]:
    from tongxin.registry.services import document_hash

    hashes = [document_hash(r["公民身份号码"]) for r in rows]
    return list(Person.objects.filter(id_number_hash__in=hashes).values_list("pk", flat=True))


@pytest.mark.django_db
def test_formula_cells_in_excel_are_refused_with_the_formula_not_imported_as_a_result(
    tmp_path, mode
):
    """A formula cell holds the value Excel last showed — or none, if no Excel ever opened
    the file. A name that is =HYPERLINK(…,"点我") was imported as 点我, a formula employer
    as whatever it gave, and one never computed was "请填写姓名". Each is refused with the
    formula, and the other rows go in."""
    import re

    rows = [
        person_row(1),
        person_row(2, 姓名='=HYPERLINK("http://x.example","点我")'),
        person_row(3, 工作单位='=CONCAT("拉面","馆")'),
        person_row(4, 性别='=IF(1,"男","女")'),
        person_row(5),
    ]
    made = write_xlsx(tmp_path / "made.xlsx", rows)
    # Give the name's formula the value Excel would have shown (openpyxl writes none).

    def shown_value(data: bytes) -> bytes:
        data = re.sub(
            rb'<c r="A3"><f>(.*?)</f><v\s*/>',
            lambda m: b'<c r="A3" t="str"><f>' + m.group(1) + "</f><v>点我</v>".encode(),
            data,
        )
        assert "<v>点我</v>".encode() in data
        return data

    path = rewritten(made, tmp_path / "formulas.xlsx", "xl/worksheets/sheet1.xml", shown_value)
    job = run(path)
    assert (job.total, job.created, job.rejected) == (5, 2, 3), job.message
    report = {row[0]: row for row in report_rows(job)[1:]}
    assert set(report) == {3, 4, 5}
    assert "姓名是公式" in report[3][1] and "HYPERLINK" in report[3][1]
    assert "请填写" not in report[3][1]  # the formula is the reason, said once
    assert report[3][2].startswith("'=HYPERLINK")  # the formula in the report, neutralised
    assert "工作单位是公式" in report[4][1] and "性别是公式" in report[5][1]
    assert not Person.objects.filter(name="点我").exists()


@pytest.mark.django_db
def test_a_corrected_report_of_rejected_rows_imports_without_the_reports_quotes(tmp_path):
    """The report quotes text a spreadsheet would take for a formula (+86…); an officer
    corrects the row in it and uploads the report itself."""
    row = person_row(7, 性别="X", 联系电话="+8613900000007")
    job = run(write_csv(tmp_path / "ledger.csv", [row]))
    assert job.rejected == 1
    book = load_workbook(job.error_report)
    sheet = book.active
    headings = [c.value for c in sheet[1]]
    assert sheet.cell(2, headings.index("联系电话") + 1).value == "'+8613900000007"
    sheet.cell(2, headings.index("性别") + 1).value = "男"
    book.save(tmp_path / "corrected.xlsx")
    job = run(tmp_path / "corrected.xlsx")
    assert (job.created, job.rejected) == (1, 0), job.message
    person = Person.objects.get(id_number_hash=document_hash(row["公民身份号码"]))
    assert person.phone == "13900000007"


@pytest.mark.django_db
def test_a_corrected_report_saved_as_csv_imports_without_the_reports_quotes(tmp_path):
    """Excel keeps the report's quote when the sheet is saved as CSV: it is taken off there
    too, and only before what a spreadsheet would take for a formula."""
    row = person_row(8, 性别="X", 联系电话="+8613900000008", 工作单位="'老马'拉面馆")
    job = run(write_csv(tmp_path / "ledger.csv", [row]))
    book = load_workbook(job.error_report)
    sheet = book.active
    headings = [c.value for c in sheet[1]]
    cells = [c.value for c in sheet[2]]
    cells[headings.index("性别")] = "男"
    corrected = tmp_path / "corrected.csv"
    with corrected.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([headings, cells])
    assert "'+8613900000008" in corrected.read_text(encoding="utf-8-sig")
    job = run(corrected)
    assert (job.created, job.rejected) == (1, 0), job.message
    person = Person.objects.get(id_number_hash=document_hash(row["公民身份号码"]))
    assert person.phone == "13900000008"
    assert person.employer == "'老马'拉面馆"  # a quote before ordinary text is kept
