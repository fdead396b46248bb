import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect

SESSION_KEY = "last_activity"


class IdleTimeoutMiddleware:
    """Signs out a session idle for longer than SESSION_IDLE_TIMEOUT_SECONDS.

    The page shows a warning shortly before (see web/static/js/idle.js)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(SESSION_KEY, now)
            if now - last > settings.SESSION_IDLE_TIMEOUT_SECONDS:
                logout(request)
                return redirect(f"{settings.LOGIN_URL and '/accounts/login/'}?timeout=1")
            if request.path != "/accounts/ping/" or request.method == "POST":
                request.session[SESSION_KEY] = now
        return self.get_response(request)
