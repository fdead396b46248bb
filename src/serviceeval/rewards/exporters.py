"""The roster (敘獎名冊) as XLSX, ODS and PDF (deterministic bytes): A4 landscape,
the document header, page numbers, the signature block, and 草案 on every page
until the cycle's results are published."""

from __future__ import annotations

from serviceeval.engine.rewards import KIND_NAMES, ROLE_NAMES
from serviceeval.exports.documents import meta_for_cycle
from serviceeval.exports.writers import Sheet, sheets_to_pdf, write_ods, write_xlsx

HEADER = ("序號", "姓名", "職務", "機關", "獎懲", "次數", "依據", "事由", "來源")
PUBLIC_HEADER = ("序號", "機關", "依據", "事由")


def role_text(role: str) -> str:
    return "、".join(ROLE_NAMES.get(r, r) for r in role.split(",")) if role else ""


def roster_sheets(cycle, entries, commendations) -> list[Sheet]:
    rows = [
        (
            i,
            e.person,
            role_text(e.role),
            e.agency.name if e.agency else "",
            KIND_NAMES[e.kind],
            e.count,
            e.rule,
            e.reason,
            "人工" if e.manual else "計算",
        )
        for i, e in enumerate(entries, start=1)
    ]
    public = [(i, c.agency.name, c.rule, c.reason) for i, c in enumerate(commendations, start=1)]
    return [
        Sheet(f"敘獎名冊 {cycle.year}", HEADER, rows),
        Sheet("市政會議公開表揚", PUBLIC_HEADER, public),
    ]


def roster_filter_note(*, q="", kind="", rule="", source="") -> str:
    """「篩選：社會局、嘉獎」: what a filtered roster download holds, for its title line
    (issue 12 item 4), so that it never passes for the whole roster; "" unfiltered."""
    parts = [
        q,
        KIND_NAMES.get(kind, kind),
        rule,
        {"computed": "計算", "office": "人工"}.get(source, ""),
    ]
    parts = [p for p in parts if p]
    return f"篩選：{'、'.join(parts)}" if parts else ""


def roster_file(cycle, entries, commendations, fmt: str, filter_note: str = "") -> bytes:
    sheets = roster_sheets(cycle, entries, commendations)
    title = f"民國{cycle.year}年度 敘獎名冊"
    if filter_note:
        title = f"{title}（{filter_note}）"
    meta = meta_for_cycle(cycle, title, signatures=True, landscape=True)
    if fmt == "xlsx":
        return write_xlsx(sheets, meta)
    if fmt == "ods":
        return write_ods(sheets, meta)
    if fmt == "pdf":
        return sheets_to_pdf(title, sheets, meta)
    raise ValueError(fmt)
