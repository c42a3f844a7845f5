from django.core.management.base import BaseCommand

from tongxin.services.services import daily_digest


class Command(BaseCommand):
    help = "Send each user with open requests a notification summing up their queue (run daily)."

    def handle(self, *args, **options):
        self.stdout.write(f"已发送每日待办提醒 {daily_digest()} 条。")
