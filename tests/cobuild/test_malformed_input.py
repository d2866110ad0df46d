"""Issue 10, Build 1–2: no page answers a server error to malformed input.

Walks every URL pattern of the resolver (the portal's own and the admin's per-model pages, with
their changelist filters and search) with a table of malformed values in each path parameter and
in each query parameter the view reads, as a county admin, a village secretary, a bureau liaison
and the admin's users; each request must answer something other than 500 without raising. A NUL
byte anywhere answers the Chinese 400 page. Prints how many requests it made.

Which query parameters a view reads is found by watching it: a first plain request records every
key the view (or its forms) looks up in ``request.GET``/``request.POST``.
"""

from __future__ import annotations

import os
import re
import sys
import time
from contextlib import contextmanager
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from tests.cobuild.urlwalk import (
    PATH_OBJECTS,
    QUERY_PARAMS,
    app_patterns,
    path_kwargs,
    unlisted_patterns,
)

MALFORMED = {
    "superscript two": "²",
    "Arabic-Indic three": "٣",
    "NUL": "a\x00b",
    "year 1": "0001-01-01",
    "year 9999": "9999-12-31",
    "20 digits": "99999999999999999999",
    "negative": "-1",
    "10k characters": "x" * 10_000,
}
NUL_NAMES = {"NUL"}
#: the values sent in each parameter on its own (the others go in every parameter at once): a
#: Unicode digit, a 20-digit number and year 1 are what each kind of parser meets
PER_KEY = ("superscript two", "20 digits", "year 1")
SKIP = {"logout"}  # would end the session of the walking user


# --- which keys a view reads --------------------------------------------------------------------

_READ: set[str] | None = None


@contextmanager
def recording():
    """Record every key read from a request's GET/POST (a QueryDict) meanwhile (not other
    MultiValueDicts, e.g. the URL resolver's)."""
    global _READ
    _READ = set()
    # (not ``__contains__``: parsing a query string tests every key with it)
    originals = {n: getattr(MultiValueDict, n) for n in ("__getitem__", "get", "getlist")}

    def wrap(name):
        orig = originals[name]

        def reader(self, key, *args, **kwargs):
            if _READ is not None and isinstance(self, QueryDict) and isinstance(key, str):
                _READ.add(key)
            return orig(self, key, *args, **kwargs)
        return reader

    for n in originals:
        setattr(MultiValueDict, n, wrap(n))
    try:
        yield _READ
    finally:
        for n, f in originals.items():
            setattr(MultiValueDict, n, f)
        _READ = None


# --- the walker ---------------------------------------------------------------------------------

class Walker:
    def __init__(self, client: Client):
        self.client = client
        self.client.raise_request_exception = False
        self.requests = 0
        self.failures: list[str] = []
        self._exc: list[BaseException] = []

    def _on_exception(self, sender, request=None, **kwargs):
        import sys

        self._exc.append(sys.exc_info()[1])

    def send(self, method: str, url: str, data=None, expect_400=False) -> int:
        self._exc.clear()
        got_request_exception.connect(self._on_exception)
        try:
            with transaction.atomic():  # every request's writes are undone: the world stays as built
                if method == "GET":
                    response = self.client.get(url, data or {})
                else:
                    response = self.client.post(url, data or {})
                transaction.set_rollback(True)
        finally:
            got_request_exception.disconnect(self._on_exception)
        self.requests += 1
        where = f"{method} {url[:160]} {sorted((data or {}).keys())[:6]}"
        if response.status_code >= 500 or self._exc:
            self.failures.append(f"{response.status_code} {where}: {self._exc[:1]!r}")
        elif expect_400 and response.status_code != 400:
            self.failures.append(f"NUL not refused ({response.status_code}) {where}")
        elif response.status_code == 400:
            assert "请求无效" in response.content.decode(), where
        return response.status_code

    def read_keys(self, url: str) -> set[str]:
        """The keys the view (its forms, its helpers) looks up on a plain GET. (Keys read only when
        others are present get every malformed value through the request that sends all of
        QUERY_PARAMS at once.)"""
        with recording() as keys:
            self.send("GET", url)
        return {k for k in keys if k not in ("csrfmiddlewaretoken",)}

    def post_keys(self, url: str) -> set[str]:
        with recording() as keys:
            self.send("POST", url)
        return {k for k in keys if k not in ("csrfmiddlewaretoken",)}


def _substitute(route: str, values: dict[str, str]) -> str:
    """The route with its ``<conv:name>`` parts replaced (unvalidated: the resolver decides)."""
    def repl(m):
        return quote(values[m.group(2)], safe="")
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", repl, route)


def _app_urls(world, user):
    for route, name, _ in app_patterns():
        if name in SKIP:
            continue
        kwargs = path_kwargs(name, world.inside, user)
        yield route, name, kwargs, reverse(name, kwargs=kwargs)


