from django import template

from serviceeval.core.formfields import roc_date_input as _roc_date_input
from serviceeval.core.roc import format_roc_date, format_roc_year

register = template.Library()


@register.filter
def roc(value):
    """民國105年9月1日"""
    return format_roc_date(value)


@register.filter
def roc_time(value):
    """民國105年9月1日 14:30"""
    return format_roc_date(value, with_time=True)


@register.filter
def roc_year(value):
    return format_roc_year(value)


@register.simple_tag
def roc_date_input(name, *id_parts, with_time=False):
    """{% roc_date_input "on" "s" n.pk "-on" %}: a date box named `on` with the id
    `s12-on`, for a form written by hand (see core.formfields.roc_date_input); the
    view reads it with a RocDateField."""
    return _roc_date_input(name, "".join(str(p) for p in id_parts), with_time=with_time)
