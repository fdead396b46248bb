from django.urls import reverse

from serviceeval.core.nav import NAV


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        {
            "label": item.label,
            "url": reverse(item.url_name),
            "active": request.path.startswith(reverse(item.url_name)),
        }
        for item in NAV
        if user.role in item.roles
    ]
    return {"nav_items": items}
