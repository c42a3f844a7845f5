"""tongxin import_persons FILE [--source NAME] [--dry-run] [--json]"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tongxin.exchange.importer import Importer, import_dir, job_for_file
from tongxin.exchange.models import ImportMapping, JobStatus


class Command(BaseCommand):
    help = "Import persons with their current stay from CSV (any common encoding) or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--source", default="标准模板", help="data source; its saved column mapping is used"
        )
        parser.add_argument("--dry-run", action="store_true", help="validate and report only")
        parser.add_argument(
            "--sheet",
            default="",
            help="the Excel sheet to read (default: the one whose headers match the template)",
        )
        parser.add_argument(
            "--json", action="store_true", help="print a JSON summary as the last line"
        )

    def handle(self, *args, file, source, dry_run, json: bool, sheet: str, **options):
        from tongxin.core.keycheck import require_data_key

        require_data_key()
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        mapping = (
            ImportMapping.objects.filter(source=source).values_list("mapping", flat=True).first()
        )
        # The job works on its own copy, so the file can be moved or re-exported meanwhile.
        job = job_for_file(
            path,
            actor=None,
            source=source,
            filename=path.name,
            mapping=mapping,
            dry_run=dry_run,
            sheet=sheet,
        )
        copy = import_dir() / f"job-{job.pk}-{job.file_sha256[:16]}{path.suffix.lower()}"
        if not copy.exists():
            shutil.copyfile(path, copy)
        if job.path != str(copy):
            type(job).objects.filter(pk=job.pk).update(path=str(copy))
            job.path = str(copy)
        started = time.perf_counter()

        def begun(j):
            # Read as the run took the job: another run may have gone on meanwhile.
            if j.sheet:
                sys.stderr.write(f"读取工作表“{j.sheet}”。\n")
            if j.run_rows_from:
                sys.stderr.write(f"继续导入任务 {j.pk}：从第 {j.run_rows_from + 1} 行起。\n")

        def progress(j):
            # This run's pace, from the row it started after (read as it took the job).
            rate = (j.rows_done - j.run_rows_from) / max(time.perf_counter() - started, 1e-6)
            sys.stderr.write(
                f"第 {j.rows_done} 行：新增 {j.created}，更新 {j.updated}，未变 {j.unchanged}，"
                f"拒绝 {j.rejected}（{rate:,.0f} 行/秒）\n"
            )
            sys.stderr.flush()

        importer = Importer(job, actor=None, progress=progress, started=begun)
        job = importer.run()
        if importer.superseded:
            raise CommandError(
                f"导入任务 {job.pk} 已由另一个进程接管，本进程已停止（已提交的批次保留）；"
                "请在导入页面或那个进程查看进度。"
            )
        summary = {
            "total": job.total,
            "created": job.created,
            "updated": job.updated,
            "unchanged": job.unchanged,
            "rejected": job.rejected,
            "error_report": job.error_report or None,
        }
        if job.status != JobStatus.DONE:
            if json:
                self.stdout.write(_json(summary | {"status": job.status, "message": job.message}))
            raise CommandError(job.message or job.get_status_display())
        if json:
            self.stdout.write(_json(summary))
        else:
            self.stdout.write(
                f"共 {job.total} 行：新增 {job.created}，更新 {job.updated}，未变 {job.unchanged}，拒绝 {job.rejected}。"
                + (f" 错误报告：{job.error_report}" if job.error_report else "")
            )


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
