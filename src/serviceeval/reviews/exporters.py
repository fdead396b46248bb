"""Exports of scores and results (CSV / XLSX / ODS / PDF), the feedback report and
the improvement letter (函, HSC-12), deterministic bytes. The documents carry the
header, page numbers, draft mark and signature block of `exports.documents`."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from serviceeval.core.roc import format_roc_date, format_roc_year
from serviceeval.exports.documents import column_widths, meta_for_cycle
from serviceeval.exports.writers import (
    FIXED_ZIP_TIME,
    Block,
    Sheet,
    blocks_to_html,
    ods_column_cm,
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


def results_title(cycle) -> str:
    return f"{format_roc_year(cycle.year)}度 {cycle.program.name} {_('Results')}"


def results_bytes(cycle, fmt: str) -> bytes:
    """The results table; the XLSX/ODS and the PDF carry the document header (a
    draft until published) and the PDF the signature block."""
    sheet = results_sheet(cycle)
    if fmt == "csv":
        return write_csv(sheet)
    meta = meta_for_cycle(cycle, results_title(cycle), signatures=True, landscape=True)
    if fmt == "pdf":
        rows = [list(r) for r in sheet.rows]
        return render_pdf(
            blocks_to_html(meta.title, [Block("table", header=sheet.header, rows=rows)], meta)
        )
    return WRITERS[fmt]([sheet], meta)


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
    # Column widths from the header and the first rows; the header row frozen
    # (settings.xml), as `write_ods` does.
    widths = [ods_column_cm(w) for w in column_widths(sheet.header, sheet.rows)]
    sizes = sorted(set(widths))
    column_styles = "".join(
        f'<style:style style:name="co{n}" style:family="table-column">'
        f'<style:table-column-properties style:column-width="{size}"/></style:style>'
        for n, size in enumerate(sizes, start=1)
    )
    columns = "".join(
        f'<table:table-column table:style-name="co{sizes.index(size) + 1}"/>' for size in widths
    )
    name = _xml_text(sheet.title[:31])
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<office:document-content {_ODS_NS}>"
        '<office:automatic-styles><style:style style:name="h" style:family="table-cell">'
        '<style:text-properties fo:font-weight="bold"/></style:style>'
        f"{column_styles}</office:automatic-styles>"
        f'<office:body><office:spreadsheet><table:table table:name="{name}">{columns}'
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
        '<manifest:file-entry manifest:full-path="settings.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    frozen = "".join(
        f'<config:config-item config:name="{key}" config:type="{kind}">{value}</config:config-item>'
        for key, kind, value in (
            ("HorizontalSplitMode", "short", 0),
            ("VerticalSplitMode", "short", 2),
            ("HorizontalSplitPosition", "int", 0),
            ("VerticalSplitPosition", "int", 1),
            ("ActiveSplitRange", "short", 2),
            ("PositionTop", "int", 0),
            ("PositionBottom", "int", 1),
        )
    )
    settings = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document-settings xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0" office:version="1.2">'
        '<office:settings><config:config-item-set config:name="ooo:view-settings">'
        '<config:config-item-map-indexed config:name="Views"><config:config-item-map-entry>'
        '<config:config-item config:name="ViewId" config:type="string">view1</config:config-item>'
        '<config:config-item-map-named config:name="Tables">'
        f'<config:config-item-map-entry config:name="{name}">{frozen}</config:config-item-map-entry>'
        "</config:config-item-map-named></config:config-item-map-entry>"
        "</config:config-item-map-indexed></config:config-item-set></office:settings>"
        "</office:document-settings>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        info = zipfile.ZipInfo("mimetype", date_time=FIXED_ZIP_TIME)
        info.compress_type = zipfile.ZIP_STORED
        zf.writestr(info, b"application/vnd.oasis.opendocument.spreadsheet")
        for member, content in (
            ("META-INF/manifest.xml", manifest),
            ("content.xml", "".join(parts)),
            ("settings.xml", settings),
        ):
            info = zipfile.ZipInfo(member, date_time=FIXED_ZIP_TIME)
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
                rows=[[i.text, format_roc_date(i.deadline), i.get_status_display()] for i in items],
            )
        )
    meta = meta_for_cycle(cycle, title, landscape=True)
    if fmt == "odt":
        return write_odt(title, blocks, meta)
    return render_pdf(blocks_to_html(title, blocks, meta))


def _criterion_names(cycle) -> dict[str, str]:
    names: dict[str, str] = {}
    for category in spec_of(cycle).categories:
        for node in category.nodes():
            names.setdefault(node.code, node.name)
    return names


def improvement_letter_bytes(cycle, agency, items, fmt: str, *, today) -> bytes:
    """HSC-12: the letter (函) that sends an agency its improvement items: the
    addressee, the date of issue, the subject, the explanation with the items
    (criterion, what is to improve, deadline in the ROC calendar, status) and the
    signature block. PDF or ODT, portrait A4."""
    items = list(items)
    program = cycle.program.name
    cycle_text = f"{format_roc_year(cycle.year)}度"
    meta = replace(
        meta_for_cycle(cycle, _("Improvement letter"), signatures=True, issued=today),
        issued="",
    )
    names = _criterion_names(cycle)
    head = [
        _("Addressee: %(agency)s") % {"agency": agency.name},
        _("Date of issue: %(date)s") % {"date": format_roc_date(today)},
        _(
            "Subject: the %(count)s improvement items of the %(cycle)s %(program)s; please improve each by its deadline and report what was done."
        )
        % {"count": len(items), "cycle": cycle_text, "program": program},
    ]
    rows = [
        [
            n,
            " ".join(filter(None, [i.criterion, names.get(i.criterion, "")])) or "—",
            i.text,
            format_roc_date(i.deadline),
            i.get_status_display(),
        ]
        for n, i in enumerate(items, start=1)
    ]
    blocks = [
        Block("paragraph", "\n".join(head)),
        Block("heading", _("Explanation:"), level=3),
        Block(
            "paragraph",
            "\n".join(
                [
                    _(
                        "1. Under HSC-12 of %(program)s the agency improves the items found in the evaluation; the program office follows each item to closure."
                    )
                    % {"program": program},
                    _("2. The items and their deadlines:"),
                ]
            ),
        ),
        Block(
            "table",
            header=[_("No."), _("Criterion"), _("Improvement item"), _("Deadline"), _("Status")],
            rows=rows,
        ),
        Block(
            "paragraph",
            "\n".join(
                [
                    _(
                        "3. Before each deadline, answer the item on the improvement items page with what was done and the evidence."
                    ),
                    _("Original: %(agency)s") % {"agency": agency.name},
                    _("Copy: the program office"),
                ]
            ),
        ),
    ]
    if fmt == "odt":
        return write_odt(meta.title, blocks, meta)
    return render_pdf(blocks_to_html(meta.title, blocks, meta))
