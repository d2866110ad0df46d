"""Two people edit the same commitment in two browsers: the second save is refused with a clear
message, and what the second person typed is still in the form (optimistic locking)."""

import pytest

from campaigns.models import Commitment
from tests.campaigns.commitment_world import World, days
from tests.e2e.helpers import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_second_save_from_an_older_page_is_refused_and_nothing_is_lost(live_server, browser, desktop, shot):
    w = World()
    for name in ("village", "township"):
        user = w.users[name]
        user.set_password("cobuild-demo")
        user.save()
    c = w.commit(content="修建村文化广场", due_date=days(30))
    edit = f"{live_server.url}/campaigns/commitments/{c.pk}/edit/"

    # The village secretary on a phone and the township staff at a desk open the same page.
    phone_ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                    is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        phone = phone_ctx.new_page()
        login(phone, live_server.url, "village")
        phone.goto(edit)
        login(desktop, live_server.url, "township")
        desktop.goto(edit)
        assert desktop.input_value("#id_content") == phone.input_value("#id_content") == "修建村文化广场"

        # The township saves first.
        desktop.fill("#id_content", "修建村文化广场(乡镇补充:含健身器材)")
        desktop.select_option("#id_status", "in_progress")
        desktop.click("input[type=submit], button[type=submit]:has-text('保存')")
        desktop.wait_for_selector("text=已保存承诺")

        # The secretary, still on the page opened before, saves their own changes.
        phone.fill("#id_content", "修建村文化广场并安装路灯")
        phone.fill("#id_progress", "已完成选址,正在招标")
        phone.click("input[type=submit], button[type=submit]:has-text('保存')")
        phone.wait_for_selector(".stale-edit")
        text = phone.inner_text("body")
        assert "您的保存没有生效" in text and "township" in text
        assert "您填写的内容仍保留在下面的表单中" in text
        assert phone.input_value("#id_content") == "修建村文化广场并安装路灯"
        assert phone.input_value("#id_progress") == "已完成选址,正在招标"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        shot(phone, "commitment-stale-edit-phone")

        stored = Commitment.objects.get(pk=c.pk)
        assert stored.content == "修建村文化广场(乡镇补充:含健身器材)" and stored.version == 2

        # The latest version opens in a new tab; the typed form stays where it was.
        with phone_ctx.expect_page() as new_tab:
            phone.click("a:has-text('在新窗口打开最新版本')")
        latest = new_tab.value
        latest.wait_for_load_state()
        assert latest.input_value("#id_content") == "修建村文化广场(乡镇补充:含健身器材)"
        assert phone.input_value("#id_content") == "修建村文化广场并安装路灯"
        # Merging into the latest version saves.
        latest.fill("#id_content", "修建村文化广场(含健身器材)并安装路灯")
        latest.fill("#id_progress", "已完成选址,正在招标")
        latest.click("input[type=submit], button[type=submit]:has-text('保存')")
        latest.wait_for_selector("text=已保存承诺")
        stored.refresh_from_db()
        assert stored.content == "修建村文化广场(含健身器材)并安装路灯" and stored.version == 3
        shot(desktop, "commitment-detail-desktop")
    finally:
        phone_ctx.close()
