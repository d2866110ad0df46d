"""Session and response policies every page shares (README, "可靠性与安全"). Imports no app.

``SessionPolicyMiddleware`` (after ``AuthenticationMiddleware``) ends a signed-in session
- after ``SESSION_IDLE_TIMEOUT`` seconds without a request (the last request is noted in the
  session at most once a minute, so an active user costs one session write a minute);
- ``SESSION_COOKIE_AGE`` seconds after the sign-in, however active (the absolute cap: noting the
  last request renews the cookie, so the sign-in time is kept and checked here);
- as soon as its account no longer authenticates: deactivated (``is_active`` off), deleted, or
  its password changed. Django then already treats the request as anonymous; the session is
  flushed too, so nothing of it is left behind.
The login page then says why (``signed_out_reason``).

``PrivateCacheMiddleware`` marks every response to a signed-in user ``Cache-Control: private,
no-store`` unless the view set its own: pages with leaders' phones and contact points, Excel and
CSV exports with names and numbers are never kept by a proxy or the browser's disk cache.
"""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout

AUTH_AT = "cobuild_auth_at"
SEEN_AT = "cobuild_seen_at"
SIGNED_OUT = "cobuild_signed_out"
SEEN_EVERY = 60  # seconds between two notes of the last request

REASONS = {
    "idle": "您已超过 {minutes} 分钟未操作,为保护数据安全已自动退出,请重新登录。",
    "expired": "登录已超过 {hours} 小时,请重新登录。",
    "inactive": "该账号已停用或登录信息已失效,请重新登录;如有疑问请联系系统管理员。",
}


def signed_out_reason(request) -> str | None:
    """The message for the login page after a session was ended (read once)."""
    reason = request.session.pop(SIGNED_OUT, None)
    if reason not in REASONS:
        return None
    return REASONS[reason].format(minutes=settings.SESSION_IDLE_TIMEOUT // 60,
                                  hours=round(settings.SESSION_COOKIE_AGE / 3600))


def stamp_login(sender, request, user, **kwargs):
    """``user_logged_in``: note the sign-in in the new session (also for the test client's
    ``force_login``), so the first page costs no session write."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[AUTH_AT] = now
        request.session[SEEN_AT] = now


def _end(request, reason: str) -> None:
    logout(request)
    request.session[SIGNED_OUT] = reason


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            if not request.user.is_authenticated:
                _end(request, "inactive")
            elif now - session.get(SEEN_AT, now) > settings.SESSION_IDLE_TIMEOUT:
                _end(request, "idle")
            elif now - session.get(AUTH_AT, now) > settings.SESSION_COOKIE_AGE:
                _end(request, "expired")
            else:
                if AUTH_AT not in session:
                    session[AUTH_AT] = now
                if now - session.get(SEEN_AT, 0) >= SEEN_EVERY:
                    session[SEEN_AT] = now
        return self.get_response(request)


class PrivateCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response
