"""Two-factor setup and verification, password change and reset."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from serviceeval.core.access import LOGIN, PUBLIC, access
from serviceeval.core.audit import audit_record

from .forms import TokenForm
from .twofactor import qr_svg


@access(LOGIN)
def twofactor_setup(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not device.verify_is_allowed()[0]:
            form.add_error("token", _("Too many wrong codes. Wait a minute and try again."))
        elif device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save()
            TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
            otp_login(request, device)
            audit_record(actor=request.user, action="twofactor_enabled", obj=request.user)
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect("dashboard")
        else:
            form.add_error(
                "token", _("The code is not correct. Check your device's clock and try again.")
            )
    ctx = {"form": form, "qr": qr_svg(device.config_url), "secret": device.key}
    return render(request, "accounts/twofactor_setup.html", ctx, status=400 if form.errors else 200)


@access(LOGIN)
def twofactor_verify(request):
    form = TokenForm(request.POST or None)
    next_url = request.GET.get("next") or request.POST.get("next") or "/dashboard/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/dashboard/"
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(next_url)
        form.add_error(
            "token", _("The code is not correct. Check your device's clock and try again.")
        )
    return render(
        request,
        "accounts/twofactor_verify.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


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


@method_decorator(access(PUBLIC), name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/message.html"
    extra_context = {"message_key": "reset_done"}


for _view in (PasswordChangeView,):
    _view.access_levels = (LOGIN,)
for _view in (
    PasswordResetView,
    PasswordResetDoneView,
    PasswordResetConfirmView,
    PasswordResetCompleteView,
):
    _view.access_levels = (PUBLIC,)
