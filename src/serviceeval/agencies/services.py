from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from serviceeval.core.audit import audit_record
from serviceeval.core.signals import PEOPLE, announce_roster_inputs
from serviceeval.core.tabular import row_label
from serviceeval.programs.models import Program

from .enums import ROSTER_ROLES, AgencyKind, Category
from .models import Agency, CategoryMove, Group, Person

IMPORT_COLUMNS = (
    "code",
    "name",
    "kind",
    "parent",
    "category",
    "group",
    "head",
    "section_chief",
    "officer",
    "evaluation_officer",
    "city",
)
REQUIRED_COLUMNS = ("code", "name", "kind", "category")
NAME_SPLIT = re.compile(r"[、;；]")


class ImportRefused(ValueError):
    """The import as a whole cannot run (not one row's problem); nothing stored."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)
    # ROC year -> codes of the agencies whose copy of the people in that cycle was
    # brought up to date (cycles that have not started scoring, not published).
    cycles_updated: dict[int, list[str]] = field(default_factory=dict)
    # ROC year -> codes of the agencies whose copy was kept (scoring started or
    # results published: the people a decision names do not change).
    cycles_kept: dict[int, list[str]] = field(default_factory=dict)


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
            actor=user,
            action="category_moved",
            obj=agency,
            before={"category": before},
            after={"category": category},
            reason=reason,
        )
    return move


def program_cities() -> list[str]:
    return sorted(set(Program.objects.values_list("city", flat=True)))


def _validate_rows(rows, default_city: str = "") -> tuple[list[str], list[dict]]:
    errors: list[str] = []
    cleaned: list[dict] = []
    groups = {g.code: g for g in Group.objects.all()}
    cities = program_cities()
    existing = {a.code: a for a in Agency.objects.all()}
    codes_in_file: dict[str, int] = {}
    names_in_file: dict[str, int] = {}
    for number, row in rows:
        problems = []
        code = row.get("code", "")
        name = row.get("name", "")
        if not code:
            problems.append(_("code is required."))
        elif code in codes_in_file:
            problems.append(
                _("code “%(code)s” repeats row %(row)s.")
                % {"code": code, "row": codes_in_file[code]}
            )
        if not name:
            problems.append(_("name is required."))
        elif name in names_in_file:
            problems.append(
                _("name “%(name)s” repeats row %(row)s.")
                % {"name": name, "row": names_in_file[name]}
            )
        else:
            clash = next((a for a in existing.values() if a.name == name and a.code != code), None)
            if clash:
                problems.append(
                    _("name “%(name)s” already belongs to agency %(agency)s.")
                    % {"name": name, "agency": clash.code}
                )
        kind = row.get("kind", "")
        if kind not in AgencyKind.values:
            problems.append(
                _("kind “%(value)s” must be first-level, subordinate or district-office.")
                % {"value": kind}
            )
        category = row.get("category", "")
        if category not in Category.values:
            problems.append(
                _("category “%(value)s” must be overall or project.") % {"value": category}
            )
        group_code = row.get("group", "")
        if group_code and group_code not in groups:
            problems.append(
                _("group “%(value)s” does not exist; the groups are %(known)s.")
                % {"value": group_code, "known": ", ".join(sorted(groups))}
            )
        city = row.get("city", "") or default_city
        if city and city not in cities:
            problems.append(
                _("city “%(value)s” is not the city of any program; the cities are %(known)s.")
                % {"value": city, "known": ", ".join(cities)}
            )
        parent = row.get("parent", "")
        if kind == AgencyKind.SUBORDINATE and not parent:
            problems.append(_("A subordinate agency needs a parent."))
        if parent and parent == code:
            problems.append(_("An agency cannot be its own parent."))
        if code:
            codes_in_file.setdefault(code, number)
        if name:
            names_in_file.setdefault(name, number)
        people = {
            role: [n.strip() for n in NAME_SPLIT.split(row.get(role, "")) if n.strip()]
            for role in ROSTER_ROLES
        }
        if problems:
            errors.extend(f"{row_label(number)}：{p}" for p in problems)
        cleaned.append(
            {
                "row": number,
                "code": code,
                "name": name,
                "kind": kind,
                "category": category,
                "group": groups.get(group_code),
                "parent": parent,
                "people": people,
                "city": city,
            }
        )
    for item in cleaned:
        p = item["parent"]
        if p and p not in codes_in_file and p not in existing:
            errors.append(
                f"{row_label(item['row'])}：" + _("parent “%(code)s” does not exist.") % {"code": p}
            )
    return errors, cleaned


# Cycles sit above agencies in the layers (docs/ARCHITECTURE.md): the import reaches
# the cycles' people copies through the model graph its own models already state
# (`Person.cycle`, `Agency.participations`), not by importing the cycles app.
def _cycle_model():
    return Person._meta.get_field("cycle").related_model


def _participant_model():
    return Agency._meta.get_field("participations").related_model


def _target_cycle(year: int | None):
    """The one cycle `--cycle YEAR` names, refused when its people no longer follow."""
    if year is None:
        return None
    cycle = _cycle_model().objects.filter(year=year).first()
    if cycle is None:
        raise ImportRefused(
            _("The cycle of ROC year %(year)s does not exist; nothing was stored.") % {"year": year}
        )
    if not cycle.people_follow_imports:
        raise ImportRefused(
            _(
                "The cycle of ROC year %(year)s has started scoring or its results are published: its people are no longer updated; nothing was stored."
            )
            % {"year": year}
        )
    return cycle


@transaction.atomic
def agencies_import(
    *, rows, user=None, default_city: str = "", cycle_year: int | None = None
) -> ImportReport:
    """All-or-nothing: any bad row rejects the file and nothing is stored.
    Re-importing the same codes updates those agencies instead of duplicating.

    `city` (column, else `default_city`) ties the agency to the programs of that city;
    left blank it keeps the agency's city. People named in the file replace the
    standing roster of that role and, in the cycles whose people still follow imports
    (`Cycle.people_follow_imports`; only `cycle_year` when given), the cycle's copy;
    cycles that started scoring or are published keep theirs (`ImportReport`)."""
    report = ImportReport()
    if default_city and default_city not in program_cities():
        raise ImportRefused(
            _("--city “%(value)s” is not the city of any program; the cities are %(known)s.")
            % {"value": default_city, "known": ", ".join(program_cities())}
        )
    target = _target_cycle(cycle_year)
    errors, cleaned = _validate_rows(rows, default_city)
    if errors:
        report.errors = errors
        return report
    by_code = {a.code: a for a in Agency.objects.all()}
    # Two passes so a parent may come after its subordinate in the file.
    for item in cleaned:
        agency = by_code.get(item["code"])
        if agency is None:
            agency = Agency.objects.create(
                code=item["code"],
                name=item["name"],
                kind=item["kind"],
                category=item["category"],
                group=item["group"],
                city=item["city"],
            )
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
            for f in ("name", "kind", "group", "city"):
                if f == "city" and not item[f]:
                    continue  # no city given: keep the agency's
                if getattr(agency, f) != item[f]:
                    changed[f] = item[f]
                    setattr(agency, f, item[f])
            if changed:
                agency.save()
                audit_record(actor=user, action="agency_updated", obj=agency, after=changed)
            report.updated += 1
    named: dict[int, dict[str, list[str]]] = {}
    for item in cleaned:
        if any(item["people"].values()) and item["code"] in by_code:
            named[by_code[item["code"]].pk] = {}
    before = _standing(named)
    for item in cleaned:
        agency = by_code[item["code"]]
        parent = by_code.get(item["parent"]) if item["parent"] else None
        if agency.parent_id != (parent.pk if parent else None):
            agency.parent = parent
            agency.save(update_fields=["parent"])
        for role, names in item["people"].items():
            if not names:
                continue
            named.setdefault(agency.pk, {})[role] = names
            Person.objects.filter(agency=agency, cycle=None, role=role).exclude(
                name__in=names
            ).delete()
            for n in names:
                Person.objects.get_or_create(agency=agency, cycle=None, role=role, name=n)
    _refuse_parent_loops(by_code.values())
    named = {pk: roles for pk, roles in named.items() if roles}
    if named:
        _update_cycle_people(named, before, target=target, report=report, user=user)
    return report


def _standing(agency_ids) -> dict[int, dict[str, set[str]]]:
    out: dict[int, dict[str, set[str]]] = {}
    for agency_id, role, name in Person.objects.filter(
        agency_id__in=list(agency_ids), cycle__isnull=True, role__in=list(ROSTER_ROLES)
    ).values_list("agency_id", "role", "name"):
        out.setdefault(agency_id, {}).setdefault(role, set()).add(name)
    return out


def _update_cycle_people(named, before, *, target, report: ImportReport, user) -> None:
    """Bring the cycles' copies of the people of the agencies in `named`
    ({agency id: {role: names}}) up to date where the cycle still follows imports.

    A cycle that has a copy gets the named roles replaced (other roles, perhaps
    edited for that cycle, stay); one without a copy (the agency had nobody when the
    cycle was created, so it reads the standing roster) gets the whole standing
    roster. A cycle that no longer follows keeps its copy; without one it gets the
    standing roster as it was `before` the import, so what it reads stays the same."""
    parts = (
        _participant_model()
        .objects.filter(agency_id__in=list(named))
        .select_related("cycle", "agency")
    )
    if target is not None:
        parts = parts.filter(cycle=target)
    parts = list(parts.order_by("cycle__year", "agency__code"))
    if not parts:
        return
    standing = _standing(named)
    copies: dict[tuple[int, int], dict[str, set[str]]] = {}
    for agency_id, cycle_id, role, name in Person.objects.filter(
        cycle_id__in={p.cycle_id for p in parts},
        agency_id__in=list(named),
        role__in=list(ROSTER_ROLES),
    ).values_list("agency_id", "cycle_id", "role", "name"):
        copies.setdefault((cycle_id, agency_id), {}).setdefault(role, set()).add(name)
    changed_cycles = {}
    for p in parts:
        have = copies.get((p.cycle_id, p.agency_id), {})
        if have:
            want = {**have, **{role: set(names) for role, names in named[p.agency_id].items()}}
        else:
            want = standing.get(p.agency_id, {})
        if want == have:
            continue
        year = p.cycle.year
        if not p.cycle.people_follow_imports:
            kept = have or before.get(p.agency_id, {})
            if not kept:
                continue  # nobody to keep: the cycle reads the standing roster
            if not have:
                _write_copy(p, kept)
            report.cycles_kept.setdefault(year, []).append(p.agency.code)
            continue
        _write_copy(p, want)
        report.cycles_updated.setdefault(year, []).append(p.agency.code)
        changed_cycles[year] = p.cycle
    for year, cycle in changed_cycles.items():
        audit_record(
            actor=user,
            action="cycle_people_updated",
            obj=cycle,
            after={"agencies": report.cycles_updated[year]},
            reason="import_agencies",
        )
        _refresh_roster(cycle)


def _write_copy(p, people: dict[str, set[str]]) -> None:
    """Replace the roster roles of participant `p`'s agency in its cycle by `people`."""
    Person.objects.filter(
        agency_id=p.agency_id, cycle_id=p.cycle_id, role__in=list(ROSTER_ROLES)
    ).delete()
    Person.objects.bulk_create(
        Person(agency_id=p.agency_id, cycle_id=p.cycle_id, role=role, name=name)
        for role, names in sorted(people.items())
        for name in sorted(names)
    )


