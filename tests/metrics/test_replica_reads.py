"""A read replica takes the dashboards (cobuild.replica): with a second alias ``replica`` that
mirrors the test database, the dashboard pages and summary.csv read through it, while every write,
and the dashboard a person opens right after logging an activity, stays on ``default``.

The data is committed (``transaction=True``): the replica is another connection and sees only
what is committed, as a real one would."""

from __future__ import annotations

import csv
import io
from contextlib import ExitStack, contextmanager

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Activity
from cobuild import replica as rep
from organizations.models import OrgKind
from tests.campaigns.activity_world import World, days, media  # noqa: F401
from tests.conftest import restore_indicator_catalogue

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

DASHBOARD_PAGES = ["metrics:dashboard", "metrics:completeness", "metrics:bulletin", "metrics:assessment"]


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    """``replica``: a second connection to the same (test) database, like a TEST MIRROR; for this
    module only (module scope: it exists before each test's database set-up asks for it)."""
    default = connections["default"].settings_dict
    connections.settings[rep.REPLICA] = {**default, "TEST": {**default["TEST"], "MIRROR": "default"}}
    yield rep.REPLICA
    connections[rep.REPLICA].close()
    del connections[rep.REPLICA]
    del connections.settings[rep.REPLICA]


@pytest.fixture
def w(transactional_db, media):  # noqa: F811
    restore_indicator_catalogue()
    world = World()
    world.log(title="已有活动")
    return world


@contextmanager
def no_replica():
    """As if DATABASE_REPLICA_URL were not set."""
    saved = connections.settings.pop(rep.REPLICA)
    try:
        yield
    finally:
        connections.settings[rep.REPLICA] = saved


class Queries:
    """The SQL each alias ran while inside the block."""

    def __enter__(self):
        self._stack = ExitStack()
        self.by = {alias: self._stack.enter_context(CaptureQueriesContext(connections[alias]))
                   for alias in ("default", rep.REPLICA)}
        return self

    def __exit__(self, *exc):
        self._stack.close()

    def sql(self, alias):
        return [q["sql"] for q in self.by[alias].captured_queries]


