from django.core.management.base import BaseCommand

from campaigns.services import STAGED_PHOTO_HOURS, staged_photos_prune


class Command(BaseCommand):
    help = f"删除超过 {STAGED_PHOTO_HOURS} 小时仍未提交的待提交照片(手机填报先上传的照片)及其文件。prune_jobs 每次也会执行。"

    def handle(self, *args, **opts):
        self.stdout.write(f"已删除 {staged_photos_prune()} 张过期的待提交照片。")