def _walk_app(walker: Walker, world, user, per_key: bool):
    for route, name, kwargs, url in _app_urls(world, user):
        began, before = time.monotonic(), walker.requests
        for label, bad in MALFORMED.items():
            for kw in kwargs:  # malformed path parameters (the resolver's converter decides)
                walker.send("GET", _substitute(route, {**{k: str(v) for k, v in kwargs.items()}, kw: bad}),
                            expect_400=label in NUL_NAMES)
        keys = walker.read_keys(url)
        post = walker.post_keys(url) if per_key else set()
        for label, bad in MALFORMED.items():
            nul = label in NUL_NAMES
            walker.send("GET", url, {k: bad for k in keys}, expect_400=nul and bool(keys))
            if per_key:
                walker.send("GET", url, {k: bad for k in QUERY_PARAMS}, expect_400=nul)  # every name in the apps
                if label in PER_KEY:
                    for key in sorted(keys):
                        walker.send("GET", url, {key: bad})
                walker.send("POST", url, {k: bad for k in post}, expect_400=nul and bool(post))
                walker.send("GET", url, {bad[:200]: "1"}, expect_400=nul)  # a malformed key
        if os.environ.get("WALK_PROGRESS"):
            print(f"{name}: {walker.requests - before} requests, {len(keys)} keys, "
                  f"{time.monotonic() - began:.1f} s", file=sys.stderr)


def _walk_admin(walker: Walker, world, user, per_key: bool):
    factory = RequestFactory()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        request = factory.get(changelist)
        request.user = user
        try:
            cl = model_admin.get_changelist_instance(request)
        except Exception:  # no permission for this model: the page answers 403, walked anyway
            params = set()
        else:
            params = {p for spec in cl.filter_specs for p in spec.expected_parameters()}
        params |= {"q", "p", "o"}
        if model_admin.date_hierarchy:
            field = model_admin.date_hierarchy
            params |= {f"{field}__year", f"{field}__month", f"{field}__day"}
        obj = model_admin.get_queryset(request).first() if model_admin.has_view_permission(request) else None
        for label, bad in MALFORMED.items():
            nul = label in NUL_NAMES
            if per_key:
                for p in sorted(params):
                    walker.send("GET", changelist, {p: bad}, expect_400=nul)
            else:
                walker.send("GET", changelist, {p: bad for p in params}, expect_400=nul)
            for action in ("change", "history", "delete"):
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=["0"])
                walker.send("GET", url.replace("/0/", f"/{quote(bad, safe='')}/"), expect_400=nul)
            if obj is not None and per_key:
                history = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]) + "history/"
                walker.send("GET", history + quote(bad, safe="") + "/", expect_400=nul)
                walker.send("POST", reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]),
                            {"_reason": bad, "name": bad}, expect_400=nul)
        walker.send("GET", reverse("admin:autocomplete"),
                    {"app_label": opts.app_label, "model_name": opts.model_name, "field_name": "unit",
                     "term": "²"})



def test_every_pattern_has_a_row():
    """A URL pattern added without a row in tests/cobuild/urlwalk.py PATH_OBJECTS fails here."""
    assert unlisted_patterns() == [], "URL patterns without a row in tests/cobuild/urlwalk.py PATH_OBJECTS"
    stale = sorted(set(PATH_OBJECTS) - {name for _, name, _ in app_patterns()})
    assert stale == [], "rows for URL names that no longer exist"


def _walks() -> list[tuple[str, str, bool]]:
    """(site, role, key by key) of each walk. SQLite (every run): a county admin key by key, a
    village secretary and the superuser's admin site all keys at once; PostgreSQL (where NUL bytes
    and integer ranges bite) walks the admin key by key too and adds a bureau liaison and a county
    admin's admin site. One test per walk, so that parallel runs (pytest -n) can share them out."""
    full = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    app_roles = (("county", True), ("village", False)) + ((("bureau", False),) if full else ())
    admin_roles = (("admin", full),) + ((("county_staff", False),) if full else ())
    return [("app", u, k) for u, k in app_roles] + [("admin", u, k) for u, k in admin_roles]


@pytest.mark.parametrize("site,username,per_key", _walks(),
                         ids=[f"{site}-{username}" for site, username, _ in _walks()])
def test_malformed_input_never_answers_500(world, client, quiet, site, username, per_key):
    assert (connection.vendor == "postgresql") == ("postgresql" in settings.DATABASES["default"]["ENGINE"])
    start = time.monotonic()
    walker = Walker(client)
    client.force_login(world.users[username])
    (_walk_app if site == "app" else _walk_admin)(walker, world, world.users[username], per_key)
    label = username if site == "app" else f"{username} (admin site)"
    print(f"\nmalformed-input walk ({connection.vendor}, {label}, {'key by key' if per_key else 'all keys at once'}): "
          f"{walker.requests} requests over {len(app_patterns())} URL patterns "
          f"and {len(admin.site._registry)} admin models in {time.monotonic() - start:.1f} s")
    assert walker.requests > 0
    assert walker.failures == [], "\n".join(walker.failures[:60]) + f"\n... {len(walker.failures)} in all"


def test_nul_answers_the_chinese_400_page(world, client):
    client.force_login(world.users["county"])
    response = client.get(reverse("organizations:unit_list"), {"q": "村\x00"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请求无效" in body and "回到首页" in body and "组织体系" in body  # the menu
    response = client.post(reverse("campaigns:commitment_list") + "?" + urlencode({"q": "x"}), {"a\x00": "1"})
    assert response.status_code == 400
