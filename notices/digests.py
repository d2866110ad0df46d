"""The daily digest (``send_digests``): each active user with a role and something in their inbox
gets its summary through every configured channel, at most once a day per channel (DigestLog)."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from organizations.models import User

from . import channels
from .inbox import inbox_for
from .models import DigestLog


def digest_text(user, box) -> str:
    lines = "；".join(box.summary_lines())
    link = getattr(settings, "SITE_URL", "").rstrip("/") + reverse("notices:inbox")
    return f"{user}:您有 {box.total} 项待办:{lines}。请登录党群共建工作平台查看:{link}"


def send_digests(*, today=None, users=None) -> dict:
    """Returns counts: sent, skipped (already sent today), no_address, empty."""
    today = today or timezone.localdate()
    chans = channels.configured()
    users = users if users is not None else User.objects.filter(is_active=True, role_grants__isnull=False).distinct()
    done = set(DigestLog.objects.filter(day=today).values_list("user_id", "channel"))
    stats = {"sent": 0, "skipped": 0, "no_address": 0, "empty": 0}
    for user in users.order_by("pk"):
        todo = [c for c in chans if (user.pk, c.name) not in done]
        if not todo:
            stats["skipped"] += len(chans)
            continue
        box = inbox_for(user, today=today)
        if not box.total:
            stats["empty"] += 1
            continue
        text = digest_text(user, box)
        for chan in todo:
            try:
                with transaction.atomic():
                    log = DigestLog.objects.create(user=user, day=today, channel=chan.name, items=box.total,
                                                   text=text)
                    delivered = chan.send(user, f"党群共建待办提醒({today:%m月%d日})", text)
                    if not delivered:
                        log.delivered = False
                        log.save(update_fields=["delivered"])
            except IntegrityError:   # another run sent it meanwhile
                stats["skipped"] += 1
                continue
            stats["sent" if delivered else "no_address"] += 1
    return stats
