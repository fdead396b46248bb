"""The reviewer's own inputs of one criterion on the scoring sheet, written in Python:
26 criteria of template nodes were most of the sheet's time (SPEC §5 pages). Live on
every request (never in a fragment): the stored or typed score and comment, the error."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def sheet_inputs(row, read_only):
    code = row["node"].code
    readonly = mark_safe(" readonly") if read_only else ""
    error = row.get("error") or ""
    invalid = error_span = ""
    if error:
        invalid = format_html(' aria-invalid="true" aria-describedby="err_{}"', code)
        error_span = format_html('<span class="field-error" id="err_{}">{}</span>', code, error)
    return format_html(
        '<p><label for="score_{0}">{1} {0}</label>\n'
        '<input id="score_{0}" name="score_{0}" value="{2}" inputmode="decimal" size="6"{3}{4}>\n'
        "{5}</p>\n"
        '<p><label for="comment_{0}">{6} {0}</label>\n'
        '<textarea id="comment_{0}" name="comment_{0}" rows="2"{3}>{7}</textarea></p>',
        code,
        _("Score"),
        row.get("score", ""),
        readonly,
        invalid,
        error_span,
        _("Comment"),
        row.get("comment", ""),
    )
