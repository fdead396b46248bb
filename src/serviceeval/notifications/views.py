"""A person's notices (with the unread count in the header), their reminder
settings, and the office's outbox (issue 13 item 6)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from serviceeval.core.access import LOGIN, access
from serviceeval.core.params import id_or_404

from .enums import EmailStatus, Kind
from .rules import can_read_outbox
from .selectors import notification_of, notifications_of, opted_out, optional_kinds, outbox
from .services import mark_all_read, mark_read, retry_failed, set_opt_outs

PAGE = 50


@access(LOGIN)
def inbox(request):
    page = Paginator(notifications_of(request.user), PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page, "page_query": ""})


@access(LOGIN)
def open_notice(request, pk):
    """Mark one notice read and go where it points (a path inside the site)."""
    notice = notification_of(request.user, id_or_404(pk))
    mark_read(notification=notice)
    if notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts=None):
        return redirect(notice.url)
    return redirect("notifications:inbox")


@access(LOGIN)
@require_POST
def read_all(request):
    n = mark_all_read(user=request.user)
    messages.success(request, _("%(n)s notices marked as read.") % {"n": n})
    return redirect("notifications:inbox")


@access(LOGIN)
def settings_page(request):
    if request.method == "POST":
        wanted = set(request.POST.getlist("wanted"))
        set_opt_outs(
            user=request.user, kinds=[k for k, _label in optional_kinds() if k not in wanted]
        )
        messages.success(request, _("Your reminder settings were saved."))
        return redirect("notifications:settings")
    off = opted_out(request.user)
    kinds = [{"code": k, "label": label, "on": k not in off} for k, label in optional_kinds()]
    return render(request, "notifications/settings.html", {"kinds": kinds})


@access(can_read_outbox)
def outbox_page(request):
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    box = outbox(status=status, kind=kind, q=q)
    page = Paginator(box.rows, PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in {"status": status, "kind": kind, "q": q}.items() if v})
    return render(
        request,
        "notifications/outbox.html",
        {
            "page": page,
            "page_query": f"{query}&" if query else "",
            "status": status,
            "kind": kind,
            "q": q,
            "statuses": EmailStatus.choices,
            "kinds": Kind.choices,
            "counts": [(s, label, box.counts.get(s, 0)) for s, label in EmailStatus.choices],
        },
    )


@access(can_read_outbox)
@require_POST
def outbox_retry(request):
    n = retry_failed()
    if n:
        messages.success(request, _("%(n)s failed e-mails were queued again.") % {"n": n})
    else:
        messages.info(request, _("No failed e-mail to send again."))
    return redirect("notifications:outbox")
