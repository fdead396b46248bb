"""`{% sort_header listing "name" label %}`: a sortable column header (issue 12 item 4)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()

ARROWS = {"ascending": "▲", "descending": "▼", "none": ""}


@register.simple_tag
def sort_header(listing, key, label, css=""):
    query, state = listing.sort_link(key)
    hint = {
        "ascending": _("sorted ascending; select to sort descending"),
        "descending": _("sorted descending; select to sort ascending"),
        "none": _("select to sort by this column"),
    }[state]
    return format_html(
        '<th scope="col"{}{}><a href="?{}" class="sort">{}<span aria-hidden="true"> {}</span>'
        '<span class="visually-hidden">（{}）</span></a></th>',
        format_html(' aria-sort="{}"', state) if state != "none" else "",
        format_html(' class="{}"', css) if css else "",
        query,
        label,
        ARROWS[state],
        hint,
    )