def _refresh_roster(cycle) -> None:
    """The reward roster names the cycle's people: the rewards app recomputes it."""
    announce_roster_inputs(cycle, PEOPLE)


def _refuse_parent_loops(agencies) -> None:
    parents = {a.pk: a.parent_id for a in Agency.objects.only("pk", "parent_id")}
    for a in agencies:
        seen = set()
        node = a.pk
        while node is not None:
            if node in seen:
                raise ValueError(
                    _("The parent agencies of %(code)s form a loop.") % {"code": a.code}
                )
            seen.add(node)
            node = parents.get(node)


def on_program_loaded(sender, spec, using: str = "default", **kwargs) -> None:
    """A program names its groups (HSC-4): make the ones that do not exist yet."""
    for g in spec.groups:
        Group.objects.using(using).get_or_create(code=g.code, defaults={"name": g.name})


class PeopleRefused(ValueError):
    """The reward recipients of this cycle can no longer change (scoring started
    or results published: the people a decision names do not change)."""


def split_names(text: str) -> list[str]:
    """「王一、李二」 (or ; ；) as the agency import writes several people."""
    return sorted({n.strip() for n in NAME_SPLIT.split(text or "") if n.strip()})


@transaction.atomic
def agency_people_set(*, agency: Agency, cycle=None, people: dict[str, list[str]], user) -> bool:
    """Issue 11 item 4: the office names an agency's reward recipients (head, section
    chief, officer, evaluation officer) for one cycle, or the standing roster with
    `cycle=None` (copied into cycles created later). Each of the four roles is
    replaced by the names given (none: nobody). A cycle whose scoring started or
    whose results are published is refused. Audited; False when nothing changed."""
    if cycle is not None and not cycle.people_follow_imports:
        raise PeopleRefused(
            _(
                "The cycle of ROC year %(year)s has started scoring or its results are published: its reward recipients no longer change."
            )
            % {"year": cycle.year}
        )
    want = {role: sorted(set(people.get(role) or [])) for role in ROSTER_ROLES}
    mine = Person.objects.filter(agency=agency, role__in=list(ROSTER_ROLES))
    mine = mine.filter(cycle=cycle) if cycle is not None else mine.filter(cycle__isnull=True)
    have = {role: [] for role in ROSTER_ROLES}
    for role, name in mine.order_by("name").values_list("role", "name"):
        have[role].append(name)
    if cycle is not None and not any(have.values()):
        # No copy yet: the cycle read the standing roster; compare with that.
        for role, name in (
            Person.objects.filter(agency=agency, cycle__isnull=True, role__in=list(ROSTER_ROLES))
            .order_by("name")
            .values_list("role", "name")
        ):
            have[role].append(name)
        if have == want:
            return False
    elif have == want:
        return False
    mine.delete()
    Person.objects.bulk_create(
        Person(agency=agency, cycle=cycle, role=role, name=name)
        for role, names in want.items()
        for name in names
    )
    audit_record(
        actor=user,
        action="agency_people_changed",
        obj=agency,
        before={str(r): n for r, n in have.items()},
        after={str(r): n for r, n in want.items()},
        reason=str(cycle.year) if cycle is not None else "standing",
    )
    if cycle is not None:
        _refresh_roster(cycle)
    return True
