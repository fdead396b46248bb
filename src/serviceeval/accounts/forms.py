import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from serviceeval.core.ratelimit import client_address

from .enums import Role
from .selectors import agency_choices
from .services import SignInRefused, sign_in_failed, sign_in_start, sign_in_succeeded


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or password is not correct."),
        "locked": _(
            "This account is locked for 15 minutes after 5 failed sign-ins. Try again later."
        ),
        "address": _(
            "Too many failed sign-ins from this network address. Try again after %(time)s."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data  # the field errors say what is missing
        address = client_address(self.request)
        try:
            sign_in_start(username=username, address=address)
        except SignInRefused as refused:
            if refused.scope == "account":
                raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
            when = formats.time_format(timezone.localtime(refused.until), "H:i")
            raise forms.ValidationError(
                self.error_messages["address"], code="address", params={"time": when}
            ) from None
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            sign_in_failed(username=username, address=address)
            raise
        sign_in_succeeded(user=self.get_user(), address=address)
        return cleaned


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Enter the 6 digits shown in your authenticator app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


RECOVERY_RE = re.compile(r"^[A-Z2-7]{16}$")


class VerifyForm(forms.Form):
    """The code from the authenticator app, or one of the recovery codes."""

    token = forms.CharField(
        label=_("Six-digit code, or a recovery code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def clean_token(self):
        raw = self.cleaned_data["token"].strip()
        if re.fullmatch(r"\d{6}", raw):
            self.kind = "totp"
            return raw
        compact = "".join(ch for ch in raw.upper() if ch.isalnum())
        if RECOVERY_RE.fullmatch(compact):
            self.kind = "recovery"
            return compact
        raise forms.ValidationError(
            _("Enter the 6 digits shown in your authenticator app, or a recovery code."),
            code="invalid",
        )


class PersonForm(forms.Form):
    """Issue 11 item 4: an account as the office edits it; the service checks the
    rules (an agency role needs an agency) and the form shows its refusal."""

    username = forms.CharField(label=_("Username"), max_length=150)
    name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=None,
        required=False,
        help_text=_("Required for agency officers and agency heads."),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("The one-time link to set a password is sent here."),
    )

    def __init__(self, *args, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agency_choices()
        if not creating:
            del self.fields["username"]
