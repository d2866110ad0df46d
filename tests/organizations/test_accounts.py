"""Accounts (issue 10): the login lockout per account and address and per address across accounts,
the second factor (enrolment, the code at login, recovery codes, the reset), the session's idle
timeout and absolute cap, deactivated accounts, and the password rules."""

import time

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cobuild import proxy, security
from organizations import services, two_factor
from organizations.models import Role, User
from tests.factories import County, enrol_totp, make_staff, make_user, totp_code, with_password

pytestmark = pytest.mark.django_db

PASSWORD = "cobuild-demo"


@pytest.fixture(autouse=True)
def _no_throttle_wait(settings):
    """django-otp makes each device wait 1, 2, 4 … s after a wrong code; the tests do not wait."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def county():
    return County(villages_per_township=1, townships=1, full=False)


def login(client, username, password=PASSWORD, ip="192.0.2.10", **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


# --- lockout ----------------------------------------------------------------------------------

def test_a_locked_out_account_still_logs_in_from_another_address(client, county):
    with_password(make_user("county", Role.COUNTY_ADMIN, county.county))
    for _ in range(5):  # someone at 198.51.100.7 guesses the password
        assert login(client, "county", "wrong", ip="198.51.100.7").status_code in (200, 429)
    r = login(client, "county", ip="198.51.100.7")
    assert r.status_code == 429 and "账号已暂时锁定" in r.text
    # The owner, at the office's address, is not locked out by that.
    r = login(client, "county", ip="192.0.2.10")
    assert r.status_code == 302 and not r.url.startswith("/accounts/login/")


def test_password_spraying_from_one_address_is_stopped(client, county, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    victims = [with_password(make_user(f"user{i}", Role.VIEWER, county.county)) for i in range(10)]
    for user in victims[:7]:  # one guess at each account: no account reaches its own limit of 5
        assert login(client, user.username, "Password123", ip="203.0.113.5").status_code == 200
    assert login(client, victims[7].username, "Password123", ip="203.0.113.5").status_code == 429
    # The address is now stopped, for any account, even with the right password.
    r = login(client, victims[9].username, ip="203.0.113.5")
    assert r.status_code == 429 and "本地址对多个账号输错密码" in r.text
    # Other addresses are not.
    assert login(client, victims[9].username, ip="192.0.2.10").status_code == 302


def test_behind_the_proxy_the_lockout_counts_the_address_the_proxy_saw(client, county, settings):
    settings.AXES_CLIENT_IP_CALLABLE = "cobuild.proxy.client_ip"
    with_password(make_user("county", Role.COUNTY_ADMIN, county.county))
    for _ in range(5):  # every request comes from nginx (10.0.0.2); the attacker forges the left entry
        login(client, "county", "wrong", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.10, 198.51.100.7")
    assert login(client, "county", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    r = login(client, "county", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7, 192.0.2.10")
    assert r.status_code == 302


def test_the_number_of_trusted_proxies_and_the_header_are_settings(rf, settings):
    settings.TRUSTED_PROXIES = 2  # a load balancer, then nginx
    req = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.10, 10.0.0.9", REMOTE_ADDR="10.0.0.2")
    assert proxy.client_ip(req) == "192.0.2.10"
    assert proxy.client_ip(rf.get("/", HTTP_X_FORWARDED_FOR="192.0.2.10", REMOTE_ADDR="10.0.0.2")) == "192.0.2.10"
    settings.TRUSTED_PROXIES, settings.CLIENT_IP_HEADER = 1, "X-Real-IP"
    assert proxy.client_ip(rf.get("/", HTTP_X_REAL_IP="192.0.2.77", REMOTE_ADDR="10.0.0.2")) == "192.0.2.77"
    settings.TRUSTED_PROXIES = 0
    assert proxy.client_ip(rf.get("/", HTTP_X_REAL_IP="192.0.2.77", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


# --- second factor: optional (REQUIRE_2FA off, as in `make demo`) --------------------------------

def test_without_require_2fa_the_demo_accounts_log_in_with_their_password(client, county, settings):
    settings.REQUIRE_2FA = False
    with_password(make_user("county", Role.COUNTY_ADMIN, county.county))
    admin = with_password(make_user("admin", is_superuser=True, is_staff=True))
    r = login(client, "county")
    assert r.status_code == 302 and r.url != reverse("two_factor")
    assert client.get(reverse("organizations:unit_detail", args=[county.county.pk])).status_code == 200
    client.logout()
    assert login(client, admin.username).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_an_enrolled_user_is_asked_for_the_code_even_when_not_required(client, county, settings):
    settings.REQUIRE_2FA = False
    user = with_password(make_user("village", Role.VILLAGE_SECRETARY, county.villages[0]))
    device, _codes = enrol_totp(user)
    r = login(client, "village")
    assert r.status_code == 302 and r.url == reverse("login_code")
    # Not signed in yet: every page still asks for the login.
    assert client.get(reverse("organizations:unit_detail", args=[county.villages[0].pk])).status_code == 302
    r = client.get(reverse("login_code"))
    assert "身份验证器" in r.text and "village" in r.text
    r = client.post(reverse("login_code"), {"code": "000000" if totp_code(device) != "000000" else "111111"})
    assert r.status_code == 200 and "验证码不正确或已过期" in r.text
    r = client.post(reverse("login_code"), {"code": totp_code(device)})
    assert r.status_code == 302
    assert client.get(reverse("organizations:unit_detail", args=[county.villages[0].pk])).status_code == 200


def test_a_recovery_code_signs_in_once(client, county):
    user = with_password(make_user("bureau", Role.BUREAU_LIAISON, county.bureau))
    _device, codes = enrol_totp(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    login(client, "bureau")
    r = client.post(reverse("login_code"), {"code": codes[0]}, follow=True)
    assert "您使用了一个恢复码,还剩 9 个" in r.text
    client.logout()
    login(client, "bureau")
    r = client.post(reverse("login_code"), {"code": codes[0]})
    assert r.status_code == 200 and "验证码不正确" in r.text


def test_five_wrong_codes_send_the_user_back_to_the_password(client, county):
    user = with_password(make_user("bureau", Role.BUREAU_LIAISON, county.bureau))
    enrol_totp(user)
    login(client, "bureau")
    for _ in range(4):
        assert client.post(reverse("login_code"), {"code": "abcdefgh"}).status_code == 200
    r = client.post(reverse("login_code"), {"code": "abcdefgh"}, follow=True)
    assert "验证码错误次数过多,请重新输入用户名和密码" in r.text
    assert client.get(reverse("login_code")).status_code == 302


# --- second factor: required (REQUIRE_2FA on, the default when DEBUG is off) ---------------------

def test_a_county_admin_without_a_device_must_enrol_before_anything_else(client, county, settings):
    settings.REQUIRE_2FA = True
    with_password(make_user("county", Role.COUNTY_ADMIN, county.county))
    r = login(client, "county")
    assert r.status_code == 302 and r.url == reverse("two_factor")
    page = reverse("organizations:unit_detail", args=[county.county.pk])
    r = client.get(page, follow=True)
    assert r.redirect_chain[-1][0] == reverse("two_factor") and "须先启用双因素认证" in r.text
    # The enrolment page: a QR code as inline SVG (no script), the secret, a code to confirm.
    r = client.get(reverse("two_factor"))
    assert "<svg" in r.text and "<script>" not in r.text and "确认绑定" in r.text
    device = TOTPDevice.objects.get(user__username="county", confirmed=False)
    assert two_factor.secret_of(device) in r.text
    r = client.post(reverse("two_factor"), {"code": "12345"})
    assert "验证码不正确" in r.text
    r = client.post(reverse("two_factor"), {"code": totp_code(device)}, follow=True)
    assert "请保存您的恢复码" in r.text
    codes = r.context["codes"]
    assert len(codes) == 10 and all(c in r.text for c in codes)
    assert StaticToken.objects.filter(device__user__username="county").count() == 10
    # Shown once.
    assert client.get(reverse("two_factor_codes")).status_code == 302
    assert client.get(page).status_code == 200
    assert User.history.filter(username="county", history_change_reason="启用双因素认证").exists()
    # Next time the code is asked for.
    client.logout()
    assert login(client, "county").url == reverse("login_code")
    assert client.post(reverse("login_code"), {"code": totp_code(device, steps_ahead=1)}).status_code == 302
    assert client.get(page).status_code == 200


def test_users_who_need_no_second_factor_are_not_forced(client, county, settings):
    settings.REQUIRE_2FA = True
    with_password(make_user("village", Role.VILLAGE_SECRETARY, county.villages[0]))
    assert login(client, "village").status_code == 302
    assert client.get(reverse("organizations:unit_detail", args=[county.villages[0].pk])).status_code == 200


def test_the_admin_needs_a_verified_session_and_its_login_page_is_the_portals(client, county, settings):
    settings.REQUIRE_2FA = True
    staff = with_password(make_staff("township", Role.TOWNSHIP_STAFF, county.townships[0]))
    r = client.get("/admin/login/?next=/admin/")
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")
    client.force_login(staff)  # a session that never gave a code
    r = client.get("/admin/")
    assert r.status_code == 302 and r.url == reverse("two_factor")
    device, _ = enrol_totp(staff)
    client.logout()
    login(client, "township")
    client.post(reverse("login_code"), {"code": totp_code(device)})
    assert client.get("/admin/").status_code == 200


def test_an_admin_resets_a_lost_phone_and_the_verified_session_ends(client, county, settings):
    settings.REQUIRE_2FA = True
    user = with_password(make_user("county", Role.COUNTY_ADMIN, county.county))
    device, _ = enrol_totp(user)
    login(client, "county")
    client.post(reverse("login_code"), {"code": totp_code(device)})
    page = reverse("organizations:unit_detail", args=[county.county.pk])
    assert client.get(page).status_code == 200
    # The superuser resets the account's devices from the admin.
    settings.REQUIRE_2FA = False  # (the superuser's own second factor is not the point here)
    other = Client()
    other.force_login(make_user("root", is_superuser=True, is_staff=True))
    r = other.post("/admin/organizations/user/", {"action": "reset_two_factor", "_selected_action": [user.pk]},
                   follow=True)
    assert "已重置 1 个账号的双因素认证" in r.text
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert User.history.filter(username="county", history_change_reason="在数据管理中重置双因素认证").exists()
    settings.REQUIRE_2FA = True
    # The county admin's session, verified by the removed device, is over.
    r = client.get(page, follow=True)
    assert "双因素认证设备已变更,请重新登录" in r.text
    assert login(client, "county").url == reverse("two_factor")


def test_assign_role_resets_the_second_factor(county):
    user = make_user("county", Role.COUNTY_ADMIN, county.county)
    enrol_totp(user)
    call_command("assign_role", "county", "county_admin", county.county.code, "--reset-2fa")
    assert not two_factor.has_device(user)
    assert User.history.filter(username="county", history_change_reason="重置双因素认证(assign_role)").exists()


def test_a_township_officer_may_not_reset_anyones_second_factor(county):
    officer = make_user("township", Role.TOWNSHIP_STAFF, county.townships[0])
    user = make_user("village", Role.VILLAGE_SECRETARY, county.villages[0])
    enrol_totp(user)
    with pytest.raises(services.PermissionDenied):
        services.user_two_factor_reset(actor=officer, user=user)
    assert two_factor.has_device(user)


# --- sessions ---------------------------------------------------------------------------------

def _age(client, key, seconds):
    session = client.session
    session[key] = int(time.time()) - seconds
    session.save()


def test_a_session_ends_after_30_minutes_without_a_request(client, county):
    client.force_login(make_user("county", Role.COUNTY_ADMIN, county.county))
    page = reverse("organizations:unit_detail", args=[county.county.pk])
    _age(client, security.SEEN_AT, 29 * 60)
    assert client.get(page).status_code == 200  # 29 minutes: still in, and the clock restarts
    assert time.time() - client.session[security.SEEN_AT] < 5
    _age(client, security.SEEN_AT, 31 * 60)
    r = client.get(page, follow=True)
    assert r.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "您已超过 30 分钟未操作" in r.text


def test_the_absolute_cap_holds_however_active(client, county):
    client.force_login(make_user("county", Role.COUNTY_ADMIN, county.county))
    _age(client, security.AUTH_AT, 12 * 3600 + 60)
    r = client.get(reverse("organizations:unit_detail", args=[county.county.pk]), follow=True)
    assert "登录已超过 12 小时" in r.text


def test_a_deactivated_account_is_signed_out_at_once(client, county):
    user = make_user("village", Role.VILLAGE_SECRETARY, county.villages[0])
    client.force_login(user)
    page = reverse("organizations:unit_detail", args=[county.villages[0].pk])
    assert client.get(page).status_code == 200
    services.user_deactivate(actor=None, user=user, reason="调离")
    r = client.get(page, follow=True)
    assert r.redirect_chain[0][0].startswith("/accounts/login/")
    assert "该账号已停用" in r.text
    from django.contrib.auth import SESSION_KEY

    assert SESSION_KEY not in client.session


# --- passwords --------------------------------------------------------------------------------

def test_assign_role_refuses_a_weak_password_in_chinese(county):
    with pytest.raises(CommandError, match="密码") as e:
        call_command("assign_role", "wang", "county_admin", county.county.code, "--password", "1")
    assert "太短" in str(e.value) or "至少" in str(e.value)
    assert not User.objects.filter(username="wang").exists()
    with pytest.raises(CommandError, match="常见"):
        call_command("assign_role", "wang", "county_admin", county.county.code, "--password", "password")
    with pytest.raises(CommandError, match="数字"):
        call_command("assign_role", "wang", "county_admin", county.county.code, "--password", "20260312845")


def test_the_demo_password_passes_the_rules(county):
    for name in ("admin", "county", "township", "village", "bureau", "inspector", "scale", "scale-county"):
        call_command("assign_role", name, "viewer", county.county.code, "--password", PASSWORD)
        assert User.objects.get(username=name).check_password(PASSWORD)


def test_the_admins_password_form_applies_the_rules(client, county):
    root = make_user("root", is_superuser=True, is_staff=True)
    user = make_user("village", Role.VILLAGE_SECRETARY, county.villages[0])
    client.force_login(root)
    url = reverse("admin:auth_user_password_change", args=[user.pk])  # Django's name for any user model
    r = client.post(url, {"password1": "123", "password2": "123", "usable_password": "true"})
    assert r.status_code == 200 and "密码长度太短" in r.text


def test_the_device_models_are_in_the_admin_without_their_secrets(client, county):
    user = make_user("county", Role.COUNTY_ADMIN, county.county)
    device, _ = enrol_totp(user)
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    r = client.get("/admin/otp_totp/totpdevice/?q=county")
    assert r.status_code == 200 and "county" in r.text
    r = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert r.status_code == 200 and device.key not in r.text
    assert client.get("/admin/otp_static/staticdevice/").status_code == 200
