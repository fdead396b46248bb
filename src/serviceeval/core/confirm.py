"""Confirmation before a consequential or irreversible action (issue 13 item 4).

Works without script: the action's form posts as usual; the view asks
``needs_confirmation(request)`` and, while the post does not carry
``confirmed=1``, answers with ``confirmation(...)``: a page that says what will
happen and re-posts every field of the original form (so a typed reason is
kept) with ``confirmed=1`` added. Cancel goes back without writing anything.
"""

from __future__ import annotations

from django.shortcuts import render

CONFIRM_FIELD = "confirmed"


def needs_confirmation(request) -> bool:
    """True while a POST has not been confirmed yet."""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) != "1"


def confirmation(
    request,
    *,
    title: str,
    consequences: list[str] | tuple[str, ...] | str,
    action_label: str,
    cancel_url: str,
    destructive: bool = False,
    action_url: str | None = None,
):
    """Render the confirmation page for the pending POST of ``request``."""
    if isinstance(consequences, str):
        consequences = [consequences]
    hidden = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", CONFIRM_FIELD)
        for value in values
    ]
    return render(
        request,
        "core/confirm.html",
        {
            "title": title,
            "consequences": consequences,
            "action_label": action_label,
            "cancel_url": cancel_url,
            "destructive": destructive,
            "action_url": action_url or request.get_full_path(),
            "hidden": hidden,
            "confirm_field": CONFIRM_FIELD,
        },
    )
