"""Once-only create forms: a double-submitted form makes one record.

A create page gives its form a hidden token when it renders (``with_submit_token``); the view
claims the token in the same transaction as the record it creates (``once``), and records what
it created. A second submit of the same form — a double click, or a phone that lost the answer
and sends again — finds the claim: it creates nothing and goes to the first record with the
message ``DUPLICATE_MESSAGE``. The claim is a row with a unique (user, token), so it holds under
concurrency: on PostgreSQL a second insert waits for the first transaction and then fails (or,
if the first rolled back, goes ahead). The token is trusted for nothing else: scope and
permission are checked as always before the claim, and another user's token is just a new one::

    form = with_submit_token(CommitmentForm(...), request)
    ...
    try:
        with once(request) as claim:
            commitment, _ = commitment_save(...)
            claim.made(commitment, reverse("campaigns:commitment_detail", args=[commitment.pk]))
    except AlreadySubmitted as dup:
        return dup.response(request)

A request without a (well-formed) token — a script, an old page — is saved as before.
``submissions_prune`` (run by ``prune_jobs``) deletes claims older than ``SUBMISSIONS_KEEP_HOURS``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from contextlib import contextmanager

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone

from .models import Submission

TOKEN_FIELD = "submit_token"  # a form field name, not a secret  # nosec B105
DUPLICATE_MESSAGE = "已提交过,未重复保存。下面是第一次提交时保存的记录。"
_TOKEN = re.compile(r"[0-9a-f]{32}")


def new_token() -> str:
    return secrets.token_hex(16)


def posted_token(request) -> str | None:
    """The posted token if it is well formed, else None (then nothing is guarded)."""
    if request.method != "POST":
        return None
    token = request.POST.get(TOKEN_FIELD, "")
    return token if _TOKEN.fullmatch(token) else None


def with_submit_token(form, request):
    """Give the form its token: the posted one when the page is shown again (nothing was saved
    under it), else a new one. A crispy form that renders its own ``<form>`` gets the hidden
    input from its helper; other templates render ``{{ form.submit_token }}`` themselves."""
    from crispy_forms.layout import Hidden

    token = posted_token(request) or new_token()
    form.submit_token = token
    helper = getattr(form, "helper", None)
    if helper is not None and helper.form_tag:
        helper.add_input(Hidden(TOKEN_FIELD, token))
    return form


class AlreadySubmitted(Exception):
    """The token was claimed by an earlier submit: go to what it created."""

    def __init__(self, submission: Submission | None, fallback: str):
        super().__init__(DUPLICATE_MESSAGE)
        self.submission, self.fallback = submission, fallback

    @property
    def url(self) -> str:
        return (self.submission.url if self.submission is not None else "") or self.fallback

    def response(self, request):
        messages.info(request, DUPLICATE_MESSAGE)
        return redirect(self.url)


class Claim:
    def __init__(self, submission: Submission | None):
        self.submission = submission

    def made(self, record, url: str) -> None:
        """Record what the submit created (saved with it, in the same transaction)."""
        sub = self.submission
        if sub is None:
            return
        sub.record_type, sub.record_id, sub.url = record._meta.label_lower, record.pk, url[:200]
        sub.save(update_fields=["record_type", "record_id", "url"])


def earlier(request, fallback: str = "/") -> None:
    """Raise AlreadySubmitted if the posted token was claimed already: a cheap look before
    expensive work (resizing photos). ``once`` is what guarantees it."""
    token = posted_token(request)
    if token:
        first = Submission.objects.filter(user=request.user, token=token).first()
        if first is not None:
            raise AlreadySubmitted(first, fallback)


@contextmanager
def once(request, fallback: str = "/"):
    """A transaction whose first write claims the posted token (see the module's docstring)."""
    token = posted_token(request)
    with transaction.atomic():
        submission = None
        if token:
            try:
                with transaction.atomic():
                    submission = Submission.objects.create(user=request.user, token=token)
            except IntegrityError:
                first = Submission.objects.filter(user=request.user, token=token).first()
                raise AlreadySubmitted(first, fallback) from None
        yield Claim(submission)


def submissions_prune(*, now=None) -> int:
    """Forget claims older than ``SUBMISSIONS_KEEP_HOURS`` (a form kept open longer than that and
    submitted twice would make two records); returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.SUBMISSIONS_KEEP_HOURS)
    with transaction.atomic():
        count, _ = Submission.objects.filter(created_at__lt=cutoff).delete()
        Submission.history.filter(history_date__lt=cutoff).delete()
    return count
