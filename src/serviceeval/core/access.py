"""Page classification: every view says who may open it.

Each view is wrapped by `access(...)`: `access(PUBLIC)`, `access(LOGIN)` (any
signed-in user; object-level checks in the selector), or `access(predicate)` with
a django-rules predicate of the user from an app's `rules.py` (for example
`access(can_open_panel)`). The permission-matrix test walks every URL and
evaluates the same predicate for each role, so the page and its test cannot
disagree. Object-level checks are done by selectors (`*_visible_to(user)`) so
another agency's object answers 404.

core imports no app: the predicates come in as arguments.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

PUBLIC = "public"
LOGIN = "login"  # any signed-in user; object-level checks in the view


def access(level):
    """`access(PUBLIC)`, `access(LOGIN)` or `access(predicate)`."""
    if level not in (PUBLIC, LOGIN) and not callable(level):
        raise ValueError("classify the view with PUBLIC, LOGIN or a rules predicate")

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if level == PUBLIC:
                return view(request, *args, **kwargs)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if level != LOGIN and not level(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.access_level = level
        return wrapper

    return decorate


def allows(level, user) -> bool:
    """Whether `access(level)` lets `user` (signed in) open the page."""
    return level in (PUBLIC, LOGIN) or bool(level(user))
