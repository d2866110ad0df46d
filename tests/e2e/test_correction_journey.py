"""Browser journey: on a phone, the county admin corrects (更正) a verified activity with a reason;
the page, its history and the village's dashboard show the corrected figure at once. A township
user opening the same 更正 page is refused."""

import pytest

from campaigns.models import Activity, ReviewStatus
from campaigns.services import activity_review
from tests.e2e.helpers import PHONE, login
from tests.factories import make_activity

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "村里报来的台账为5件,原填2件系笔误"


def problems_solved_on_dashboard(page, base, w) -> str:
    """The village's “解决群众关心的问题” figure on the dashboard."""
    page.goto(f"{base}/metrics/dashboard/?unit={w.villages[0].pk}&campaign={w.campaign.slug}")
    card = page.locator(".dash-card", has_text="解决群众关心的问题").first
    return card.locator(".value").inner_text().split()[0]


def test_county_admin_corrects_a_verified_activity_on_a_phone(live_server, browser, phone, shot, w):
    base = live_server.url
    a = make_activity(w.campaign, w.villages[0], actor=w.users["village"], pairing=w.pairing,
                      title="入户走访解决群众难题", outcomes={"problems_solved": 2})
    a = activity_review(actor=w.users["township"], activity=a, approve=True, expected_version=a.version)
    assert a.status == ReviewStatus.VERIFIED

    page = phone
    login(page, base, "county")
    assert problems_solved_on_dashboard(page, base, w) == "2"

    # The verified activity: locked, with a 更正 button for the county admin.
    page.goto(f"{base}/campaigns/activities/{a.pk}/")
    page.wait_for_selector("#activity-status:has-text('已审核')")
    page.click("#activity-correct")
    page.wait_for_selector("h1:has-text('更正活动')")
    assert page.input_value("#id_outcome_problems_solved") == "2"

    # Without a reason: refused, nothing saved, what was typed stays.
    page.fill("#id_outcome_problems_solved", "5")
    page.click("#activity-submit")
    page.wait_for_selector("text=更正记录必须说明理由。")
    assert page.url.endswith(f"/campaigns/activities/{a.pk}/correct/")
    assert page.input_value("#id_outcome_problems_solved") == "5"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "activity-correct-no-reason-phone")
    assert {o.indicator.code: int(o.value) for o in Activity.objects.get(pk=a.pk).outcomes.all()} == {
        "problems_solved": 2}

    # With a reason: saved, still verified, the new value and the history line with the reason.
    page.fill("#id_reason", REASON)
    page.click("#activity-submit")
    page.wait_for_selector(".alert-success:has-text('已更正活动')")
    assert page.url.endswith(f"/campaigns/activities/{a.pk}/")
    outcome = page.locator(".card:has(.card-header:has-text('成效')) .list-group-item", has_text="解决群众关心的问题")
    assert "5" in outcome.inner_text()
    latest = page.locator("#history .history-row").first
    assert f"更正:{REASON}" in latest.inner_text()
    assert "county" in latest.inner_text()  # who
    change = latest.locator(".history-changes li", has_text="解决群众关心的问题").inner_text()
    assert "2" in change and "5" in change
    assert page.locator("#activity-status").inner_text() == "已审核"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "activity-corrected-phone")

    stored = Activity.objects.get(pk=a.pk)
    assert stored.status == ReviewStatus.VERIFIED
    assert {o.indicator.code: int(o.value) for o in stored.outcomes.all()} == {"problems_solved": 5}

    # The village's figure follows at once.
    assert problems_solved_on_dashboard(page, base, w) == "5"

    # A township user opening the same 更正 page is refused, in Chinese.
    ctx = browser.new_context(**PHONE)
    try:
        township = ctx.new_page()
        login(township, base, "township")
        response = township.goto(f"{base}/campaigns/activities/{a.pk}/correct/")
        assert response.status == 403
        assert "只有县级组织部管理员可以更正记录" in township.inner_text("body")
        shot(township, "activity-correct-refused-phone")
    finally:
        ctx.close()
