"""The activity list read in the order of the stored scope's day index (``records.newest_in``).

Without filters (or with dates only) a list of one unit's scope reads the newest ids from
``RecordScope`` (unit, type, day desc, id desc) and then the page's rows: what the user sees must
be exactly what the general path (any other filter) shows — the same rows, newest first, ties by
the newest record — and it must follow a corrected date and a record moved to another village.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Activity
from campaigns.services import activity_correct
from organizations.models import RecordScope
from tests.campaigns.activity_world import World, days, media  # noqa: F401

pytestmark = pytest.mark.django_db

LIST = reverse("campaigns:activity_list")


@pytest.fixture
def w(media):  # noqa: F811
    return World()


def titles(client, **params) -> list[str]:
    r = client.get(LIST, params)
    assert r.status_code == 200
    return re.findall(r'<span class="fw-semibold text-break">([^<]*)</span>', r.text)


def expected(qs) -> list[str]:
    return list(qs.order_by("-date", "-pk").values_list("title", flat=True))


@pytest.fixture
def logged(w):
    w.log(title="三天前一", date=days(-3))
    w.log(title="十天前", date=days(-10))
    w.log(title="三天前二", date=days(-3))                       # same day: the newer record first
    w.log(actor="village2", unit=w.villages[1], title="二村一天前", date=days(-1))
    w.log(actor="county", unit=w.villages[2], title="三村五天前", date=days(-5))
    return w


def test_county_list_is_newest_first_and_equals_the_general_path(client, logged):
    w = logged
    client.force_login(w.users["county"])
    fast = titles(client)
    assert fast == expected(Activity.objects.all())
    assert fast[:3] == ["二村一天前", "三天前二", "三天前一"]
    # a category filter (every row has it) takes the general path: the same rows, same order
    assert titles(client, category="org_life") == fast


def test_unit_and_dates_use_the_index_and_agree(client, logged):
    w = logged
    client.force_login(w.users["county"])
    township = w.townships[0]
    in_township = Activity.objects.filter(unit__path__startswith=township.path)
    assert titles(client, unit=township.pk) == expected(in_township)
    assert titles(client, unit=township.pk, date_from=days(-4).isoformat(), date_to=days(-2).isoformat()) == \
        ["三天前二", "三天前一"]
    # the general path with the same dates (plus a category that every row has) agrees
    assert titles(client, unit=township.pk, date_from=days(-4).isoformat(), date_to=days(-2).isoformat(),
                  category="org_life") == ["三天前二", "三天前一"]


def test_township_user_sees_only_its_scope(client, logged):
    w = logged
    client.force_login(w.users["township"])
    shown = titles(client)
    assert "三村五天前" not in shown
    assert shown == expected(Activity.objects.filter(unit__path__startswith=w.townships[0].path))


def test_a_corrected_date_and_a_moved_record_are_followed(client, logged):
    w = logged
    old = Activity.objects.get(title="十天前")
    activity_correct(actor=w.users["county"], activity=old, reason="日期填错", date=days(0))
    client.force_login(w.users["county"])
    assert titles(client)[0] == "十天前"
    assert set(RecordScope.objects.filter(record_type="activity", record_id=old.pk).values_list("day", flat=True)) \
        == {days(0)}
    # moved to a village of the second township: it leaves the first township's list
    moved = Activity.objects.get(title="二村一天前")
    activity_correct(actor=w.users["county"], activity=moved, reason="记错村", unit=w.villages[3], pairing=None)
    assert "二村一天前" not in titles(client, unit=w.townships[0].pk)
    assert titles(client, unit=w.townships[1].pk)[0] == "二村一天前"
    # every scope row of an activity carries its date
    for a in Activity.objects.all():
        assert set(RecordScope.objects.filter(record_type="activity", record_id=a.pk).values_list(
            "day", flat=True)) == {a.date}


def test_query_count_is_the_same_with_few_and_many_rows(client, w):
    w.log(title="活动一")
    client.force_login(w.users["county"])

    def count(**params):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST, params).status_code == 200
        return len(ctx.captured_queries)

    few, few_unit = count(), count(unit=w.townships[0].pk, date_from=days(-30).isoformat())
    for i in range(8):
        w.log(title=f"活动{i}", date=days(-i))
    assert count() == few and count(unit=w.townships[0].pk, date_from=days(-30).isoformat()) == few_unit
