"""Two-factor setup and verification, password change and reset."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import formats, timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from serviceeval.core.access import LOGIN, PUBLIC, access
from serviceeval.core.audit import audit_record

from . import throttle
from .forms import TokenForm, VerifyForm
from .services import (
    recovery_code_use,
    recovery_codes_issue,
    recovery_codes_left,
    twofactor_confirm,
    twofactor_devices,
    twofactor_pending_device,
)
from .twofactor import has_confirmed_device, manual_key, qr_svg


def _otp_refused(form, until) -> None:
    when = formats.time_format(timezone.localtime(until), "H:i")
    form.add_error(
        "token",
        _("Too many wrong codes. Try again after %(time)s.") % {"time": when},
    )


def _check_code(request, form, check) -> bool:
    """Run `check()` under the per-account code throttle (shared by every process):
    one wrong code is just wrong; the fifth in 15 minutes locks code entry."""
    policy = throttle.otp_policy()
    until = throttle.reserve(policy, request.user.pk)
    if until is not None:
        _otp_refused(form, until)
        return False
    if check():
        throttle.succeeded(policy, request.user.pk)
        return True
    throttle.failed(policy, request.user.pk)
    form.add_error("token", _("The code is not correct. Check your device's clock and try again."))
    return False


@access(LOGIN)
def twofactor_setup(request):
    """Enrol an authenticator. Open to a user without a confirmed device, or to a
    verified session replacing its device (F1): the password alone never replaces one."""
    replacing = has_confirmed_device(request.user)
    if replacing and not request.user.is_verified():
        return redirect(f"{reverse('twofactor_verify')}?next={reverse('twofactor_setup')}")
    device = twofactor_pending_device(request.user)
    form = TokenForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _check_code(request, form, lambda: device.verify_token(form.cleaned_data["token"]))
    ):
        codes = twofactor_confirm(user=request.user, device=device, replacing=replacing)
        otp_login(request, device)
        messages.success(request, _("Two-factor sign-in is on."))
        return render(request, "accounts/recovery_codes.html", {"codes": codes})
    ctx = {
        "form": form,
        "qr": qr_svg(device.config_url),
        "secret": manual_key(device.bin_key),
        "replacing": replacing,
    }
    return render(request, "accounts/twofactor_setup.html", ctx, status=400 if form.errors else 200)


@access(LOGIN)
def twofactor_verify(request):
    form = VerifyForm(request.POST or None)
    next_url = request.GET.get("next") or request.POST.get("next") or "/dashboard/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/dashboard/"
    devices = twofactor_devices(request.user)
    if request.method == "POST" and devices and form.is_valid():
        token = form.cleaned_data["token"]
        matched = []

        def check():
            if form.kind == "recovery":
                if recovery_code_use(user=request.user, code=token):
                    matched.append(devices[0])
            else:
                matched.extend(d for d in devices if d.verify_token(token))
            return bool(matched)

        if _check_code(request, form, check):
            otp_login(request, matched[0])
            if form.kind == "recovery":
                left = recovery_codes_left(request.user)
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; %(left)d are left. Issue new codes on the two-factor page if you are running out."
                    )
                    % {"left": left},
                )
            return redirect(next_url)
    return render(
        request,
        "accounts/twofactor_verify.html",
        {"form": form, "next": next_url, "has_device": bool(devices)},
        status=400 if form.errors else 200,
    )


@access(LOGIN)
def recovery_codes_new(request):
    """A verified session replaces its recovery codes (POST only)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not (has_confirmed_device(request.user) and request.user.is_verified()):
        return redirect("twofactor_setup")
    codes = recovery_codes_issue(user=request.user, actor=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@access(PUBLIC)
def admin_login(request):
    """The Django admin signs in through the product's sign-in (lockout, two-factor).
    A signed-in user whom the admin sent here may not use it: 403, not a loop."""
    if request.user.is_authenticated:
        raise PermissionDenied
    next_url = request.GET.get("next") or "/admin/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/admin/"
    return redirect_to_login(next_url, reverse("login"))


@method_decorator(access(LOGIN), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_form.html"
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=self.request.user, action="password_changed", obj=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


@method_decorator(access(PUBLIC), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")


@method_decorator(access(PUBLIC), name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/message.html"
    extra_context = {"message_key": "reset_sent"}


@method_decorator(access(PUBLIC), name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_form.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=None, action="password_reset", obj=form.user)
        return response


@method_decorator(access(PUBLIC), name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/message.html"
    extra_context = {"message_key": "reset_done"}


for _view in (PasswordChangeView,):
    _view.access_level = LOGIN
for _view in (
    PasswordResetView,
    PasswordResetDoneView,
    PasswordResetConfirmView,
    PasswordResetCompleteView,
):
    _view.access_level = PUBLIC
