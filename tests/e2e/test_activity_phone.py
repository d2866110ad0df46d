"""Browser journey: a village secretary logs an activity on a phone; the township returns it."""

import pytest
from django.urls import NoReverseMatch, reverse
from PIL import Image

from campaigns.models import Activity, ReviewStatus
from pairings import ledger
from tests.campaigns.activity_world import World, media  # noqa: F401
from tests.e2e.helpers import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def photos(tmp_path):
    jpg, png = tmp_path / "meeting.jpg", tmp_path / "sign-in.png"
    Image.new("RGB", (2400, 1800), (190, 30, 30)).save(jpg, "JPEG", quality=90)
    Image.new("RGB", (900, 1200), (30, 90, 190)).save(png, "PNG")
    return [str(jpg), str(png)]


def test_village_secretary_logs_an_activity_on_a_phone_and_gets_it_back(live_server, browser, phone, shot, w,
                                                                       photos):
    base = live_server.url
    page = phone
    login(page, base, "village")

    # The form opens with the village, its pairing, the campaign and today filled in.
    page.goto(f"{base}/campaigns/activities/new/")
    page.wait_for_selector("h1:has-text('填报共建活动')")
    assert page.input_value("select[name=pairing]") == str(w.pairing.pk)
    assert page.input_value("#id_date")
    assert not page.locator("#draft-note").is_visible()

    # A lost connection loses nothing: typed values come back from the draft.
    page.fill("#id_title", "七一主题党日暨送科技下乡")
    page.fill("#id_participants", "46")
    page.wait_for_timeout(500)
    page.reload()
    page.wait_for_selector("#draft-note:has-text('已恢复未提交的草稿')")
    assert page.input_value("#id_title") == "七一主题党日暨送科技下乡"
    assert page.input_value("#id_participants") == "46"

    page.select_option("#id_category", "tech_to_countryside")
    page.click("#outcomes summary")
    page.click("#outcome-more summary")  # a village without history: these are behind "更多"
    page.fill("#id_outcome_people_trained", "46")
    page.fill("#id_outcome_info_posts", "3")
    page.set_input_files("#id_photos", photos[0])  # two picks: both are kept
    page.set_input_files("#id_photos", photos[1])
    page.wait_for_function("() => document.querySelectorAll('#photo-previews .photo-cell').length === 2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "activity-form-phone")
    page.click("#activity-submit")
    page.wait_for_selector("#activity-status:has-text('待审核')")
    assert page.locator(".alert-success:has-text('已提交活动')").is_visible()
    draft_key = f"cobuild:activity-draft:{w.users['village'].pk}:new"
    assert page.evaluate(f"localStorage.getItem('{draft_key}')") is None
    assert page.locator(".photo-grid img").count() == 2
    shot(page, "activity-detail-phone")

    a = Activity.objects.get()
    assert (a.pairing, a.category, a.participants, a.photos.count()) == (w.pairing, "tech_to_countryside", 46, 2)
    assert {o.indicator.code: int(o.value) for o in a.outcomes.all()} == {"people_trained": 46, "info_posts": 3}

    # It is in the village's list (with its thumbnail) ...
    page.goto(f"{base}/campaigns/activities/?unit={w.villages[0].pk}")
    row = page.locator(".activity-list a", has_text="七一主题党日暨送科技下乡")
    assert row.count() == 1
    thumb = row.locator("img.activity-thumb")
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # ... in the pairing's ledger ...
    assert [e.obj for e in ledger.entries(w.pairing) if e.source.key == "activities"] == [a]
    try:
        ledger_url = reverse("pairings:detail", args=[w.pairing.pk])
    except NoReverseMatch:
        ledger_url = None
    if ledger_url:
        page.goto(f"{base}{ledger_url}")
        page.wait_for_selector("text=七一主题党日暨送科技下乡")

    # ... and in the township's review queue, which returns it with a comment.
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                              has_touch=True, locale="zh-CN")
    township = ctx.new_page()
    login(township, base, "township")
    township.goto(f"{base}/campaigns/review/")
    township.wait_for_selector("[data-count=submitted]:has-text('1')")
    item = township.locator(".list-group-item", has_text="七一主题党日暨送科技下乡")
    item.locator("button[value=return]").click()  # no comment yet: the page asks for one
    assert township.url.endswith("/campaigns/review/")
    item.locator("textarea[name=comment]").fill("请补充签到表照片")
    item.locator("button[value=return]").click()
    township.wait_for_selector(".alert-success:has-text('已将')")
    shot(township, "activity-review-phone")
    ctx.close()
    a.refresh_from_db()
    assert (a.status, a.review_comment) == (ReviewStatus.RETURNED, "请补充签到表照片")

    # Back with the author: highlighted in "my records" with the comment.
    page.goto(f"{base}/campaigns/activities/mine/")
    page.wait_for_selector("#returned-alert")
    returned = page.locator(".activity-returned")
    assert returned.count() == 1 and "退回意见:请补充签到表照片" in returned.inner_text()
    shot(page, "activity-mine-returned-phone")
    returned.click()
    page.wait_for_selector("#review-comment:has-text('请补充签到表照片')")
    assert page.locator("a:has-text('修改并重新提交')").is_visible()
