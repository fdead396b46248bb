from django import template
from django.utils.translation import gettext as _

from serviceeval.engine.growth import format_growth, growth_rate

from ..enums import NOT_STARTED, EventKind, Kind, LinkStatus, State

register = template.Library()

TAG_CLASS = {
    NOT_STARTED: "",
    State.DRAFT: "",
    State.APPROVED: "ok",
    State.SUBMITTED: "ok",
    State.RETURNED: "warn",
    State.ACCEPTED: "ok",
}


@register.filter
def state_label(value):
    if value == NOT_STARTED:
        return _("Not started")
    return dict(State.choices).get(value, value)


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
def link_label(value):
    return dict(LinkStatus.choices).get(value, value)


@register.filter
def dget(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def growth(this_year, last_year):
    return format_growth(growth_rate(this_year, last_year))
