"""Notices in the admin: every model listed and searchable, scoped for a county admin (another
county's notice is 404), a correction saved through ``notice_update`` with its reason; receipts,
files and digest records are read-only there."""

import pytest
from django.urls import reverse

from organizations.models import Role
from tests.campaigns.activity_world import days, media  # noqa: F401
from tests.factories import County, make_notice, make_staff, make_user, notice_file

pytestmark = pytest.mark.django_db


def test_the_admin_lists_and_corrects_notices_in_scope_only(client, media):  # noqa: F811
    ours, theirs = County(villages_per_township=1, townships=1), County(villages_per_township=1, townships=1)
    mine = make_notice(ours.county, ours.villages, kind="task", title="本县任务", files=[notice_file()])
    other = make_notice(theirs.county, theirs.villages, title="外县通知")
    staff = make_staff("county_staff", Role.COUNTY_ADMIN, ours.county)
    client.force_login(staff)
    for model in ("notice", "noticereceipt", "noticeattachment"):
        page = client.get(reverse(f"admin:notices_{model}_changelist") + "?q=任务")
        assert page.status_code == 200, model
    html = client.get(reverse("admin:notices_notice_changelist")).content.decode()
    assert "本县任务" in html and "外县通知" not in html
    assert client.get(reverse("admin:notices_notice_change", args=[other.pk])).status_code == 404
    assert client.get(reverse("admin:notices_notice_add")).status_code == 403
    response = client.post(reverse("admin:notices_notice_change", args=[mine.pk]), {
        "title": "本县任务(更正)", "body": "请按时办理。", "deadline": days(9).isoformat(),
        "change_reason": "时限延后两天", "receipts-TOTAL_FORMS": "1", "receipts-INITIAL_FORMS": "1",
        "receipts-MIN_NUM_FORMS": "0", "receipts-MAX_NUM_FORMS": "0",
        "receipts-0-id": str(mine.receipts.get().pk), "receipts-0-notice": str(mine.pk)})
    assert response.status_code == 302, response.content.decode()[:2000]
    mine.refresh_from_db()
    assert mine.title == "本县任务(更正)" and mine.deadline == days(9)
    assert mine.history.first().history_change_reason == "时限延后两天"
    assert client.get(reverse("admin:notices_digestlog_changelist")).status_code == 200   # empty for staff


def test_a_township_admin_cannot_correct_the_countys_notice(client):
    c = County(villages_per_township=1, townships=1)
    n = make_notice(c.county, c.villages, title="县里的通知")
    staff = make_staff("township_staff", Role.TOWNSHIP_STAFF, c.townships[0])
    client.force_login(staff)
    page = client.get(reverse("admin:notices_notice_change", args=[n.pk]))
    assert page.status_code == 200 and "县里的通知" in page.content.decode()
    assert 'name="title"' not in page.content.decode()   # read-only: only the sender corrects
    assert make_user("nobody")
