"""Security in a real browser (issue 10): a staff login with the TOTP second factor, enrolment with
the QR code page, and no page the county uses (the admin and the activity form included) trips
the Content-Security-Policy."""

from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from organizations.models import Role
from tests.e2e.helpers import login
from tests.factories import enrol_totp, make_staff, totp_code, with_password

pytestmark = pytest.mark.django_db(transaction=True)


def csp_watch(page):
    """Collect every console message about the Content-Security-Policy."""
    seen = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text
            or "Content-Security-Policy" in m.text else None)
    page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
    return seen


def test_a_staff_member_logs_in_with_password_and_totp_code(live_server, desktop, shot, w, settings):
    settings.REQUIRE_2FA = True
    staff = with_password(make_staff("chief", Role.COUNTY_ADMIN, w.county))
    device, _codes = enrol_totp(staff)
    page = desktop
    seen = csp_watch(page)
    login(page, live_server.url, "chief")
    page.wait_for_selector("h1:has-text('双因素认证')")
    assert "/accounts/login/code/" in page.url
    page.fill("#id_code", "99999999")  # neither the app's code nor a recovery code
    page.click("main button[type=submit]")
    page.wait_for_selector("text=验证码不正确或已过期")
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # (django-otp makes the device wait a second after a miss)
    page.fill("#id_code", totp_code(device))
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    shot(page, "login-totp-after-code")
    page.wait_for_selector("h1:has-text('测试县')")
    shot(page, "login-totp-done")
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_selector("#site-name:has-text('党群共建工作平台')")
    assert not seen, seen


def test_a_county_admin_enrols_with_the_qr_page_and_keeps_ten_recovery_codes(live_server, desktop, shot, w,
                                                                          settings):
    settings.REQUIRE_2FA = True
    page = desktop
    seen = csp_watch(page)
    login(page, live_server.url, "county")
    page.wait_for_selector("text=须先启用双因素认证")
    assert page.locator(".cb-qr svg").is_visible()
    shot(page, "two-factor-enrol")
    secret = page.inner_text("#totp-secret").replace(" ", "")
    totp = TOTP(b32decode(secret))
    page.fill("#id_code", f"{totp.token():06d}")
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('请保存您的恢复码')")
    assert page.locator("#recovery-codes li").count() == 10
    page.click("a:has-text('我已保存,进入平台')")
    page.wait_for_selector("h1:has-text('测试县')")
    assert not seen, seen


def test_the_county_pages_and_the_admin_keep_to_the_content_security_policy(live_server, desktop, w, settings):
    settings.REQUIRE_2FA = False
    with_password(make_staff("chief", Role.COUNTY_ADMIN, w.county))
    page = desktop
    seen = csp_watch(page)
    login(page, live_server.url, "chief")
    page.wait_for_selector("h1:has-text('测试县')")
    base = live_server.url
    county, village = w.county.pk, w.villages[0].pk
    pages = [
        "/", f"/org/units/{county}/", f"/org/units/{village}/", f"/org/units/{county}/coverage/",
        "/org/import/", "/pairings/", f"/pairings/{w.pairing.pk}/", "/pairings/matrix/",
        "/pairings/help-pairs/new/", "/pairings/inspections/", "/pairings/rectifications/",
        "/campaigns/", f"/campaigns/{w.campaign.pk}/", "/campaigns/activities/", "/campaigns/activities/new/",
        "/campaigns/commitments/", "/campaigns/meetings/new/", f"/campaigns/board/{village}/",
        "/metrics/dashboard/", "/metrics/completeness/", "/metrics/bulletin/", "/metrics/assessment/",
        "/accounts/2fa/",
        "/admin/", "/admin/organizations/unit/", f"/admin/organizations/unit/{county}/change/",
        f"/admin/organizations/unit/{county}/history/", "/admin/organizations/user/",
        "/admin/campaigns/activity/",
    ]
    for path in pages:
        resp = page.goto(base + path)
        page.wait_for_load_state("load")
        assert resp.status < 400, (path, resp.status)
        assert "default-src 'self'" in resp.headers.get("content-security-policy", ""), path
    # The help-pair form's script (a static file now) still narrows the pairings to the village.
    page.goto(base + "/pairings/help-pairs/new/")
    page.select_option("#id_village", str(w.villages[2].pk))
    assert page.locator(f"#id_pairing option[value='{w.pairing.pk}']").get_attribute("hidden") is not None
    assert not seen, "\n".join(seen)
