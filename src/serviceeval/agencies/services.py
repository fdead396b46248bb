from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction

from serviceeval.core.audit import audit_record

from .enums import ROSTER_ROLES, AgencyKind, Category
from .models import Agency, CategoryMove, Group, Person

IMPORT_COLUMNS = (
    "code", "name", "kind", "parent", "category", "group",
    "head", "section_chief", "officer", "evaluation_officer",
)  # fmt: skip
REQUIRED_COLUMNS = ("code", "name", "kind", "category")
NAME_SPLIT = re.compile(r"[、;；]")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def agency_move_category(
    *, agency: Agency, category: str, user, reason: str
) -> CategoryMove | None:
    """CITY-1: move an agency to another category and keep the move."""
    if category not in Category.values:
        raise ValueError(f"unknown category {category}")
    if agency.category == category:
        return None
    with transaction.atomic():
        move = CategoryMove.objects.create(
            agency=agency,
            from_category=agency.category,
            to_category=category,
            by=user,
            reason=reason,
        )
        before = agency.category
        agency.category = category
        agency.save(update_fields=["category"])
        audit_record(
            actor=user, action="category_moved", obj=agency,
            before={"category": before}, after={"category": category}, reason=reason,
        )  # fmt: skip
    return move


def _validate_rows(rows) -> tuple[list[str], list[dict]]:
    errors: list[str] = []
    cleaned: list[dict] = []
    groups = {g.code: g for g in Group.objects.all()}
    existing = {a.code: a for a in Agency.objects.all()}
    codes_in_file: dict[str, int] = {}
    names_in_file: dict[str, int] = {}
    for number, row in rows:
        problems = []
        code = row.get("code", "")
        name = row.get("name", "")
        if not code:
            problems.append("code 必填 (required)")
        elif code in codes_in_file:
            problems.append(f"code「{code}」與第 {codes_in_file[code]} 列重複 (duplicate code)")
        if not name:
            problems.append("name 必填 (required)")
        elif name in names_in_file:
            problems.append(f"name「{name}」與第 {names_in_file[name]} 列重複 (duplicate name)")
        else:
            clash = next((a for a in existing.values() if a.name == name and a.code != code), None)
            if clash:
                problems.append(
                    f"name「{name}」已屬於機關 {clash.code} (name used by another agency)"
                )
        kind = row.get("kind", "")
        if kind not in AgencyKind.values:
            problems.append(f"kind「{kind}」應為 first-level、subordinate 或 district-office")
        category = row.get("category", "")
        if category not in Category.values:
            problems.append(f"category「{category}」應為 overall 或 project")
        group_code = row.get("group", "")
        if group_code and group_code not in groups:
            problems.append(
                f"group「{group_code}」不存在 (unknown group; known: {', '.join(sorted(groups))})"
            )
        parent = row.get("parent", "")
        if kind == AgencyKind.SUBORDINATE and not parent:
            problems.append("subordinate 機關須填 parent (a subordinate agency needs a parent)")
        if parent and parent == code:
            problems.append("parent 不可為自己 (an agency cannot be its own parent)")
        if code:
            codes_in_file.setdefault(code, number)
        if name:
            names_in_file.setdefault(name, number)
        people = {
            role: [n.strip() for n in NAME_SPLIT.split(row.get(role, "")) if n.strip()]
            for role in ROSTER_ROLES
        }
        if problems:
            errors.extend(f"第 {number} 列 (row {number}): {p}" for p in problems)
        cleaned.append(
            {"row": number, "code": code, "name": name, "kind": kind, "category": category,
             "group": groups.get(group_code), "parent": parent, "people": people}
        )  # fmt: skip
    for item in cleaned:
        p = item["parent"]
        if p and p not in codes_in_file and p not in existing:
            errors.append(
                f"第 {item['row']} 列 (row {item['row']}): parent「{p}」不存在 (unknown parent agency)"
            )
    return errors, cleaned


@transaction.atomic
def agencies_import(*, rows, user=None) -> ImportReport:
    """All-or-nothing: any bad row rejects the file and nothing is stored.
    Re-importing the same codes updates those agencies instead of duplicating."""
    report = ImportReport()
    errors, cleaned = _validate_rows(rows)
    if errors:
        report.errors = errors
        return report
    by_code = {a.code: a for a in Agency.objects.all()}
    # Two passes so a parent may come after its subordinate in the file.
    for item in cleaned:
        agency = by_code.get(item["code"])
        if agency is None:
            agency = Agency.objects.create(
                code=item["code"], name=item["name"], kind=item["kind"],
                category=item["category"], group=item["group"],
            )  # fmt: skip
            by_code[agency.code] = agency
            report.created += 1
            audit_record(
                actor=user, action="agency_imported", obj=agency, after={"name": agency.name}
            )
        else:
            if agency.category != item["category"]:
                agency_move_category(
                    agency=agency, category=item["category"], user=user, reason="import_agencies"
                )
            changed = {}
            for f in ("name", "kind", "group"):
                if getattr(agency, f) != item[f]:
                    changed[f] = item[f]
                    setattr(agency, f, item[f])
            if changed:
                agency.save()
                audit_record(actor=user, action="agency_updated", obj=agency, after=changed)
            report.updated += 1
    for item in cleaned:
        agency = by_code[item["code"]]
        parent = by_code.get(item["parent"]) if item["parent"] else None
        if agency.parent_id != (parent.pk if parent else None):
            agency.parent = parent
            agency.save(update_fields=["parent"])
        for role, names in item["people"].items():
            if not names:
                continue
            Person.objects.filter(agency=agency, cycle=None, role=role).exclude(
                name__in=names
            ).delete()
            for n in names:
                Person.objects.get_or_create(agency=agency, cycle=None, role=role, name=n)
    _refuse_parent_loops(by_code.values())
    return report


def _refuse_parent_loops(agencies) -> None:
    parents = {a.pk: a.parent_id for a in Agency.objects.only("pk", "parent_id")}
    for a in agencies:
        seen = set()
        node = a.pk
        while node is not None:
            if node in seen:
                raise ValueError(f"機關 {a.code} 的上級機關形成循環 (parent loop)")
            seen.add(node)
            node = parents.get(node)
