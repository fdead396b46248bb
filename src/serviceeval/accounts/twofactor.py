"""TOTP two-factor sign-in for office staff and panel members (SPEC §5).

After the password, a user with a confirmed TOTP device must enter a code (or a
one-time recovery code) before any other page opens. With OTP_ENFORCE
(production), office staff, reviewers and superusers without a device are sent
to set one up first; in the demo and tests it is optional so the demo logins work
with a password alone. An unverified session reaches only sign-in, verify,
sign-out, static files and, for a user without a confirmed device, enrolment:
replacing a device needs a verified session (F1).
"""

from __future__ import annotations

import base64
import io
from urllib.parse import quote

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_otp import user_has_device

from .rules import needs_two_factor

SETUP_PATH = "/accounts/2fa/setup/"
VERIFY_PATH = "/accounts/2fa/verify/"
OPEN_PATHS = ("/accounts/logout/", "/static/", "/i18n/")


def qr_svg(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    image.save(buf)
    svg = buf.getvalue().decode()
    return svg[svg.index("<svg") :]


def manual_key(bin_key: bytes) -> str:
    """The secret as authenticator apps expect it typed: Base32, groups of four."""
    raw = base64.b32encode(bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def two_factor_required(user) -> bool:
    """True when this user must set up two-factor before using the product."""
    return bool(getattr(settings, "OTP_ENFORCE", False)) and (needs_two_factor(user))


def has_confirmed_device(user) -> bool:
    return user_has_device(user, confirmed=True)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            path = request.path
            if not path.startswith(OPEN_PATHS):
                if has_confirmed_device(user):
                    if path != VERIFY_PATH:
                        return self._refuse(
                            request,
                            f"{VERIFY_PATH}?next={quote(request.get_full_path(), safe='/')}",
                        )
                elif two_factor_required(user) and path not in (SETUP_PATH, VERIFY_PATH):
                    return self._refuse(request, SETUP_PATH)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, url):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("Two-factor verification is required.")}, status=401)
        return redirect(url)
