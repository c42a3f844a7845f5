from django.core.management.base import BaseCommand, CommandError

from tongxin.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit non-zero naming the first bad event."

    def handle(self, *args, **options):
        result = audit_verify()
        if not result.ok:
            raise CommandError(f"审计链校验失败：{result.reason}（已校验 {result.checked} 个事件）")
        self.stdout.write(f"审计链完整：{result.checked} 个事件。")
