from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from serviceeval.core.roc import format_roc_date
from serviceeval.engine.growth import format_growth, growth_rate

from ..enums import NOT_STARTED, EventKind, Kind, LinkStatus, State

register = template.Library()

TAG_CLASS = {
    NOT_STARTED: "",
    State.DRAFT: "",
    State.AWAITING_APPROVAL: "warn",
    State.APPROVED: "ok",
    State.SUBMITTED: "ok",
    State.RETURNED: "warn",
    State.ACCEPTED: "ok",
}


_STATE_LABELS: dict[str, dict[str, str]] = {}


def _state_labels() -> dict[str, str]:
    """The state labels in the active language, built once per language."""
    language = get_language() or ""
    labels = _STATE_LABELS.get(language)
    if labels is None:
        labels = {NOT_STARTED: _("Not started"), **{v: str(label) for v, label in State.choices}}
        _STATE_LABELS[language] = labels
    return labels


@register.filter
def state_label(value):
    return _state_labels().get(value, value)


_ANY_ID = "/987654321/"


@lru_cache(maxsize=64)
def _detail_url(prefix, year, kind) -> str:
    """The detail URL of a kind with a placeholder agency id (one reverse a kind)."""
    return reverse("submissions:detail", args=[year, kind, int(_ANY_ID.strip("/"))])


@lru_cache(maxsize=256)
def _roc_time(moment, timezone_name) -> str:
    """Deadlines repeat (one milestone for most cells): each formatted once."""
    return format_roc_date(moment, with_time=True)


@register.simple_tag
def status_cell(cell, year, agency_id):
    """One cell of the office's status page, the HTML of submissions/_cell.html written
    in Python: 200 template includes were most of the page's time (SPEC §5 pages)."""
    if not cell.get("required"):
        return format_html('<span class="empty">{}</span>', _("Not required"))
    url = _detail_url(get_script_prefix(), year, cell["kind"]).replace(_ANY_ID, f"/{agency_id}/")
    state = cell["state"]
    tags = []
    if cell.get("overdue"):
        tags.append(format_html(' <span class="tag bad">{}</span>', _("Overdue")))
    if cell.get("reopen"):
        tags.append(format_html(' <span class="tag warn">{}</span>', _("Reopened")))
    deadline = (
        _roc_time(cell["deadline"], get_current_timezone_name()) if cell.get("deadline") else "—"
    )
    return format_html(
        '<a href="{}"><span class="tag {}">{}</span></a>{}<br><small>{}: {}</small>',
        url,
        TAG_CLASS.get(state, ""),
        state_label(state),
        mark_safe("".join(tags)),  # noqa: S308 (each tag is escaped by format_html above)
        _("Deadline"),
        deadline,
    )


@register.filter
def state_class(value):
    return TAG_CLASS.get(value, "")


@register.filter
def kind_label(value):
    return dict(Kind.choices).get(value, value)


@register.filter
def event_label(value):
    return dict(EventKind.choices).get(value, value)


@register.filter
def return_label(value):
    """Who returned it: the program office, or the agency's head (CITY-2)."""
    if value == EventKind.HEAD_RETURN:
        return _("Returned to the officer by the head")
    return _("Returned by the program office")


@register.filter
def link_label(value):
    return dict(LinkStatus.choices).get(value, value)


@register.filter
def dget(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def growth(this_year, last_year):
    return format_growth(growth_rate(this_year, last_year))
