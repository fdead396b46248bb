from functools import cache

from django.urls import get_script_prefix, reverse

from serviceeval.core.nav import NAV


@cache
def _reverse(url_name: str, prefix: str) -> str:
    return reverse(url_name)


def _url(url_name: str) -> str:
    # The URL configuration does not change while the process runs: reverse once a
    # name (and script prefix), not on every page.
    return _reverse(url_name, get_script_prefix())


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        {
            "label": item.label,
            "url": _url(item.url_name),
            "active": request.path.startswith(_url(item.url_name)),
        }
        for item in NAV
        if item.allowed(user)
    ]
    return {"nav_items": items}
