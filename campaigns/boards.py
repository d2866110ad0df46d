"""Public boards (公示栏): what a board shows to anyone holding its link, and its page cache.

What a 承诺公示 board shows — decided once, here:
- the commitments of the board's unit exactly as the unit's signed-in board lists them
  (``selectors_commitments.board_q``: the unit's own and, for a village, those its paired bureaus
  made for the pair), or for a pairing's board the commitments made for that pairing; of the
  board's campaign if it names one; cancelled commitments are not shown (they are no longer
  promises to the public);
- per commitment only: content, who committed (the unit or organisation: the subject of the
  board), made on, due date, status, completed on. Never the progress notes or the evidence
  (free text written for the reviewers), no person fields, no contact (the pairing's contacts
  and phones are never read), and phone, mobile and ID-card numbers inside the content are
  masked (:func:`mask_personal`). Commitments have no person as subject: no names are shown
  besides units and organisations.

The page is cached (Django's cache, ``PUBLIC_BOARD_CACHE_SECONDS``, default 60 s) under a key
derived from the token's hash. Withdrawing a board drops its cache entry at once (the link then
answers 404); a changed commitment shows within the TTL (no invalidation: short TTL by design).
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q

from .models import BoardKind, Commitment, CommitmentStatus, PublicBoard
from .selectors_commitments import STATUS_ORDER, board_q, commitment_counts

_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)")
_ID_CARD = re.compile(r"(?<![\dXx])\d{17}[\dXx](?![\dXx])")
MASK = "[已隐去]"


def mask_personal(text: str) -> str:
    """Phone, mobile and ID-card numbers in free text replaced by a mark."""
    text = _ID_CARD.sub(MASK, text or "")
    text = _MOBILE.sub(MASK, text)
    return _LANDLINE.sub(MASK, text)


def cache_seconds() -> int:
    return int(getattr(settings, "PUBLIC_BOARD_CACHE_SECONDS", 60))


def cache_key(token: str) -> str:
    return "public-board:" + hashlib.sha256(token.encode()).hexdigest()


def forget_board(token: str) -> None:
    cache.delete(cache_key(token))


def public_board(token: str) -> PublicBoard | None:
    """The active board behind ``token`` (None: unknown or withdrawn)."""
    if not token or len(token) > 64:
        return None
    return (PublicBoard.objects.active().filter(token=token)
            .select_related("unit__parent", "pairing__village", "pairing__bureau", "campaign").first())


def board_commitments(board: PublicBoard):
    """The commitments a board shows (see the module's docstring), in the board's order."""
    if board.kind != BoardKind.COMMITMENTS:
        return Commitment.objects.none()
    q = Q(pairing_id=board.pairing_id) if board.pairing_id else board_q(board.unit)
    qs = Commitment.objects.filter(q).exclude(status=CommitmentStatus.CANCELLED)
    if board.campaign_id:
        qs = qs.filter(campaign_id=board.campaign_id)
    return qs


def public_rows(board: PublicBoard) -> tuple[list[dict], dict]:
    """(rows, counts) for the public page: only the public fields, masked (two queries)."""
    qs = board_commitments(board)
    rows = []
    for c in (qs.select_related("unit", "organization")
              .order_by(STATUS_ORDER, "due_date", "made_on", "pk")):
        rows.append({
            "content": mask_personal(c.content),
            "by": c.organization.name if c.organization_id else c.unit.name,
            "made_on": c.made_on, "due_date": c.due_date, "status": c.status,
            "status_label": c.get_status_display(), "completed_on": c.completed_on,
            "overdue": c.is_overdue,
        })
    return rows, commitment_counts(qs)


# --- other kinds of board (registered by the apps above: campaigns imports none of them) --------

#: kind → fn(board) returning (template name, context) for the public page, or None (404)
KIND_PAGES: dict = {}


def register_kind(kind: str, fn) -> None:
    """An app above campaigns says what a board of ``kind`` shows (``evaluations``: 评选公示).
    The function must show public information only: no phone or ID numbers."""
    KIND_PAGES[kind] = fn


def public_page(board: PublicBoard):
    """(template, context) of the board's public page, or None when its kind shows nothing."""
    fn = KIND_PAGES.get(board.kind)
    return fn(board) if fn is not None else None


def boards_for(user):
    """The boards a user sees on the board list (scoped), with what the list shows."""
    return PublicBoard.objects.for_user(user).select_related("unit", "pairing__village", "pairing__bureau",
                                                             "campaign", "created_by")


__all__ = ["boards_for", "public_page", "register_kind", "board_commitments", "cache_key", "forget_board", "mask_personal",
           "public_board", "public_rows"]
