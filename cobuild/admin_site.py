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

#: Chinese names of the sections (and their models) the third-party apps bring into the admin:
#: app label → (section name, {model object_name: name}).
APP_LABELS = {
    "auth": ("认证和授权", {"Group": "用户组", "User": "用户"}),
    "axes": ("登录保护", {"AccessAttempt": "登录失败记录", "AccessFailureLog": "登录失败日志",
                      "AccessLog": "登录日志"}),
    "otp_totp": ("双因素认证(验证器)", {"TOTPDevice": "验证器设备"}),
    "otp_static": ("双因素认证(恢复码)", {"StaticDevice": "恢复码设备", "StaticToken": "恢复码"}),
    "django_otp": ("双因素认证", {}),
    "django_tasks_database": ("后台任务队列", {"DBTaskResult": "任务结果"}),
    "sessions": ("会话", {"Session": "会话"}),
}


class CobuildAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        """Every section and model in Chinese, whatever app brought it."""
        apps = super().get_app_list(request, app_label)
        for app in apps:
            name, models = APP_LABELS.get(app["app_label"], (None, {}))
            if name:
                app["name"] = name
            for model in app["models"]:
                if model["object_name"] in models:
                    model["name"] = models[model["object_name"]]
        return apps

    def app_index(self, request, app_label, extra_context=None):
        name = APP_LABELS.get(app_label, (None,))[0]
        if name:
            extra_context = {**(extra_context or {}), "title": f"{name} 管理"}
        return super().app_index(request, app_label, extra_context)

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
