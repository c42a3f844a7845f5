from django.core.management.base import BaseCommand, CommandError

from tongxin.geo.services import DivisionError, divisions_load


class Command(BaseCommand):
    help = "Load every division (district, street, community) under an official code."

    def add_arguments(self, parser):
        parser.add_argument("--root", required=True, help="division code, e.g. 410100 or 410104")

    def handle(self, *args, root, **options):
        try:
            result = divisions_load(root)
        except DivisionError as exc:
            raise CommandError(str(exc)) from exc
        total, created, renamed = result["total"], result["created"], result["renamed"]
        self.stdout.write(f"区划 {root}：共 {total} 个，新增 {created}，更名 {renamed}。")
