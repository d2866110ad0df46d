"""Browser journey (issue 14): the county sends a task; the village secretary acknowledges and
replies from a phone; the county sees the reply and the one township that has not acknowledged."""

import pytest

from notices.models import Notice
from tests.campaigns.activity_world import days
from tests.e2e.helpers import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_county_task_village_replies_on_a_phone_county_sees_who_has_not(live_server, browser, desktop, phone,
                                                                        shot, w, tmp_path):
    base = live_server.url
    village, township2 = w.villages[0], w.townships[1]

    # The county sends a task to the first village and to the second township, with a file.
    login(desktop, base, "county")
    desktop.goto(f"{base}/notices/new/")
    desktop.check("input[name=kind][value=task]")
    desktop.fill("#id_title", "报送上半年结对共建工作总结")
    desktop.fill("#id_body", "请总结上半年结对共建开展情况。")
    desktop.check("input[name=target][value=chosen]")
    assert desktop.locator("#div_id_township").is_hidden()   # only the fields that apply
    desktop.select_option("#id_units", [str(village.pk), str(township2.pk)])
    desktop.fill("#id_deadline", days(7).isoformat())
    desktop.select_option("#id_done_by", "report")
    plan = tmp_path / "总结提纲.pdf"
    plan.write_bytes(b"%PDF-1.4 outline")
    desktop.set_input_files("#id_files", str(plan))
    desktop.click("#notice-form button[type=submit]")
    desktop.wait_for_selector("text=已发送给 2 个单位")
    notice = Notice.objects.get(title="报送上半年结对共建工作总结")
    shot(desktop, "notice-sent")

    # The village secretary finds it in the inbox on a phone, acknowledges and replies.
    login(phone, base, "village")
    phone.click("#nav-inbox")
    phone.click("text=报送上半年结对共建工作总结")
    phone.wait_for_selector("text=总结提纲.pdf")
    phone.click("button:has-text('签收')")
    phone.wait_for_selector("text=已签收。")
    phone.fill("#id_text", "上半年与县农业局联合开展主题党日3次,协调农业贷款20万元。")
    phone.click("button:has-text('提交回执')")
    phone.wait_for_selector("text=回执已提交。")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390   # nothing wider than the phone
    shot(phone, "notice-replied-phone")

    # The county sees the reply, and, filtering by 未签收, the one township that has not.
    desktop.goto(f"{base}/notices/{notice.pk}/")
    desktop.wait_for_selector("text=协调农业贷款20万元")
    assert "已签收 1" in desktop.inner_text("#receipt-summary")
    desktop.click("a.nav-link:has-text('未签收')")
    rows = desktop.locator("table tbody tr")
    assert rows.count() == 1 and township2.name in rows.first.inner_text()
    shot(desktop, "notice-unacknowledged")