def writes(sqls):
    return [s for s in sqls if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def party_of(unit):
    return unit.organizations.get(kind=OrgKind.PARTY_BRANCH)


def activity_form(w, title):
    return {"unit": w.villages[0].pk, "pairing": w.pairing.pk, "campaign": w.campaign.pk,
            "date": days(-1).isoformat(), "category": "org_life", "link_area": "org_life", "title": title,
            "participants": "20", "description": "",
            "org-TOTAL_FORMS": "1", "org-INITIAL_FORMS": "0", "org-MIN_NUM_FORMS": "0", "org-MAX_NUM_FORMS": "10",
            "org-0-who": f"o{party_of(w.villages[0]).pk}", "org-0-role": "leads"}


def activities_figure(resp):
    return next(f for f in resp.context["figures"] if f.indicator.code == "activities").value


def page_url(w, page):
    if page == "organizations:coverage":
        return reverse(page, args=[w.county.pk])
    if page in ("metrics:dashboard", "pairings:matrix"):
        return reverse(page)
    return f"{reverse(page)}?unit={w.county.code}"


@pytest.mark.parametrize("page, table", [*((p, "metrics_") for p in DASHBOARD_PAGES),
                                         ("organizations:coverage", "organizations_organization"),
                                         ("pairings:matrix", "pairings_pairing")])
def test_dashboard_pages_read_through_the_replica(client, w, page, table):
    client.force_login(w.users["county"])
    with Queries() as q:
        resp = client.get(page_url(w, page))
    assert resp.status_code == 200
    read_on_replica = q.sql(rep.REPLICA)
    assert read_on_replica, "the page read nothing through the replica"
    assert writes(read_on_replica) == []
    assert table in " ".join(read_on_replica)
    # On default only who is asking (session, user, role grants); nothing the page shows.
    on_default = " ".join(q.sql("default"))
    assert "organizations_rolegrant" in on_default
    for shown in ("metrics_", "campaigns_", "pairings_", "organizations_organization"):
        assert shown not in on_default
    assert rep.PIN_COOKIE not in resp.cookies


def test_the_dashboard_shows_the_same_figures_from_the_replica(client, w):
    client.force_login(w.users["county"])
    with Queries() as q:
        from_replica = client.get(reverse("metrics:dashboard"))
    assert q.sql(rep.REPLICA)
    with no_replica():
        from_default = client.get(reverse("metrics:dashboard"))
    assert activities_figure(from_replica) == activities_figure(from_default) == 1


def test_summary_csv_streams_from_the_replica_with_the_same_columns(client, w):
    client.force_login(w.users["county"])
    with Queries() as q:
        resp = client.get(reverse("metrics:summary_csv"), {"unit": w.county.code, "campaign": w.campaign.slug})
        body = b"".join(resp.streaming_content)
    assert resp.streaming and resp["Content-Type"] == "text/csv; charset=utf-8"
    assert resp["Content-Disposition"] == f'inline; filename="summary-{w.county.code}.csv"'
    assert not body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["indicator", "name", "unit", "value"]
    assert dict((r[0], r[3]) for r in rows[1:])["activities"] == "1"
    assert q.sql(rep.REPLICA) and "metrics_" not in " ".join(q.sql("default"))


def test_logging_an_activity_writes_on_default_and_the_next_dashboard_reads_it_there(client, w):
    client.force_login(w.users["village"])
    with Queries() as q:
        resp = client.post(reverse("campaigns:activity_create"), activity_form(w, "复制后的主题党日"))
    assert resp.status_code == 302
    assert q.sql(rep.REPLICA) == [] and writes(q.sql("default"))
    # The browser is pinned to the primary for a few seconds: the dashboard it opens next counts
    # the new activity even if the replica lags behind.
    assert resp.cookies[rep.PIN_COOKIE]["max-age"] == 10
    assert Activity.objects.filter(title="复制后的主题党日").exists()
    with Queries() as q:
        dash = client.get(reverse("metrics:dashboard"))
    assert q.sql(rep.REPLICA) == []
    assert activities_figure(dash) == 2
    # Once the pin has expired, the dashboards read from the replica again.
    client.cookies.pop(rep.PIN_COOKIE)
    with Queries() as q:
        client.get(reverse("metrics:dashboard"))
    assert q.sql(rep.REPLICA)


def test_pages_that_write_never_touch_the_replica(client, w):
    client.force_login(w.users["county"])
    with Queries() as q:
        client.get(reverse("metrics:targets"))
        client.get(reverse("campaigns:activity_list"))
    assert q.sql(rep.REPLICA) == []


def test_inside_use_replica_a_write_or_a_transaction_keeps_reads_on_default(w):
    with rep.use_replica():
        with Queries() as q:
            Activity.objects.count()
        assert len(q.sql(rep.REPLICA)) == 1 and q.sql("default") == []
        with Queries() as q, transaction.atomic():
            Activity.objects.count()
        assert q.sql(rep.REPLICA) == []
        a = Activity.objects.first()
        assert a._state.db == rep.REPLICA
        with Queries() as q:
            a.title = "改名"
            a.save(update_fields=["title"])  # an object read from the replica is written on default
            Activity.objects.get(pk=a.pk)  # and, after a write, read there too
        assert q.sql(rep.REPLICA) == [] and writes(q.sql("default"))


def test_without_a_replica_the_router_is_a_no_op(w):
    router = rep.ReplicaRouter()
    with no_replica(), rep.use_replica():
        assert router.db_for_read(Activity) is None
        assert router.db_for_write(Activity) is None
        assert Activity.objects.count() == 1
    assert router.allow_migrate("replica", "campaigns") is False
    assert router.allow_migrate("default", "campaigns") is None
