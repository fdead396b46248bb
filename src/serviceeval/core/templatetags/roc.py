from django import template

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
