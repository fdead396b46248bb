"""CITY-7: an accepted plan as ODT and as PDF (Noto Sans CJK TC embedded)."""

from __future__ import annotations

from dataclasses import replace

from serviceeval.exports.documents import meta_for_cycle
from serviceeval.exports.writers import Block, blocks_to_html, render_pdf, write_odt

from .enums import PLAN_SECTIONS


def plan_blocks(plan) -> tuple[str, list[Block]]:
    title = f"{plan.agency.name} 民國{plan.cycle.year}年度 {plan.cycle.program.name} 實施計畫"
    blocks = []
    for code, label in PLAN_SECTIONS:
        blocks.append(Block("heading", str(label), level=2))
        blocks.append(Block("paragraph", plan.sections.get(code, "") or "—"))
    return title, blocks


def _meta(plan, title):
    """An accepted plan is the agency's own document, not a draft of the results:
    the header and page numbers without the 草案 mark (and without a date of issue,
    so the same plan gives the same bytes on any day)."""
    return replace(meta_for_cycle(plan.cycle, title), draft=False, issued="")


def plan_odt(plan) -> bytes:
    title, blocks = plan_blocks(plan)
    return write_odt(title, blocks, _meta(plan, title))


def plan_pdf(plan) -> bytes:
    title, blocks = plan_blocks(plan)
    return render_pdf(blocks_to_html(title, blocks, _meta(plan, title)))
