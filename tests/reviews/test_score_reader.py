"""The calamine reader (`core.tabular.read_rows`, also `reviews.tabular.read_score_rows`)
reads every cell as the openpyxl reader did (read_only, data_only): shared and
inline strings, rich text, numbers given as int, float or text, dates, times and
durations, booleans, formulas' cached values, cells and rows without a reference,
empty and trailing rows, prefixed namespaces and the 1904 date system."""

import datetime
import zipfile

import pytest
from openpyxl import Workbook

from serviceeval.core.tabular import TabularError, read_rows
from serviceeval.reviews.tabular import read_score_rows

REQUIRED = ("agency", "reviewer", "criterion", "score")
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def same_as_openpyxl(path, required=REQUIRED):
    fast = read_score_rows(path, required)
    assert fast == read_rows(path, required)
    return fast


def test_openpyxl_workbook_with_numbers_dates_and_trailing_rows(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append([" Agency ", "REVIEWER", "criterion", "Score", "comment"])
    ws.append(["A1", "r1", "1.1.1.1", 54, " 意見 "])  # int
    ws.append(["A1", "r1", "1.1.1.2", 12.5, None])  # float
    ws.append([None, None, None, None, None])  # an empty row in the middle
    ws.append(["A1", "r1", "1.1.1.3", 48.0, "整數的浮點數"])  # float with no fraction
    ws.append(["A1", "r1", "1.1.1.4", "47.5", "分數是文字"])  # number given as text
    ws.append(["A1", "r1", "1.1.1.5", " 46 ", datetime.date(2026, 3, 5)])  # a date cell
    ws.append(["A1", "r1", "1.2.1", 1e2, datetime.datetime(2026, 3, 5, 14, 30)])
    ws.append(["A1", "r1", "1.2.2", 0.1, datetime.time(9, 15)])
    ws.append(["A1", "r1", "1.2.3", -3, datetime.timedelta(hours=36)])
    ws.append([1234, True, "=1+1", 7, "line1\nline2"])  # formula without a cached value
    ws["G3"] = "stray"  # a column beyond the header
    ws["A20"].number_format = "0.00"  # styled but empty: trailing empty rows in the file
    ws["C25"].number_format = "yyyy-mm-dd"
    wb.save(tmp_path / "a.xlsx")

    rows = same_as_openpyxl(tmp_path / "a.xlsx")
    by_criterion = {r["criterion"]: (n, r) for n, r in rows}
    assert [n for n, _ in rows] == [2, 3, 5, 6, 7, 8, 9, 10, 11]
    assert by_criterion["1.1.1.1"][1]["score"] == "54"
    assert by_criterion["1.1.1.1"][1]["comment"] == "意見"
    assert by_criterion["1.1.1.2"][1]["score"] == "12.5"
    assert by_criterion["1.1.1.3"][1]["score"] == "48"
    assert by_criterion["1.1.1.4"][1]["score"] == "47.5"
    assert by_criterion["1.1.1.5"][1] == {
        "agency": "A1",
        "reviewer": "r1",
        "criterion": "1.1.1.5",
        "score": "46",
        "comment": "2026-03-05 00:00:00",
        "": "",
    }
    assert by_criterion["1.2.1"][1]["comment"] == "2026-03-05 14:30:00"
    assert by_criterion["1.2.2"][1]["comment"] == "09:15:00"
    assert by_criterion["1.2.3"][1]["comment"] == "1 day, 12:00:00"
    assert rows[-1][1]["reviewer"] == "True"
    assert rows[-1][1]["criterion"] == ""


def test_write_only_workbook_inline_strings(tmp_path):
    """The bench's national file is written this way (inline strings)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["agency", "reviewer", "criterion", "score", "comment"])
    for i in range(60):
        ws.append(
            [f"N{i:04d}", f"rev{i % 7:03d}", f"1.{i % 26}", str(i / 2), "評語" if i % 3 else None]
        )
    ws.append([])
    wb.save(tmp_path / "w.xlsx")
    assert len(same_as_openpyxl(tmp_path / "w.xlsx")) == 60


def _package(path, sheet, *, strings=None, date1904=None, prefix="", dimension="A1:G21"):
    """A minimal XLSX written by hand: the constructs openpyxl never writes."""
    dimension = f'<dimension ref="{dimension}"/>' if dimension else ""
    workbook_pr = "<workbookPr/>" if date1904 is None else f'<workbookPr date1904="{date1904}"/>'
    styles = f"""<styleSheet xmlns="{MAIN}">
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy/mm/dd"/>
<numFmt numFmtId="165" formatCode="[h]:mm:ss"/></numFmts>
<fonts count="1"><font/></fonts><fills count="1"><fill><patternFill/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="6"><xf numFmtId="0" xfId="0"/><xf numFmtId="14" xfId="0"/>
<xf numFmtId="164" xfId="0"/><xf numFmtId="165" xfId="0"/><xf numFmtId="20" xfId="0"/>
<xf numFmtId="2" xfId="0"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""
    ns = f'xmlns{":" + prefix[:-1] if prefix else ""}="{MAIN}"'
    body = (dimension + f"<sheetData>{sheet}</sheetData>").replace("<", "<" + prefix)
    body = body.replace("<" + prefix + "/", "</" + prefix)  # end tags
    parts = {
        "[Content_Types].xml": f"""<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>
{f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>' if strings else ""}
</Types>""",
        "_rels/.rels": f"""<Relationships xmlns="{PKG_REL}">
<Relationship Id="rId1" Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>""",
        "xl/workbook.xml": f"""<workbook xmlns="{MAIN}" xmlns:r="{DOC_REL}">{workbook_pr}
<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>""",
        "xl/_rels/workbook.xml.rels": f"""<Relationships xmlns="{PKG_REL}">
<Relationship Id="rId1" Type="{DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{DOC_REL}/styles" Target="styles.xml"/>
{f'<Relationship Id="rId3" Type="{DOC_REL}/sharedStrings" Target="sharedStrings.xml"/>' if strings else ""}
</Relationships>""",
        "xl/styles.xml": styles,
        "xl/worksheets/sheet1.xml": f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<{prefix}worksheet {ns}>{body}</{prefix}worksheet>""",
    }
    if strings:
        parts["xl/sharedStrings.xml"] = (
            f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
            + "".join(strings)
            + "</sst>"
        )
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return path


STRINGS = [
    "<si><t>agency</t></si>",
    '<si><r><rPr><b/></rPr><t>A</t></r><r><t xml:space="preserve">1 </t></r></si>',
    '<si><t>台北</t><rPh sb="0" eb="2"><t>タイペイ</t></rPh><phoneticPr fontId="1"/></si>',
    "<si><t>a_x005F_x000D_b</t></si>",
    "<si><t>&lt;&amp;&gt; &#x41;&#12354;</t></si>",
    '<si><t xml:space="preserve">  前後空白  </t></si>',
]
SHEET = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Reviewer</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>criterion</t></is></c>'
    '<c r="D1" t="inlineStr"><is><t>score</t></is></c>'
    '<c r="E1" t="inlineStr"><is><t>comment</t></is></c></row>'
    # shared strings with runs, a phonetic run, x005F_, entities; numbers in all forms
    '<row r="2" spans="1:5"><c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>2</v></c>'
    '<c r="C2" t="s"><v>3</v></c><c r="D2"><v>1E2</v></c><c r="E2" t="s"><v>4</v></c></row>'
    '<row r="3"><c r="A3" t="n"><v>12.50</v></c><c r="B3" t="b"><v>1</v></c>'
    '<c r="C3" t="e"><v>#N/A</v></c><c r="D3" t="str"><f>A1</f><v>007</v></c>'
    '<c r="E3"><f>1+1</f><v>2</v></c></row>'
    # dates: a built-in and a custom date format, a duration, a time, an ISO cell
    '<row r="4"><c r="A4" s="1"><v>45356</v></c><c r="B4" s="2"><v>45356.5</v></c>'
    '<c r="C4" s="3"><v>1.5</v></c><c r="D4" s="4"><v>0.25</v></c>'
    '<c r="E4" t="d"><v>2024-03-05T10:20:30</v></c></row>'
    # cells and rows without a reference; a referenced cell, then unreferenced ones
    '<row r="6"><c t="inlineStr"><is><t>x</t></is></c><c><v>5</v></c>'
    '<c r="D6" s="5"><v>-0.5</v></c><c t="s"><v>5</v></c></row>'
    "<row><c><v>1</v></c><c><v>2</v></c></row>"
    # inline rich text with a phonetic run; an empty <v>; an empty styled cell
    '<row r="9"><c r="A9" t="inlineStr"><is><r><t>機</t></r><r><t>關</t></r>'
    '<rPh sb="0" eb="1"><t>き</t></rPh></is></c><c r="B9"><v></v></c>'
    '<c r="C9" s="1"/><c r="E9" t="inlineStr"><is><t xml:space="preserve"> a\r\nb </t></is></c>'
    "</row>"
    # empty rows, a gap, trailing empty rows
    '<row r="10"/><row r="11"><c r="A11" s="2"/></row>'
    '<row r="13"><c r="A13" t="inlineStr"><is><t>last</t></is></c><c r="G13"><v>9</v></c></row>'
    '<row r="20"><c r="B20" s="1"/></row><row r="21"/>'
)


@pytest.mark.parametrize("date1904", [None, "1", "true", "false", "0"])
def test_hand_written_cells_read_as_openpyxl_reads_them(tmp_path, date1904):
    path = _package(tmp_path / "h.xlsx", SHEET, strings=STRINGS, date1904=date1904)
    rows = same_as_openpyxl(path, ("agency", "reviewer"))
    assert [n for n, _ in rows] == [2, 3, 4, 6, 7, 9, 13]
    assert list(rows[0][1].values())[:5] == ["A1", "台北", "a_x000D_b", "100", "<&> Aあ"]
    assert list(rows[1][1].values())[:5] == ["12.5", "True", "#N/A", "007", "2"]
    assert rows[3][1]["agency"] == "x"
    assert rows[4][1]["agency"] == "1"
    assert rows[5][1]["agency"] == "機關"
    assert rows[5][1]["comment"] == "a\nb"
    dates = list(rows[2][1].values())[:5]
    if date1904 in ("1", "true"):
        assert dates[:2] == ["2028-03-06 00:00:00", "2028-03-06 12:00:00"]
    else:
        assert dates[:2] == ["2024-03-05 00:00:00", "2024-03-05 12:00:00"]
    assert dates[2:] == ["1 day, 12:00:00", "06:00:00", "2024-03-05 10:20:30"]


def test_prefixed_namespace(tmp_path):
    path = _package(tmp_path / "p.xlsx", SHEET, strings=STRINGS, prefix="x:")
    assert len(same_as_openpyxl(path, ("agency",))) == 7


def test_a_wrong_dimension_loses_nothing(tmp_path):
    """openpyxl's read-only mode trusted <dimension> and dropped the cells outside it
    (a file that says "A1" read as one cell); the calamine reader reads every cell,
    under both names."""
    path = _package(tmp_path / "d.xlsx", SHEET, strings=STRINGS, dimension="A1")
    expected = read_score_rows(
        _package(tmp_path / "ok.xlsx", SHEET, strings=STRINGS), ("agency", "reviewer")
    )
    assert len(expected) == 7
    assert read_score_rows(path, ("agency", "reviewer")) == expected
    assert read_rows(path, ("agency", "reviewer")) == expected


def test_entity_declarations_are_refused(tmp_path):
    sheet = '<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>'
    path = _package(tmp_path / "e.xlsx", sheet)
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"?>", b'?><!DOCTYPE worksheet [<!ENTITY e "agency">]>', 1
    )
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with pytest.raises(TabularError, match="無法讀取 XLSX 檔"):
        read_score_rows(path, ("agency",))


def test_broken_xml_is_a_clear_error(tmp_path):
    path = _package(tmp_path / "b.xlsx", '<row r="1"><c r="A1"><v>1</v></row>')
    with pytest.raises(TabularError, match="無法讀取 XLSX 檔"):
        read_score_rows(path, ("agency",))
