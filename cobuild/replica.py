"""Reads from a read replica, for the dashboards only (README, "部署").

``DATABASE_REPLICA_URL`` adds the database alias ``replica`` (settings). Nothing reads from it
unless a view asks: ``@replica_reads`` (or ``with use_replica():``) sends the ORM's reads inside
the view to ``replica``; every write, and every read after a write, stays on ``default``:

- writes always go to ``default`` (``db_for_write``), and once something has been written inside
  ``use_replica()`` the rest of it reads from ``default`` too;
- reads inside a transaction on ``default`` stay there (they belong to that transaction);
- sessions, the lockout records (axes), the cache table, the admin log, users and role grants
  (who may see what) stay on ``default``;
- a request that may have written (any method but GET/HEAD/OPTIONS) sets a short-lived cookie
  (``ReplicaPinMiddleware``); while the browser carries it, its dashboards read from ``default``,
  so a person who has just logged an activity sees it counted, whichever server answers and
  however far the replica lags behind.

Without a ``replica`` alias every part of this is a no-op. Imports no app.
"""

from __future__ import annotations

import contextvars
import functools
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
PIN_COOKIE = "cobuild_primary"
# Apps whose rows are read right after they are written on every request, or whose reads decide
# who may log in: never from the replica.
PRIMARY_ONLY_APPS = frozenset({"sessions", "axes", "django_cache", "admin", "contenttypes"})
# Who may see what is read where it is granted: a revoked role never opens a dashboard on a
# lagging replica.
PRIMARY_ONLY_MODELS = frozenset({"organizations.user", "organizations.rolegrant"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class _State:
    wrote: bool = False


_state: contextvars.ContextVar[_State | None] = contextvars.ContextVar("cobuild_replica", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def use_replica():
    """Inside: the ORM reads from ``replica`` where it safely can (module docstring)."""
    token = _state.set(_State() if replica_configured() else None)
    try:
        yield
    finally:
        _state.reset(token)


def pinned(request) -> bool:
    return PIN_COOKIE in request.COOKIES


def replica_reads(view):
    """View decorator: a read-only page (GET or HEAD, the browser not pinned to the primary)
    reads from the replica. Apply to views that never write."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or pinned(request) or not replica_configured():
            return view(request, *args, **kwargs)
        # Who is asking is settled on the primary first (the session and the user; the
        # middleware has usually done it already).
        user = getattr(request, "user", None)
        _ = user is not None and user.is_authenticated
        with use_replica():
            return view(request, *args, **kwargs)

    return wrapped


def stream_in_same_database(rows):
    """For a streamed body whose rows are read lazily after the view has returned: read them
    where the view read (the replica when called inside ``use_replica``)."""
    if _state.get() is None:
        return iter(rows)
    return _on_replica(rows)


def _on_replica(rows):
    with use_replica():
        yield from rows


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry; decides nothing outside ``use_replica()`` except that an
    object read from the replica is written (and re-read) on ``default``."""

    def db_for_read(self, model, **hints):
        state = _state.get()
        if (state is not None and not state.wrote and model._meta.app_label not in PRIMARY_ONLY_APPS
                and model._meta.label_lower not in PRIMARY_ONLY_MODELS
                and not connections[DEFAULT_DB_ALIAS].in_atomic_block):
            return REPLICA
        return self._off_replica(hints)

    def db_for_write(self, model, **hints):
        state = _state.get()
        if state is not None:
            state.wrote = True
        return self._off_replica(hints) or (DEFAULT_DB_ALIAS if state is not None else None)

    @staticmethod
    def _off_replica(hints):
        instance = hints.get("instance")
        if instance is not None and getattr(instance._state, "db", None) == REPLICA:
            return DEFAULT_DB_ALIAS
        return None

    def allow_relation(self, obj1, obj2, **hints):
        dbs = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in dbs and obj2._state.db in dbs:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary by replication, never by migrate.
        return False if db == REPLICA else None


class ReplicaPinMiddleware:
    """After a request that may have written, the browser reads its dashboards from the primary
    for ``REPLICA_PIN_SECONDS`` (only set when a replica is configured)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and replica_configured():
            response.set_cookie(PIN_COOKIE, "1", max_age=getattr(settings, "REPLICA_PIN_SECONDS", 10),
                                httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response
