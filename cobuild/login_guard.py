"""The login lockout (django-axes) with two limits, counted in the database on every server.

- Per account *and* client address (``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``,
  ``AXES_FAILURE_LIMIT``): guessing one account's password is stopped, and nobody at another
  address can lock that account out for its owner.
- Per client address across accounts (``LOGIN_ADDRESS_FAILURE_LIMIT``, higher, since an office
  shares one address behind NAT): password spraying, a few guesses at many accounts, is stopped.

axes compares every lockout parameter with the one failure limit, so the second limit lives here,
in the handler both the login check (``is_locked``) and the failure record (``user_login_failed``)
go through. The client address is ``cobuild.proxy.client_ip`` behind the proxy. Imports no app.
"""

from axes.attempts import get_cool_off_threshold
from axes.conf import settings
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.db.models import Sum


class LoginGuardHandler(AxesDatabaseHandler):
    @staticmethod
    def address_failures(request) -> int:
        """Failed logins from the request's client address, whatever the account, in the cool-off."""
        ip = getattr(request, "axes_ip_address", None)
        if not ip:
            return 0
        attempts = AccessAttempt.objects.filter(ip_address=ip)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0

    def address_locked(self, request) -> bool:
        return (settings.AXES_LOCK_OUT_AT_FAILURE
                and self.address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT)

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self.is_whitelisted(request, credentials) or not self.address_locked(request):
            return
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send("axes", request=request, username=credentials.get("username"),
                             ip_address=request.axes_ip_address)
