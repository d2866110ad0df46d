"""Browser journey: an inspector raises an item, the village secretary closes it on a phone."""

import datetime as dt

import pytest
from django.utils import timezone

from organizations.models import Role
from pairings.models import RectificationStatus
from tests.e2e.helpers import login
from tests.factories import make_inspection, make_rectification, make_user
from tests.pairings.test_supervision import World

pytestmark = pytest.mark.django_db(transaction=True)


def test_overdue_item_is_closed_with_evidence_on_a_phone(live_server, phone, shot):
    w = World()
    secretary = make_user("sec", Role.VILLAGE_SECRETARY, w.village)
    secretary.set_password("cobuild-demo")
    secretary.save()
    today = timezone.localdate()
    i = make_inspection(w.campaign, w.village, held_on=today - dt.timedelta(days=40))
    item = make_rectification(i, deadline=today - dt.timedelta(days=5), description="活动室挂牌上墙")
    page = phone
    login(page, live_server.url, "sec")
    page.goto(f"{live_server.url}/pairings/rectifications/overdue/")
    assert page.locator(".list-group-item-danger:has-text('活动室挂牌上墙')").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "supervision-overdue-phone")
    page.click("text=活动室挂牌上墙")
    page.click("text=整改销号")
    page.fill("#id_evidence", "已挂牌,照片存村档案")
    page.click("input[name=submit]")
    page.wait_for_selector("text=确定为这项整改销号吗")
    page.click("button[name=confirm]")
    page.wait_for_selector("text=整改事项已销号")
    item.refresh_from_db()
    assert item.status == RectificationStatus.CLOSED and item.evidence == "已挂牌,照片存村档案"
    page.goto(f"{live_server.url}/pairings/rectifications/overdue/")
    assert page.locator("text=没有逾期的整改事项").count() == 1
