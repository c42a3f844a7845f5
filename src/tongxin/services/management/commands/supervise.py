from django.core.management.base import BaseCommand

from tongxin.services.services import supervise


class Command(BaseCommand):
    help = "Issue supervision notices (督办单) for late requests; run daily (once a week each)."

    def handle(self, *args, **options):
        issued = supervise()
        self.stdout.write(f"新发督办单 {issued} 份。")
