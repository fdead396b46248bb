"""The reviewer's own inputs of one criterion on the scoring sheet, written in Python:
26 criteria of template nodes were most of the sheet's time (SPEC §5 pages). Live on
every request (never in a fragment): the stored or typed score and comment, the error."""

import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..presentation import points

register = template.Library()


@register.simple_tag
def sheet_inputs(row, read_only, step=""):
    """Issue 13 item 3: the score input carries min, max and step (the form is
    `novalidate`, so the server's error summary names every bad criterion) and the
    dimension it adds to, for the running total."""
    node = row["node"]
    code = node.code
    readonly = mark_safe(" readonly") if read_only else ""
    score = row.get("score", "")
    # A number input shows nothing for text that is not a number: what was typed is
    # kept as text until it is corrected.
    kind = "number" if _is_number(score) else "text"
    error = row.get("error") or ""
    invalid = error_span = ""
    if error:
        invalid = format_html(' aria-invalid="true" aria-describedby="err_{}"', code)
        error_span = format_html('<span class="field-error" id="err_{}">{}</span>', code, error)
    return format_html(
        '<p><label for="score_{0}">{1} {0}</label>\n'
        '<input id="score_{0}" name="score_{0}" value="{2}" type="{11}" min="0" max="{8}"'
        ' step="{9}" inputmode="decimal" data-dimension="{10}"{3}{4}>\n'
        "{5}</p>\n"
        '<p><label for="comment_{0}">{6} {0}</label>\n'
        '<textarea id="comment_{0}" name="comment_{0}" rows="2"{3}>{7}</textarea></p>',
        code,
        _("Score"),
        score,
        readonly,
        invalid,
        error_span,
        _("Comment"),
        row.get("comment", ""),
        points(node.max_points),
        step or "any",
        row.get("dimension", ""),
        kind,
    )


NUMBER = re.compile(r"^\s*(\d+(\.\d*)?|\.\d+)?\s*$")


def _is_number(text) -> bool:
    """Empty, or a plain non-negative decimal a number input can show."""
    return bool(NUMBER.match(str(text)))
