"""What an office document carries besides its rows (issue 15 item 5).

`DocumentMeta` is the document header every PDF, ODT, ODS and XLSX export prints:
the issuing city government, the title, the cycle, the date of issue, page numbers
(第 x 頁／共 y 頁), a signature block where the document needs one and a 草案
(draft) mark on every page until the cycle's results are published. The exports
app imports no app: `meta_for_cycle` reads a cycle the way every app's exporter
holds one (`year`, `program.city`, `results_published_at`).

Column widths are estimated from the text (`text_width`: a CJK character counts
two, as it prints two half-width cells), so names, kinds and 嘉獎 fit on one line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice

from django.utils import timezone
from django.utils.translation import gettext as _

from serviceeval.core.roc import format_roc_date

# Widths are in half-width character cells (a CJK character is two).
WIDTH_SAMPLE = 500  # rows read to estimate widths; the long exports pass a list
MIN_WIDTH = 4
MAX_WIDTH = 60
# A column whose longest text is at most this many cells never wraps in a PDF or an
# ODT: names, agencies, kinds (嘉獎), codes, points, dates. Longer text (reasons,
# comments, criteria) wraps in the room that is left.
NOWRAP_LIMIT = 32


@dataclass(frozen=True)
class DocumentMeta:
    """The header, footer and marks of one document. `city` is the issuing body
    (新竹市政府), `cycle` its label (民國105年度), `issued` the date of issue as
    printed (民國115年3月5日)."""

    title: str
    city: str = ""
    cycle: str = ""
    issued: str = ""
    draft: bool = False
    signatures: bool = False
    landscape: bool = False

    @property
    def header_left(self) -> str:
        return "　".join(filter(None, [self.city, self.title]))

    @property
    def head_line(self) -> str:
        """The line under the title: the cycle and the date of issue."""
        issued = labels().issued % {"date": self.issued} if self.issued else ""
        return "　".join(filter(None, [self.cycle, issued]))

    @property
    def header_right(self) -> str:
        return "　".join(filter(None, [self.cycle, labels().draft if self.draft else ""]))


@dataclass(frozen=True)
class Labels:
    """The words a document prints around its content, in the active language."""

    draft: str
    draft_note: str
    issued: str  # "製表日期：%(date)s"
    no_rows: str
    page_before: str  # the page pattern around the two numbers: 第 | 頁／共 | 頁
    page_between: str
    page_after: str
    signatures: tuple[str, ...] = field(default=())

    def page_text(self, page: int | str, pages: int | str) -> str:
        return f"{self.page_before}{page}{self.page_between}{pages}{self.page_after}"


def labels() -> Labels:
    pattern = _("Page {page} of {pages}")
    before, rest = (pattern.split("{page}", 1) + [""])[:2]
    between, after = (rest.split("{pages}", 1) + [""])[:2]
    return Labels(
        draft=_("DRAFT"),
        draft_note=_("Draft: the results of this cycle are not published yet."),
        issued=_("Issued: %(date)s"),
        no_rows=_("(none)"),
        page_before=before,
        page_between=between,
        page_after=after,
        signatures=(_("Prepared by"), _("Head of unit"), _("Head of agency")),
    )


def cycle_label(year: int) -> str:
    return f"民國{year}年度"


def issuing_body(city: str) -> str:
    """新竹市 → 新竹市政府 (the program office writes for the city government)."""
    city = (city or "").strip()
    if not city or city.endswith("政府"):
        return city
    return f"{city}政府"


def meta_for_cycle(
    cycle,
    title: str,
    *,
    signatures: bool = False,
    landscape: bool = False,
    issued: date | None = None,
) -> DocumentMeta:
    """The header of a document of `cycle`: a draft until its results are published.
    Issued on the publication date once published (the same bytes on every
    download), else today."""
    published = getattr(cycle, "results_published_at", None)
    when = issued or (timezone.localdate(published) if published else timezone.localdate())
    return DocumentMeta(
        title=title,
        city=issuing_body(getattr(cycle.program, "city", "")),
        cycle=cycle_label(cycle.year),
        issued=format_roc_date(when),
        draft=published is None,
        signatures=signatures,
        landscape=landscape,
    )


def text_width(value) -> int:
    """Printed width of a text in half-width cells (East Asian wide/full = 2)."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _longest_line(value) -> int:
    text = "" if value is None else str(value)
    return max((text_width(line) for line in text.splitlines()), default=0)


def column_widths(header: Sequence, rows: Iterable[Sequence]) -> list[int]:
    """Width of each column in half-width cells, from the header and the first
    WIDTH_SAMPLE rows (read from a list, never from a one-pass iterator)."""
    widths = [max(MIN_WIDTH, _longest_line(h)) for h in header]
    sample = islice(rows, WIDTH_SAMPLE) if isinstance(rows, Sequence) else ()
    for row in sample:
        for c, value in enumerate(row):
            if c < len(widths):
                widths[c] = max(widths[c], _longest_line(_plain(value)))
    return [min(w, MAX_WIDTH) for w in widths]


def _plain(value):
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def nowrap_columns(widths: Sequence[int], room: int) -> list[bool]:
    """Which columns print on one line: the short ones, as long as together they
    leave room (`room` cells across the page) for the long ones."""
    keep = [w <= NOWRAP_LIMIT for w in widths]
    # The widest kept columns give way first when the short ones alone overfill.
    for c in sorted(range(len(widths)), key=lambda i: -widths[i]):
        if sum(w + 2 for w, k in zip(widths, keep, strict=True) if k) <= room:
            break
        keep[c] = False
    return keep


_CSS_STRING = re.compile(r'["\\\n]')


def css_string(text: str) -> str:
    """A CSS string literal (content: "...")."""
    return '"' + _CSS_STRING.sub(lambda m: "\\" + format(ord(m.group()), "x") + " ", text) + '"'


CELL_PADDING = 2  # half-width cells of padding and border per column


def fit_columns(widths: Sequence[int], room: int) -> tuple[list[float], list[bool]]:
    """Column widths across a page of `room` half-width cells, and which columns
    print on one line. A one-line column gets its whole text width; the columns
    that wrap share the rest in proportion to their text; with none that wraps the
    columns are widened in proportion to fill the page."""
    keep = nowrap_columns(widths, room)
    need = [w + CELL_PADDING for w in widths]
    fixed = sum(n for n, k in zip(need, keep, strict=True) if k)
    wrap = [c for c, k in enumerate(keep) if not k]
    out = [float(n) for n in need]
    if wrap:
        rest = max(room - fixed, 10 * len(wrap))
        total = sum(need[c] for c in wrap)
        for c in wrap:
            out[c] = rest * need[c] / total
    elif 0 < fixed < room:
        out = [n * room / fixed for n in need]
    return out, keep
