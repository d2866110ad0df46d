"""The second factor (django-otp): who must have one, enrolment, the code at login, the reset.

A TOTP app (``TOTPDevice``, the QR code shown once at enrolment) plus ten one-time recovery codes
(``StaticDevice``). Who has a device is asked for a code (or a recovery code) after the password,
every time, whatever ``REQUIRE_2FA`` says. With ``REQUIRE_2FA`` on (the default when ``DEBUG`` is
off) anyone who can open the admin (staff, superusers) and every county admin must enrol: after
the password they reach only the enrolment page and logging out until they have (README,
双因素认证). The session records the state (``STATE``) at login, so pages cost no query for it.
"""

from __future__ import annotations

import time
from base64 import b32encode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.db import transaction
from django.shortcuts import redirect
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Role, User
from .scoping import user_grants

STATE = "cobuild_2fa"  # "verified" (a device confirmed this session), "none" (no device), "enrol"
PENDING = "cobuild_2fa_pending"  # the password was right; the code is still to come
CODES_ONCE = "cobuild_2fa_codes"  # fresh recovery codes, shown once
RECOVERY_CODES = 10
PENDING_SECONDS = 5 * 60
MAX_CODE_TRIES = 5
TOTP_NAME = "身份验证器"
STATIC_NAME = "恢复码"
# Pages an account that must enrol may still open.
OPEN_WHILE_ENROLLING = {"two_factor", "two_factor_codes", "logout", "login", "login_code", "healthz"}


def requires_2fa(user) -> bool:
    """Superusers, staff (whoever can open the admin) and county admins."""
    return user.is_superuser or user.is_staff or any(g.role == Role.COUNTY_ADMIN for g in user_grants(user))


def has_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def must_enrol(user) -> bool:
    return settings.REQUIRE_2FA and requires_2fa(user) and not has_device(user)


def secret_of(device: TOTPDevice) -> str:
    """The key as people type it into an authenticator app: base32 in groups of four."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


# --- login ------------------------------------------------------------------------------------

def start_pending(request, user, next_url: str) -> None:
    """The password was right and the account has a device: the code comes next."""
    request.session[PENDING] = {"user": user.pk, "backend": user.backend, "at": int(time.time()),
                                "next": next_url, "tries": 0}


def pending_user(request) -> tuple[User, dict] | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        return None
    return user, pending


def count_failed_code(request) -> bool:
    """One more wrong code; False when the tries are used up (the password must be entered again)."""
    pending = request.session[PENDING]
    pending["tries"] += 1
    request.session.modified = True
    if pending["tries"] >= MAX_CODE_TRIES:
        request.session.pop(PENDING, None)
        return False
    return True


def verify(user, code: str):
    """(the device that accepts ``code``, or None; whether a device had to refuse because of
    earlier wrong codes). Six digits go to the app, anything else to the recovery codes (each
    used once). Each device makes the next try wait 1, 2, 4 … s after a wrong code (django-otp)."""
    code = "".join(code.split()).lower()
    totp = code.isdigit() and len(code) == 6
    throttled = False
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if isinstance(device, TOTPDevice) != totp:
                continue
            if not device.verify_is_allowed()[0]:
                throttled = True
            elif device.verify_token(code):
                return device, False
    return None, throttled


def finish_login(request, user, device=None, backend: str | None = None) -> None:
    """Sign in after the password (and the code, when the account has a device)."""
    request.session.pop(PENDING, None)
    auth_login(request, user, backend=backend or getattr(user, "backend", None))
    if device is not None:
        otp_login(request, device)
        request.session[STATE] = "verified"
    else:
        request.session[STATE] = "enrol" if must_enrol(user) else "none"


def mark_verified(request, device) -> None:
    otp_login(request, device)
    request.session[STATE] = "verified"


# --- devices ----------------------------------------------------------------------------------

def totp_device_pending(user) -> TOTPDevice:
    """The unconfirmed device whose QR code the enrolment page shows (the same one until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def _log(user, reason: str) -> None:
    """A row in the account's history (who, when, why) for each change of its second factor."""
    user._change_reason = reason
    user.save(update_fields=["username"])


@transaction.atomic
def totp_confirm(*, user, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app with a code it shows: the device counts from now on, the old ones go, and
    ten new recovery codes are returned (to show once). None if the code is wrong."""
    code = "".join(code.split())
    if not (code.isdigit() and device.verify_token(code)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _issue_recovery_codes(user)
    _log(user, "启用双因素认证")
    return codes


def _issue_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=STATIC_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    codes = _issue_recovery_codes(user)
    _log(user, "重新生成恢复码")
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


@transaction.atomic
def devices_delete(*, user, reason: str) -> int:
    """Remove every device of the account (the reset; ``services.user_two_factor_reset`` checks
    who may). Its sessions verified by a device end at their next request."""
    n = 0
    for model in (TOTPDevice, StaticDevice):
        n += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    _log(user, reason)
    return n


# --- enforcement ------------------------------------------------------------------------------

def _state(request, user) -> str | None:
    state = request.session.get(STATE)
    if state is None and settings.REQUIRE_2FA:
        # A session not made by the login above (older than this feature): decide once.
        if has_device(user):
            state = "verified" if user.is_verified() else "again"
        else:
            state = "enrol" if requires_2fa(user) else "none"
        if state != "again":
            request.session[STATE] = state
    return state


class TwoFactorMiddleware:
    """After the auth, OTP and message middleware: a session whose device was reset signs in
    again; an account that must enrol opens only the enrolment page until it has."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        state = _state(request, user)
        if state == "again" or (state == "verified" and not user.is_verified()):
            logout(request)
            messages.info(request, "您的双因素认证设备已变更,请重新登录。")
            return redirect(settings.LOGIN_URL)
        if state == "enrol":
            match = request.resolver_match
            if match is None or match.url_name not in OPEN_WHILE_ENROLLING:
                messages.warning(request, "您的账号须先启用双因素认证(手机身份验证器),才能使用平台。")
                return redirect("two_factor")
        return None

