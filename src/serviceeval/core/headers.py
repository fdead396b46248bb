"""Response headers every page gets (F16), and the 403 log line.

- `Cache-Control: no-store` on every signed-in page and every download: a shared
  computer or a proxy must not keep an agency's data after sign-out.
- `Permissions-Policy`: the product uses no camera, microphone, location, payment,
  USB or sensors; the browser refuses them to the page and anything it embeds.
The Content-Security-Policy itself comes from django-csp (settings).
"""

from __future__ import annotations

import logging

from django.utils.cache import patch_cache_control

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        download = "attachment" in response.get("Content-Disposition", "")
        if signed_in or download or request.path.startswith("/api/"):
            patch_cache_control(response, no_store=True, private=True)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class ForbiddenOneLine(logging.Filter):
    """A 403 is an expected answer (another agency's page, a role's limit): one
    warning line with the path, never a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
