"""CITY-7: an accepted plan as ODT and as PDF (Noto Sans CJK TC embedded)."""

from __future__ import annotations

from serviceeval.exports.writers import Block, blocks_to_html, render_pdf, write_odt

from .enums import PLAN_SECTIONS


def plan_blocks(plan) -> tuple[str, list[Block]]:
    title = f"{plan.agency.name} 民國{plan.cycle.year}年度 {plan.cycle.program.name} 實施計畫"
    blocks = []
    for code, label in PLAN_SECTIONS:
        blocks.append(Block("heading", str(label), level=2))
        blocks.append(Block("paragraph", plan.sections.get(code, "") or "—"))
    return title, blocks


def plan_odt(plan) -> bytes:
    return write_odt(*plan_blocks(plan))


def plan_pdf(plan) -> bytes:
    return render_pdf(blocks_to_html(*plan_blocks(plan)))
