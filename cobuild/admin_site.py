"""The admin site with the second factor (README, 双因素认证). Imports no app.

- Signing in goes through the portal's own login (password, then the code): the admin's login
  page only redirects there, so nobody reaches the admin with a password alone.
- With ``REQUIRE_2FA`` the admin answers only sessions verified by a device (django-otp's
  ``is_verified``), like ``django_otp.admin.OTPAdminSite``.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url


class CobuildAdminSite(admin.AdminSite):
    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        if settings.REQUIRE_2FA:
            is_verified = getattr(request.user, "is_verified", None)
            return bool(is_verified and is_verified())
        return True

    def login(self, request, extra_context=None):
        target = request.GET.get("next") or resolve_url("admin:index")
        return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': target})}")


class CobuildAdminConfig(AdminConfig):
    default_site = "cobuild.admin_site.CobuildAdminSite"
