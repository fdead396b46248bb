"""TOTP two-factor sign-in for office staff and panel members (SPEC §5).

After the password step, a user with a confirmed TOTP device must enter a code
before any page opens. With OTP_ENFORCE (production), office staff and reviewers
without a device are sent to set one up first; in the demo and tests it is optional
so the demo logins work with a password alone.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.shortcuts import redirect
from django_otp import user_has_device

from .enums import Role

OTP_ROLES = (Role.COORDINATOR, Role.REVIEWER)
OPEN_PATHS = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/i18n/")


def qr_svg(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    image.save(buf)
    return buf.getvalue().decode()


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(OPEN_PATHS):
            if user_has_device(user):
                if not user.is_verified():
                    return redirect(f"/accounts/2fa/verify/?next={request.get_full_path()}")
            elif user.role in OTP_ROLES and getattr(settings, "OTP_ENFORCE", False):
                return redirect("/accounts/2fa/setup/")
        return self.get_response(request)
