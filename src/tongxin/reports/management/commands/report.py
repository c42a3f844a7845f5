"""`tongxin report stats --unit CODE --period 2026-10 --format xlsx|pdf -o FILE`: a unit's
basic-situation form (the submitted one if there is one, else as the registry fills it now);
`tongxin report counts [--rebuild]`: bring the statistics' counts up to date."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from tongxin.geo.models import Unit
from tongxin.reports import counts, exports
from tongxin.reports.periods import Period


class Command(BaseCommand):
    help = "Statistical forms: export one (stats), or refresh the counts behind them (counts)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        stats = sub.add_parser("stats", help="export a unit's form for a period")
        stats.add_argument("--unit", required=True, help="unit code, e.g. 410104001")
        stats.add_argument("--period", required=True, help="2026-10, 2026-Q3 or 2026")
        stats.add_argument("--format", choices=["xlsx", "pdf"], default="xlsx")
        stats.add_argument("-o", "--output", required=True, help="file to write")
        refresh = sub.add_parser("counts", help="bring the statistics' counts up to date")
        refresh.add_argument("--rebuild", action="store_true", help="forget and recount all")

    def handle(self, *args, what: str, **options):
        translation.activate("zh-hans")
        if what == "counts":
            started = time.monotonic()
            work = counts.rebuild() if options["rebuild"] else counts.refresh()
            self.stdout.write(f"已更新 {work} 个网格月，用时 {time.monotonic() - started:.1f} 秒。")
            return
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"单位代码 {options['unit']} 不存在。")
        try:
            period = Period.parse(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        doc = exports.document(unit, period)
        data = exports.xlsx(doc) if options["format"] == "xlsx" else exports.pdf(doc)
        path = Path(options["output"])
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc.strerror}") from None
        self.stdout.write(f"{unit.name} {period.label}（{doc.status}）已写入 {path}")
