"""Send each user their daily inbox digest (run once a day by cron; README "提醒与每日摘要")."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from notices.digests import send_digests


class Command(BaseCommand):
    help = "按 NOTIFY_CHANNELS(邮件、短信)给每个有待办的用户发送当日待办摘要;同一天同一渠道只发一次。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按这一天计算(YYYY-MM-DD,默认今天)")

    def handle(self, *args, date=None, **options):
        day = None
        if date:
            try:
                day = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"日期格式应为 YYYY-MM-DD:{date}") from None
        stats = send_digests(today=day)
        self.stdout.write(f"sent {stats['sent']}, already sent today {stats['skipped']}, "
                          f"no address {stats['no_address']}, nothing waiting {stats['empty']}")
