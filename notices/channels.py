"""Channels the daily digest goes through (``settings.NOTIFY_CHANNELS``).

A channel has a ``name`` and ``send(user, subject, text) -> bool`` (False: the user has no
address for it, nothing sent). ``email`` uses Django's mail backend; ``sms`` the class named by
``settings.SMS_BACKEND``, whose interface is ``send(phone, text) -> bool``: the demo's
``LoggingSmsBackend`` writes the message to the log; a deployment names its gateway's adapter.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("cobuild.sms")


class SmsBackend:
    """The interface of an SMS gateway adapter."""

    def send(self, phone: str, text: str) -> bool:  # pragma: no cover - interface
        raise NotImplementedError


class LoggingSmsBackend(SmsBackend):
    """For the demo and tests: the message goes to the log (and ``outbox``), not to a phone."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> bool:
        LoggingSmsBackend.outbox.append((phone, text))
        logger.info("SMS to %s: %s", phone, text)
        return True


class EmailChannel:
    name = "email"

    def send(self, user, subject: str, text: str) -> bool:
        if not user.email:
            return False
        return send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email]) > 0


class SmsChannel:
    name = "sms"

    def __init__(self):
        self.backend = import_string(settings.SMS_BACKEND)()

    def send(self, user, subject: str, text: str) -> bool:
        if not user.phone:
            return False
        return bool(self.backend.send(user.phone, f"【党群共建】{text}"))


CHANNELS = {"email": EmailChannel, "sms": SmsChannel}


def configured() -> list:
    out = []
    for name in settings.NOTIFY_CHANNELS:
        if name not in CHANNELS:
            raise ImproperlyConfigured(f"NOTIFY_CHANNELS: unknown channel {name!r} (known: {', '.join(CHANNELS)})")
        out.append(CHANNELS[name]())
    return out
