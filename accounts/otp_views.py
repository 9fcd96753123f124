import base64
import io

import segno
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from core.audit import record
from core.models import AuditAction

from .otp import (
    confirmed_device,
    pending_device,
    second_factor_failed,
    second_factor_locked,
    second_factor_passed,
    verify,
)
from .views import locked_out


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/dashboard/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/dashboard/"


@login_required
def otp(request: HttpRequest) -> HttpResponse:
    """Set up (first time: scan the QR code) or confirm the second factor. Wrong codes count toward the password
    lockout; a locked-out user name gets no further try, and its half-open session ends."""
    if second_factor_locked(request, request.user):
        username = request.user.get_username()
        logout(request)
        return locked_out(request, None, {"username": username})
    device = confirmed_device(request.user)
    setting_up = device is None
    if setting_up:
        device = pending_device(request.user)
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "")
        if setting_up and device.verify_token(token.strip()):
            device.confirmed = True
            device.save()
            matched = device
        else:
            matched = None if setting_up else verify(request.user, token)
        if matched is not None:
            otp_login(request, matched)
            second_factor_passed(request, request.user)
            record(AuditAction.LOGIN, user=request.user, request=request, factor="totp")
            return redirect(_next(request))
        record(AuditAction.LOGIN_FAILED, user=request.user, request=request, factor="totp")
        if second_factor_failed(request, request.user):
            # The limit is reached: the session ends, and axes' middleware answers with the lockout page (429).
            logout(request)
            return redirect("/accounts/login/")
        error = _("The code is wrong or has expired. Enter the six digits your authenticator shows now.")
    context = {"setting_up": setting_up, "error": error, "next": _next(request)}
    if setting_up:
        buffer = io.BytesIO()
        segno.make(device.config_url, error="m").save(buffer, kind="png", scale=5)
        context["qr"] = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/otp.html", context)
