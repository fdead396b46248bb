"""API rate limits (SPEC §5 topology): per bearer token and per source address,
counted in the shared cache (Redis in production, so every process and host counts
together), fixed windows of `API_RATE_WINDOW_SECONDS`. Over the limit the API
answers 429 with `Retry-After`. Sign-in lockout counts in the same cache
(accounts/throttle.py), and writes a reached lock to the database."""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import caches
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def client_address(request) -> str:
    """The source address: REMOTE_ADDR, or the address the trusted reverse proxy
    saw when TRUSTED_PROXY_HOPS says how many proxies append to X-Forwarded-For."""
    if request is None:
        return "-"
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= hops:
            return forwarded[-hops][:64]
    return request.META.get("REMOTE_ADDR", "-")[:64]


def _count(key: str, window: int) -> int:
    cache = caches["default"]
    cache.add(key, 0, timeout=window + 5)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 5)
        return 1


def _language(request) -> str:
    """The language the user chose (cookie), else zh-Hant (core.middleware)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen and translation.check_for_language(chosen):
        return chosen
    return settings.LANGUAGE_CODE


class ApiRateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            refused = self._check(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    @staticmethod
    def _check(request):
        window = settings.API_RATE_WINDOW_SECONDS
        now = time.time()
        slot = int(now // window)
        retry_after = max(1, math.ceil((slot + 1) * window - now))
        subjects = [("addr", client_address(request), settings.API_RATE_LIMIT_PER_ADDRESS)]
        auth = request.META.get("HTTP_AUTHORIZATION", "")
        if auth.lower().startswith("bearer "):
            digest = hashlib.sha256(auth[7:].strip().encode()).hexdigest()[:32]
            subjects.append(("token", digest, settings.API_RATE_LIMIT_PER_TOKEN))
        for kind, subject, limit in subjects:
            if _count(f"api-rate:{kind}:{subject}:{slot}", window) > limit:
                # Answered before LocaleMiddleware: the language is chosen as it would.
                with translation.override(_language(request)):
                    detail = _("Too many requests; try again later.")
                response = JsonResponse({"detail": detail}, status=429)
                response["Retry-After"] = str(retry_after)
                return response
        return None
