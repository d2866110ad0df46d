"""Browser journey (issue 12, part B): on a phone, a village secretary records a service of the
village's 党员志愿服务队 (the hours show on the team page) and a contact with a member working
away; the township's staff see that member's contact number masked on the 流动党员 list, with
the overdue filter."""

import datetime as dt

import pytest
from django.utils import timezone

from people.models_service import MigrantContact, ServiceHours
from tests.e2e.helpers import login
from tests.factories import PersonFactory, make_contact, make_migrant, make_team

pytestmark = pytest.mark.django_db(transaction=True)


def test_volunteer_service_and_migrant_contact_on_a_phone(live_server, phone, desktop, shot, w):
    base = live_server.url
    today = timezone.localdate()
    v = w.villages[0]
    a = PersonFactory(unit=v, name="志愿者甲", status="member")
    b = PersonFactory(unit=v, name="志愿者乙")
    team = make_team(v, [a, b], name="红旗党员志愿服务队", leader=a)
    away = make_migrant(PersonFactory(unit=v, name="外出党员丙", status="member"), since=today - dt.timedelta(days=90),
                        place="浙江宁波", contact="13955556666")
    make_contact(away, today - dt.timedelta(days=45))

    page = phone
    login(page, base, "village")
    page.goto(f"{base}/people/teams/{team.pk}/")
    page.click("a:has-text('登记服务记录')")
    page.fill("#id_place", "无物业小区")
    page.fill("#id_content", "清理楼道杂物")
    page.fill(f"#id_h{a.pk}", "2.5")
    page.click("input[type=submit]")
    page.wait_for_selector(".service-row:has-text('无物业小区')")
    assert page.locator(".team-total").inner_text() == "2.5"
    shot(page, "volunteer-phone-team")
    assert list(ServiceHours.objects.values_list("person__name", flat=True)) == ["志愿者甲"]

    page.goto(f"{base}/people/migrants/?overdue=1")
    page.wait_for_selector(".migrant-row:has-text('外出党员丙')")
    assert "13955556666" in page.locator(".migrant-contact").inner_text()
    page.click("a:has-text('登记联系')")
    page.select_option("#id_way", "wechat")
    page.fill("#id_content", "微信视频参加主题党日")
    page.check("#id_remote_meeting")
    page.click("input[type=submit]")
    page.wait_for_selector("h1:has-text('流动党员')")
    assert "今天联系" in page.locator(".migrant-row:has-text('外出党员丙')").inner_text()   # no longer overdue
    page.goto(f"{base}/people/migrants/?overdue=1")
    assert page.locator(".migrant-row:has-text('外出党员丙')").count() == 0
    assert MigrantContact.objects.filter(remote_meeting=True).count() == 1

    page = desktop
    login(page, base, "township")
    page.goto(f"{base}/people/migrants/")
    row = page.locator(".migrant-row:has-text('外出党员丙')")
    assert "139****6666" in row.inner_text() and "13955556666" not in page.content()
    shot(page, "volunteer-desktop-migrants")
