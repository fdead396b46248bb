"""Compare the rubrics of two program versions node by node (issue 11 item 3).

Nodes are matched by (category, code): the code is the contract of imports, exports
and the API, so a node that keeps its code is "the same node" even when its name,
points or criterion text change. Pure: no Django, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .program import ProgramSpec, RubricNode

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
SAME = "same"


@dataclass(frozen=True)
class NodeDiff:
    category: str
    code: str
    status: str  # ADDED, REMOVED, CHANGED or SAME
    old: RubricNode | None
    new: RubricNode | None
    depth: int

    @property
    def points_changed(self) -> bool:
        return bool(self.old and self.new and self.old.max_points != self.new.max_points)

    @property
    def name_changed(self) -> bool:
        return bool(self.old and self.new and self.old.name != self.new.name)

    @property
    def text_changed(self) -> bool:
        return bool(self.old and self.new and self.old.text != self.new.text)

    @property
    def points_delta(self) -> Decimal | None:
        if not self.points_changed:
            return None
        return self.new.max_points - self.old.max_points


@dataclass(frozen=True)
class RubricDiff:
    rows: tuple[NodeDiff, ...]

    def count(self, what: str) -> int:
        checks = {
            ADDED: lambda r: r.status == ADDED,
            REMOVED: lambda r: r.status == REMOVED,
            "points": lambda r: r.points_changed,
            "name": lambda r: r.name_changed,
            "text": lambda r: r.text_changed,
        }
        return sum(1 for r in self.rows if checks[what](r))

    @property
    def counts(self) -> dict[str, int]:
        return {k: self.count(k) for k in (ADDED, REMOVED, "points", "name", "text")}

    @property
    def changed(self) -> tuple[NodeDiff, ...]:
        return tuple(r for r in self.rows if r.status != SAME)


def _flat(spec: ProgramSpec) -> dict[tuple[str, str], tuple[RubricNode, int]]:
    out: dict[tuple[str, str], tuple[RubricNode, int]] = {}
    for category in spec.categories:

        def visit(node: RubricNode, depth: int, category: str = category.code) -> None:
            out[(category, node.code)] = (node, depth)
            for child in node.children:
                visit(child, depth + 1)

        for node in category.rubric:
            visit(node, 1)
    return out


def _order(key: tuple[str, str]) -> tuple:
    category, code = key
    return (category, tuple(int(p) if p.isdigit() else 0 for p in code.split(".")), code)


def diff_rubrics(old: ProgramSpec, new: ProgramSpec) -> RubricDiff:
    """Every node of either rubric, in category and code order, with what changed."""
    a, b = _flat(old), _flat(new)
    rows = []
    for key in sorted(a.keys() | b.keys(), key=_order):
        o, n = a.get(key), b.get(key)
        if o is None:
            status = ADDED
        elif n is None:
            status = REMOVED
        elif (o[0].max_points, o[0].name, o[0].text) != (n[0].max_points, n[0].name, n[0].text):
            status = CHANGED
        else:
            status = SAME
        rows.append(
            NodeDiff(
                category=key[0],
                code=key[1],
                status=status,
                old=o[0] if o else None,
                new=n[0] if n else None,
                depth=(n or o)[1],
            )
        )
    return RubricDiff(rows=tuple(rows))
