import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect

SESSION_KEY = "last_activity"


def start_idle_clock(sender, request=None, user=None, **kwargs):
    """Signing in is activity: the idle clock starts then (user_logged_in), so the
    first page after it has no session to write."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = int(time.time())


class IdleTimeoutMiddleware:
    """Signs out a session idle for longer than SESSION_IDLE_TIMEOUT_SECONDS.

    The page shows a warning shortly before (see web/static/js/idle.js). The moment of
    the last activity is written to the session at most once every
    SESSION_IDLE_TOUCH_SECONDS (an explicit keep-alive POST always writes it): writing
    it on every page would make every page view a database write (SPEC §5 pages), and
    the idle clock needs no finer resolution than that."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(SESSION_KEY, now)
            if now - last > settings.SESSION_IDLE_TIMEOUT_SECONDS:
                logout(request)
                return redirect(f"{settings.LOGIN_URL and '/accounts/login/'}?timeout=1")
            keep_alive = request.path == "/accounts/ping/" and request.method == "POST"
            touch = getattr(settings, "SESSION_IDLE_TOUCH_SECONDS", 60)
            if keep_alive or (
                request.path != "/accounts/ping/"
                and (SESSION_KEY not in request.session or now - last >= touch)
            ):
                request.session[SESSION_KEY] = now
        return self.get_response(request)
