"""Batches of writes: derived data is brought up to date once per batch, not once per row.

Inside ``with batch():`` (the importer's write, ``seed_demo``) apps that keep derived data
(metrics' summary table) may ``defer`` their upkeep; the registered flushers run when the
outermost batch ends, still inside the caller's transaction, so the derived data commits (or
rolls back) with the records. Outside a batch, upkeep happens at once. Apps register flushers
here; this module imports none of them.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from contextlib import contextmanager

from django.db import transaction

_state = threading.local()
_flushers: dict[str, Callable[[set], None]] = {}


def register_flusher(key: str, flush: Callable[[set], None]) -> None:
    _flushers[key] = flush


def active() -> bool:
    return getattr(_state, "depth", 0) > 0


def defer(key: str, item) -> None:
    """Queue ``item`` for the flusher ``key`` at the end of the current batch."""
    _state.pending.setdefault(key, set()).add(item)


@contextmanager
def batch():
    depth = getattr(_state, "depth", 0)
    if depth == 0:
        _state.pending = {}
    _state.depth = depth + 1
    try:
        yield
        if depth == 0:
            while _state.pending:
                key, items = _state.pending.popitem()
                _flushers[key](items)
    finally:
        _state.depth = depth
        if depth == 0:
            _state.pending = {}


def batched(fn):
    """A service decorator: one transaction, and derived data brought up to date once at its end
    (not once per row the service writes), whatever the number of rows."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with transaction.atomic(), batch():
            return fn(*args, **kwargs)

    return wrapper
