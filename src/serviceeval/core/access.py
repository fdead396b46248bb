"""Page classification and role checks, one vocabulary for every view.

Each view is wrapped by `access(...)`; the permission matrix test walks every URL
and fails for a view without a classification. Object-level checks are done by
selectors (`*_visible_to(user)`) so another agency's object answers 404.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

PUBLIC = "public"
LOGIN = "login"  # any signed-in user; object-level checks in the view

COORDINATOR = "coordinator"
AGENCY_OFFICER = "agency_officer"
AGENCY_HEAD = "agency_head"
REVIEWER = "reviewer"
TESTER = "tester"
ALL_ROLES = (COORDINATOR, AGENCY_OFFICER, AGENCY_HEAD, REVIEWER, TESTER)
AGENCY_ROLES = (AGENCY_OFFICER, AGENCY_HEAD)


def access(*levels: str):
    """`access(PUBLIC)`, `access(LOGIN)` or `access(COORDINATOR, REVIEWER, ...)`."""
    if not levels:
        raise ValueError("classify the view")

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if PUBLIC in levels:
                return view(request, *args, **kwargs)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if LOGIN not in levels and request.user.role not in levels:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.access_levels = tuple(levels)
        return wrapper

    return decorate
