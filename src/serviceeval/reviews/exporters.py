"""Exports of scores and results (CSV / XLSX / ODS), deterministic bytes."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from serviceeval.core.roc import format_roc_year
from serviceeval.exports.writers import (
    FIXED_ZIP_TIME,
    Block,
    Sheet,
    blocks_to_html,
    render_pdf,
    write_csv,
    write_ods,
    write_odt,
    write_xlsx,
)

from .services import LONG_HEADER, long_format_rows, results_table, spec_of

WRITERS = {"xlsx": write_xlsx, "ods": write_ods}


def _write(sheet: Sheet, fmt: str) -> bytes:
    if fmt == "csv":
        return write_csv(sheet)
    return WRITERS[fmt]([sheet])


def long_format_bytes(cycle, fmt: str) -> tuple[bytes, int]:
    """The long-format score export; its machine column names (agency, reviewer,
    criterion, score, comment) are the `import_scores` columns, so it re-imports."""
    rows = long_format_rows(cycle)
    sheet = Sheet(f"scores-{cycle.year}", LONG_HEADER, rows)
    if fmt == "xlsx":
        return write_xlsx([sheet]), len(rows)
    if fmt == "ods":
        return stream_ods(sheet), len(rows)
    return _write(sheet, fmt), len(rows)


def _xml_text(value) -> str:
    text = escape(str(value), {'"': "&quot;"})
    return _CONTROL.sub("", text)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def results_sheet(cycle) -> Sheet:
    spec = spec_of(cycle)
    names = {g.code: g.name for g in spec.grades}
    header = [
        _("Group"),
        _("Agency code"),
        _("Agency"),
        _("Status"),
        _("Total"),
        _("Grade"),
        _("Re-evaluation total"),
        _("Final grade"),
        _("Rank"),
        _("Tie-break"),
    ]
    rows = [
        [
            r.group_name or r.group or "",
            r.code,
            r.name,
            _("complete") if r.status == "complete" else _("incomplete"),
            r.total,
            names.get(r.grade, r.grade or ""),
            r.re_total,
            names.get(r.final_grade, r.final_grade or ""),
            r.rank,
            r.tie_break,
        ]
        for r in results_table(cycle)
    ]
    return Sheet(f"results-{cycle.year}", header, rows)


def results_bytes(cycle, fmt: str) -> bytes:
    return _write(results_sheet(cycle), fmt)


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'office:version="1.2"'
)


def stream_ods(sheet: Sheet) -> bytes:
    """A minimal, deterministic ODS spreadsheet written straight as XML (ODF is
    required of public documents; odfpy builds a DOM too large for 260,000 rows)."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<office:document-content {_ODS_NS}>"
        '<office:automatic-styles><style:style style:name="h" style:family="table-cell">'
        '<style:text-properties fo:font-weight="bold"/></style:style></office:automatic-styles>'
        f'<office:body><office:spreadsheet><table:table table:name="{_xml_text(sheet.title[:31])}">'
    ]
    parts.append(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell table:style-name="h" office:value-type="string">'
            f"<text:p>{_xml_text(h)}</text:p></table:table-cell>"
            for h in sheet.header
        )
        + "</table:table-row>"
    )
    for row in sheet.rows:
        cells = []
        for value in row:
            if value is None or value == "":
                cells.append("<table:table-cell/>")
            elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                text = format(value, "f") if isinstance(value, Decimal) else str(value)
                cells.append(
                    f'<table:table-cell office:value-type="float" office:value="{text}">'
                    f"<text:p>{text}</text:p></table:table-cell>"
                )
            else:
                cells.append(
                    f'<table:table-cell office:value-type="string"><text:p>{_xml_text(value)}'
                    "</text:p></table:table-cell>"
                )
        parts.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    parts.append("</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        info = zipfile.ZipInfo("mimetype", date_time=FIXED_ZIP_TIME)
        info.compress_type = zipfile.ZIP_STORED
        zf.writestr(info, b"application/vnd.oasis.opendocument.spreadsheet")
        for name, content in (("META-INF/manifest.xml", manifest), ("content.xml", "".join(parts))):
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content.encode("utf-8"), compresslevel=1)
    return out.getvalue()


def feedback_bytes(ctx: dict, fmt: str) -> bytes:
    """The per-agency feedback report (views._feedback_context) as ODT or PDF."""
    cycle, agency, result = ctx["cycle"], ctx["agency"], ctx["result"]
    title = f"{format_roc_year(cycle.year)} {agency.name} {_('Feedback report')}"
    facts = []
    if result is not None:
        facts = [
            f"{_('Total')}: {result.total}",
            f"{_('Grade')}: {ctx['grade']}",
            f"{_('Final grade')}: {ctx['final_grade']}",
            f"{_('Rank in group')}: {result.rank or '—'}",
        ]
        if result.re_total is not None:
            facts.insert(2, f"{_('Re-evaluation total')}: {result.re_total}")
    else:
        facts = [_("Not published yet: the figures below are provisional.")]
    if ctx["previous"] is not None:
        prev = ctx["previous"]
        facts.append(
            f"{_('Last time')} ({format_roc_year(prev.cycle.year)}): {prev.total} {ctx['prev_grade']}"
        )
    rows = [
        [
            f"{r['node'].code} {r['node'].name}",
            r["node"].max_points,
            r["panel"],
            r["self"],
            r["last"],
            "；".join(r["comments"]),
        ]
        for r in ctx["rows"]
    ]
    blocks = [
        Block("paragraph", "\n".join(facts)),
        Block("heading", _("Panel score, self score and comments per criterion"), level=2),
        Block(
            "table",
            header=[
                _("Criterion"),
                _("Max"),
                _("Panel score"),
                _("Self score"),
                _("Last time"),
                _("Panel comments"),
            ],
            rows=rows,
        ),
    ]
    items = list(ctx["improvements"])
    if items:
        blocks.append(Block("heading", _("Improvement items"), level=2))
        blocks.append(
            Block(
                "table",
                header=[_("Item"), _("Deadline"), _("Status")],
                rows=[[i.text, i.deadline, i.get_status_display()] for i in items],
            )
        )
    if fmt == "odt":
        return write_odt(title, blocks)
    return render_pdf(blocks_to_html(title, blocks))
