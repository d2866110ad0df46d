"""Signing in: the password, then the second factor's code when the account has a device, and
the enrolment of a TOTP app with its recovery codes (``two_factor``; README, 双因素认证)."""

from __future__ import annotations

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from cobuild.security import signed_out_reason

from . import two_factor


class CodeForm(forms.Form):
    code = forms.CharField(label="验证码", max_length=32, strip=True, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none", "autofocus": True,
        "class": "form-control form-control-lg text-center", "placeholder": "6 位数字验证码"}))


class LoginView(auth_views.LoginView):
    """The password step (django-axes counts the failures, ``cobuild.login_guard``)."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "signed_out_reason": signed_out_reason(self.request)}

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.has_device(user):
            two_factor.start_pending(self.request, user, self.get_success_url())
            return redirect("login_code")
        two_factor.finish_login(self.request, user)
        if self.request.session.get(two_factor.STATE) == "enrol":
            messages.warning(self.request, "您的账号须先启用双因素认证(手机身份验证器),才能使用平台。")
            return redirect("two_factor")
        return redirect(self.get_success_url())


@login_not_required
@sensitive_post_parameters("code")
@never_cache
def login_code(request):
    """The second step: the six-digit code of the app, or one of the recovery codes."""
    found = two_factor.pending_user(request)
    if found is None:
        messages.info(request, "请输入用户名和密码登录。")
        return redirect("login")
    user, pending = found
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, throttled = two_factor.verify(user, form.cleaned_data["code"])
        if device is not None:
            two_factor.finish_login(request, user, device, backend=pending["backend"])
            if device.name == two_factor.STATIC_NAME:
                left = two_factor.recovery_codes_left(user)
                messages.warning(request, f"您使用了一个恢复码,还剩 {left} 个。可在“双因素认证”页面重新生成。")
            return redirect(pending["next"])
        if not two_factor.count_failed_code(request):
            messages.error(request, "验证码错误次数过多,请重新输入用户名和密码。")
            return redirect("login")
        if throttled:
            form.add_error("code", "验证码错误次数较多,请稍等几秒再试。")
        else:
            form.add_error("code", "验证码不正确或已过期。请输入手机身份验证器当前显示的 6 位数字,或一个恢复码。")
    return render(request, "registration/login_code.html", {"form": form, "username": user.username})


@never_cache
def two_factor_setup(request):
    """Enrol a TOTP app (QR code and secret, confirmed with a code), or, once enrolled, see the
    state and renew the recovery codes."""
    user = request.user
    enrolled = two_factor.has_device(user)
    if enrolled:
        if request.method == "POST" and request.POST.get("action") == "renew_codes":
            request.session[two_factor.CODES_ONCE] = two_factor.recovery_codes_renew(user=user)
            return redirect("two_factor_codes")
        return render(request, "registration/two_factor.html", {
            "enrolled": True, "codes_left": two_factor.recovery_codes_left(user)})
    device = two_factor.totp_device_pending(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.totp_confirm(user=user, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            two_factor.mark_verified(request, device)
            request.session[two_factor.CODES_ONCE] = codes
            return redirect("two_factor_codes")
        form.add_error("code", "验证码不正确。请确认手机时间准确,输入身份验证器当前显示的 6 位数字。")
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)
    return render(request, "registration/two_factor.html", {
        "enrolled": False, "form": form, "qr": qr, "secret": two_factor.secret_of(device),
        "required": two_factor.must_enrol(user)})


@never_cache
def two_factor_codes(request):
    """The recovery codes, shown once right after they were made."""
    codes = request.session.pop(two_factor.CODES_ONCE, None)
    if not codes:
        return redirect("two_factor")
    return render(request, "registration/recovery_codes.html", {"codes": codes})
