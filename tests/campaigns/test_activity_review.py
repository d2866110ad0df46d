"""The review queue: who reviews what, verify or return with a comment, the returned record back
with its author, badge counts, and constant query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Activity, ReviewStatus
from campaigns.policy import can_review
from campaigns.services import activity_review
from tests.campaigns.activity_world import World, media  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(media):  # noqa: F811
    return World()


def url(name, *args):
    return reverse(f"campaigns:{name}", args=args)


def login(client, w, role):
    client.force_login(w.users[role])
    return client


def queue(client, **params):
    r = client.get(url("review_queue"), params)
    assert r.status_code == 200
    return r


def review(client, activity, decision, comment="", next_url=None, version=None):
    """Post the review form as the page does: with the version the reviewer saw (the current one
    unless ``version`` says otherwise)."""
    if version is None:
        version = Activity.objects.filter(pk=activity.pk).values_list("version", flat=True).first() or 1
    data = {"decision": decision, "comment": comment, "version": version}
    if next_url is not None:
        data["next"] = next_url
    return client.post(url("activity_review", activity.pk), data)


@pytest.mark.parametrize("role", ["village", "bureau", "inspector", "viewer"])
def test_roles_that_do_not_review_get_403(client, w, role):
    a = w.log()
    login(client, w, role)
    assert client.get(url("review_queue")).status_code == 403
    assert review(client, a, "verify").status_code == 403
    a.refresh_from_db()
    assert a.status == ReviewStatus.SUBMITTED


def test_anonymous_is_sent_to_login(client, w):
    a = w.log()
    r = client.post(url("activity_review", a.pk), {"decision": "verify"})
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")


def test_the_township_reviews_its_own_villages_and_the_county_everything(client, w):
    v1 = w.log(title="一村")
    v3 = w.log(actor="county", unit=w.villages[2], title="三村")
    bureau_side = w.log(actor="bureau", unit=w.bureau, title="农业局送科技")  # for the pairing of 一村
    login(client, w, "township")
    assert set(queue(client).context["page"].object_list) == {v1, bureau_side}
    login(client, w, "township2")
    assert set(queue(client).context["page"].object_list) == {v3}
    login(client, w, "county")
    # The county admin logged 三村 and cannot review it.
    assert set(queue(client).context["page"].object_list) == {v1, bureau_side}
    assert can_review(w.users["township2"], v3) and not can_review(w.users["county"], v3)


def test_out_of_scope_review_is_404(client, w):
    a = w.log()
    login(client, w, "township2")
    assert review(client, a, "verify").status_code == 404
    assert client.get(url("activity_detail", a.pk)).status_code == 404


def test_verify_locks_the_record(client, w):
    a = w.log()
    login(client, w, "township")
    r = client.get(url("activity_detail", a.pk))
    assert 'id="review"' in r.text and "审核通过" in r.text
    r = review(client, a, "verify", next_url=url("review_queue"))
    assert r.status_code == 302 and r.url == url("review_queue")
    a.refresh_from_db()
    assert (a.status, a.reviewed_by) == (ReviewStatus.VERIFIED, w.users["township"])
    assert a.history.first().history_change_reason == "审核通过"
    r = client.get(url("activity_detail", a.pk))
    assert 'id="review"' not in r.text and url("activity_edit", a.pk) not in r.text
    # Reviewing again is refused with the service's message.
    r = review(client, a, "return", "再看看")
    assert r.status_code == 302
    msgs = [str(m) for m in r.wsgi_request._messages]
    assert msgs == ["只能审核“待审核”的活动。"]
    a.refresh_from_db()
    assert a.status == ReviewStatus.VERIFIED


def test_returning_needs_a_comment(client, w):
    a = w.log()
    login(client, w, "township")
    r = review(client, a, "return", "   ")
    assert r.status_code == 302 and r.url == url("activity_detail", a.pk)
    assert [str(m) for m in r.wsgi_request._messages] == ["退回时请写明需要修改的地方。"]
    a.refresh_from_db()
    assert a.status == ReviewStatus.SUBMITTED
    r = review(client, a, "maybe")
    a.refresh_from_db()
    assert a.status == ReviewStatus.SUBMITTED


def test_a_returned_record_comes_back_to_its_author_with_the_comment(client, w):
    a = w.log(title="七一主题党日")
    other = w.log(title="另一个活动")
    login(client, w, "township")
    review(client, a, "return", "请补充活动照片")
    review(client, other, "verify")
    login(client, w, "village")
    r = client.get(url("activity_mine"))
    rows = list(r.context["page"].object_list)
    assert rows[0] == a  # returned first
    assert r.context["counts"]["returned"] == 1 and r.context["counts"]["verified"] == 1
    assert "有 <strong>1</strong> 条记录被退回" in r.text
    assert "activity-returned" in r.text and "退回意见:请补充活动照片" in r.text
    r = client.get(url("activity_detail", a.pk))
    assert "请补充活动照片" in r.text and "修改并重新提交" in r.text
    r = client.get(url("activity_mine"), {"status": "returned"})
    assert list(r.context["page"].object_list) == [a]


def test_the_author_cannot_review_their_own_record(client, w):
    own = w.log(actor="township", unit=w.villages[0], title="乡镇代填")
    login(client, w, "township")
    assert own not in queue(client).context["page"].object_list
    r = client.get(url("activity_detail", own.pk))
    assert 'id="review"' not in r.text
    assert review(client, own, "verify").status_code == 403
    own.refresh_from_db()
    assert own.status == ReviewStatus.SUBMITTED
    # Someone else in the county reviews it.
    login(client, w, "county")
    assert own in queue(client).context["page"].object_list


def test_badge_counts_and_tabs(client, w):
    acts = [w.log(title=f"活动{i}") for i in range(5)]
    activity_review(actor=w.users["township"], activity=acts[0], approve=True)
    activity_review(actor=w.users["township"], activity=acts[1], approve=False, comment="补充")
    login(client, w, "township")
    r = queue(client)
    assert {k: r.context["counts"][k] for k in ("submitted", "returned", "verified")} == {
        "submitted": 3, "returned": 1, "verified": 1}
    assert 'data-count="submitted">3<' in r.text
    assert list(queue(client, status="returned").context["page"].object_list) == [acts[1]]
    assert list(queue(client, status="verified").context["page"].object_list) == [acts[0]]
    assert set(queue(client, q="活动3").context["page"].object_list) == {acts[3]}


def test_unsafe_next_is_ignored(client, w):
    a = w.log()
    login(client, w, "township")
    r = review(client, a, "verify", next_url="https://evil.example/")
    assert r.url == url("review_queue")


def test_queue_query_count_is_constant(client, w):
    login(client, w, "township")
    for i in range(2):
        w.log(title=f"少{i}", photos=1 if i else 0)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            queue(client)
        return len(ctx.captured_queries)

    few = count()
    for i in range(35):
        w.log(title=f"多{i}", actor="village2" if i % 2 else "village",
              unit=w.villages[1] if i % 2 else w.villages[0])
    many = count()
    assert few == many
    assert Activity.objects.count() == 37
