"""Program files: parse and validate a program (SPEC §3) without Django.

`parse_program(data)` takes the YAML mapping and returns a `ProgramSpec` of plain
frozen dataclasses, or raises `ProgramInvalid` listing every problem found (not
just the first), each naming where it is: a rubric node code or a dotted path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation
from functools import cached_property

from .i18n import _

AGGREGATIONS = ("mean", "median", "trimmed_mean")
ROUNDINGS = ("half_up", "half_even")
CATEGORIES = ("overall", "project")
REWARD_KINDS = ("commendation", "minor_merit", "major_merit", "reprimand")
RECIPIENT_ROLES = ("head", "section_chief", "officer", "evaluation_officer", "tested_staff")
AWARD_STATUSES = ("recommended", "passed_initial", "shortlisted", "won")
FIELD_TEST_SOURCES = ("phone", "mystery")
RULE_KINDS = ("grade_rank", "average_threshold", "top_n", "milestone_highest", "subsidy")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ITEM_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return _("%(where)s: %(message)s") % {"where": self.where, "message": self.message}


class ProgramInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class RubricNode:
    code: str
    name: str
    max_points: Decimal
    leaf: bool
    text: str = ""
    field_test: str = ""
    children: tuple[RubricNode, ...] = ()

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    rubric: tuple[RubricNode, ...]

    def nodes(self):
        for node in self.rubric:
            yield from node.walk()

    def leaves(self) -> list[RubricNode]:
        return list(self.leaf_nodes)

    @cached_property
    def leaf_nodes(self) -> tuple[RubricNode, ...]:
        return tuple(n for n in self.nodes() if n.leaf)

    @cached_property
    def bottom_up(self) -> tuple[tuple[str, bool, tuple[str, ...]], ...]:
        """Every node as (code, leaf, its children's codes), children first."""
        out: list[tuple[str, bool, tuple[str, ...]]] = []

        def visit(node: RubricNode) -> None:
            for child in node.children:
                visit(child)
            out.append((node.code, node.leaf, tuple(c.code for c in node.children)))

        for node in self.rubric:
            visit(node)
        return tuple(out)


@dataclass(frozen=True)
class GradeBand:
    code: str
    name: str
    min: Decimal
    max: Decimal | None  # exclusive; None = no upper bound


@dataclass(frozen=True)
class Scoring:
    aggregation: str = "mean"
    trim: int = 0
    step: Decimal = Decimal("0.5")
    places: int = 2
    rounding: str = "half_up"
    disagreement_margin: Decimal = Decimal("0.2")


@dataclass(frozen=True)
class ReEvaluation:
    grade: str
    pass_mark: Decimal
    pass_grade: str


@dataclass(frozen=True)
class Milestone:
    code: str
    name: str
    month: int
    day: int
    time: time
    rule: str = ""
    # A deadline moves off a non-working day (SPEC §3.3); a period bound does not.
    # Default: the codes ending in `_due`.
    deadline: bool = False


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    name: str
    points: Decimal


@dataclass(frozen=True)
class ChecklistPart:
    code: str
    name: str
    max_points: Decimal
    items: tuple[ChecklistItem, ...]


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    agencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class RewardRule:
    rule: str
    kind: str
    params: dict = field(hash=False)


@dataclass(frozen=True)
class ProgramSpec:
    code: str
    version: int
    name: str
    city: str
    provisional: bool
    rule_prefix: str
    total_points: Decimal
    categories: tuple[Category, ...]
    scoring: Scoring
    grades: tuple[GradeBand, ...]
    re_evaluation: ReEvaluation | None
    milestones: tuple[Milestone, ...]
    groups: tuple[Group, ...]
    phone_parts: tuple[ChecklistPart, ...]
    mystery_sections: tuple[ChecklistPart, ...]
    reward_rules: tuple[RewardRule, ...]
    # CITY-10: how many subordinate agencies each first-level agency preselects.
    preselection: Preselection = field(default_factory=lambda: Preselection())
    # Days before each deadline on which a reminder goes out (issue 13 item 6).
    reminder_days: tuple[int, ...] = (14, 7, 1)

    def category(self, code: str) -> Category:
        for c in self.categories:
            if c.code == code:
                return c
        raise KeyError(code)

    def grade_for(self, total: Decimal) -> str:
        for band in self.grades:
            if total >= band.min and (band.max is None or total < band.max):
                return band.code
        return self.grades[-1].code if self.grades else ""


@dataclass(frozen=True)
class Preselection:
    """CITY-10 「擇優遴選 1 至 2 個機關」: per first-level agency (program data)."""

    min: int = 1
    max: int = 2


def _parse_reminder_days(c: _Collector, raw) -> tuple[int, ...]:
    if raw is None:
        return (14, 7, 1)
    ok = isinstance(raw, list) and all(
        isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 120 for d in raw
    )
    if not ok or not raw:
        c.add(
            "reminder_days",
            _("Must be a list of whole days from 1 to 120, e.g. [14, 7, 1]."),
        )
        return (14, 7, 1)
    return tuple(sorted(set(raw), reverse=True))


def _parse_preselection(c: _Collector, raw) -> Preselection:
    if raw is None:
        return Preselection()
    if not isinstance(raw, dict):
        c.add("preselection", _("Must be a mapping with min and max."))
        return Preselection()
    lo, hi = raw.get("min", 1), raw.get("max", 2)
    ok = all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (lo, hi))
    if not ok or lo > hi or hi < 1:
        c.add(
            "preselection",
            _("min %(min)s / max %(max)s must be whole numbers with 0 ≤ min ≤ max and max ≥ 1.")
            % {"min": lo, "max": hi},
        )
        return Preselection()
    return Preselection(lo, hi)


class _Collector:
    def __init__(self):
        self.problems: list[Problem] = []
        # Grade codes declared by a band whose numbers do not read: still known to
        # the rules that name them, so one typo gives one problem, not five.
        self.declared_grades: set[str] = set()

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def require(self, data, key: str, where: str, kind=str):
        if not isinstance(data, dict) or key not in data or data[key] in (None, ""):
            self.add(f"{where}.{key}" if where else key, _("The field is mandatory."))
            return None
        value = data[key]
        if kind is str and not isinstance(value, (str, int)):
            self.add(f"{where}.{key}" if where else key, _("Must be text."))
            return None
        if kind is list and not isinstance(value, list):
            self.add(f"{where}.{key}" if where else key, _("Must be a list."))
            return None
        if kind is dict and not isinstance(value, dict):
            self.add(f"{where}.{key}" if where else key, _("Must be a mapping."))
            return None
        return str(value) if kind is str else value

    def decimal(self, value, where: str, *, allow_negative=False) -> Decimal | None:
        if isinstance(value, bool) or value is None:
            self.add(where, _("Must be a number."))
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.add(where, _("“%(value)s” is not a number.") % {"value": value})
            return None
        if not number.is_finite():
            self.add(where, _("Must be a finite number."))
            return None
        if number < 0 and not allow_negative:
            self.add(where, _("Points cannot be negative: %(points)s.") % {"points": number})
            return None
        return number


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral() else format(d, "f")


def _parse_node(c: _Collector, raw, expected_code: str, seen: set[str]) -> RubricNode | None:
    if not isinstance(raw, dict):
        c.add(expected_code, _("A rubric node must be a mapping."))
        return None
    code = str(raw.get("code", "")).strip()
    where = code or expected_code
    if not code:
        c.add(expected_code, _("The field %(field)s is required.") % {"field": "code"})
    elif code in seen:
        c.add(code, _("Duplicate node code."))
    elif code != expected_code:
        c.add(
            code,
            _("The code must be its position in the rubric, %(position)s.")
            % {"position": expected_code},
        )
    seen.add(code or expected_code)
    name = c.require(raw, "name", where)
    points = None
    if "max_points" not in raw:
        c.add(where, _("The field %(field)s is required.") % {"field": "max_points"})
    else:
        points = c.decimal(raw["max_points"], where)
    leaf = raw.get("leaf")
    if not isinstance(leaf, bool):
        c.add(where, _("The leaf flag is missing or not true/false."))
        leaf = not raw.get("children")
    children_raw = raw.get("children") or []
    field_test = str(raw.get("field_test") or "")
    if field_test and field_test not in FIELD_TEST_SOURCES:
        c.add(where, _("Unknown field test “%(value)s” in field_test.") % {"value": field_test})
    if leaf and children_raw:
        c.add(where, _("A criterion (leaf) cannot have children."))
    if not leaf and not children_raw:
        c.add(where, _("A node that is not a leaf must have children."))
    if field_test and not leaf:
        c.add(where, _("field_test can be set only on a criterion (leaf)."))
    if leaf and not str(raw.get("text") or "").strip():
        # The criterion text is what panel members score against and agencies write to.
        c.add(where, _("The criterion lacks its scoring text (text)."))
    if not isinstance(children_raw, list):
        c.add(where, _("children must be a list."))
        children_raw = []
    children = []
    for i, child_raw in enumerate(children_raw, start=1):
        child = _parse_node(c, child_raw, f"{expected_code}.{i}", seen)
        if child is not None:
            children.append(child)
    if points is not None and children and len(children) == len(children_raw):
        total = sum((ch.max_points for ch in children), Decimal(0))
        if total != points:
            c.add(
                where,
                _("The children points add up to %(total)s, not the parent points %(points)s.")
                % {"total": _fmt(total), "points": _fmt(points)},
            )
    if name is None or points is None:
        return None
    return RubricNode(
        code=code or expected_code,
        name=name,
        max_points=points,
        leaf=bool(leaf),
        text=str(raw.get("text") or "").strip(),
        field_test=field_test,
        children=tuple(children),
    )


def _parse_grades(c: _Collector, raw) -> tuple[GradeBand, ...]:
    if not isinstance(raw, list) or not raw:
        c.add("grades", _("The grade bands are missing."))
        return ()
    bands = []
    unreadable = False  # a band whose numbers are wrong: already reported once
    for i, b in enumerate(raw):
        where = f"grades[{i}]"
        before = len(c.problems)
        code = c.require(b, "code", where)
        name = c.require(b, "name", where)
        lo = c.decimal(b.get("min"), f"{where}.min") if isinstance(b, dict) else None
        hi = None
        if isinstance(b, dict) and b.get("max") is not None:
            hi = c.decimal(b["max"], f"{where}.max")
            unreadable = unreadable or hi is None
        if code and name and lo is not None:
            if hi is not None and hi <= lo:
                c.add(
                    where,
                    _(
                        "Grade %(grade)s: the upper bound %(max)s is not above the lower bound %(min)s."
                    )
                    % {"grade": code, "max": hi, "min": lo},
                )
            bands.append(GradeBand(code, name, lo, hi))
        elif len(c.problems) > before:
            unreadable = True
            if code:
                c.declared_grades.add(str(code))
    codes = [b.code for b in bands]
    for dup in sorted({x for x in codes if codes.count(x) > 1}):
        c.add("grades", _("Duplicate grade code %(grade)s.") % {"grade": dup})
    if unreadable:
        # Order, gaps and overlaps cannot be judged until every band reads;
        # reporting them would only echo the problem named above.
        return tuple(sorted(bands, key=lambda b: b.min, reverse=True))
    ordered = sorted(bands, key=lambda b: b.min)
    if ordered and ordered[0].min != 0:
        c.add(
            "grades",
            _("The lowest grade must start at 0 points; it starts at %(min)s.")
            % {"min": ordered[0].min},
        )
    for lower, upper in zip(ordered, ordered[1:], strict=False):
        if lower.max is None or lower.max > upper.min:
            c.add(
                "grades",
                _("Grades %(lower)s and %(upper)s overlap.")
                % {"lower": lower.code, "upper": upper.code},
            )
        elif lower.max < upper.min:
            c.add(
                "grades",
                _("Grades %(lower)s and %(upper)s leave a gap, %(from)s–%(to)s.")
                % {"lower": lower.code, "upper": upper.code, "from": lower.max, "to": upper.min},
            )
    if ordered and ordered[-1].max is not None:
        c.add("grades", _("The highest grade must have no upper bound."))
    # Highest band first, as read in the rules.
    return tuple(sorted(bands, key=lambda b: b.min, reverse=True))


def _parse_checklist(c: _Collector, raw, where: str, key: str) -> tuple[ChecklistPart, ...]:
    if raw is None:
        return ()
    parts_raw = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(parts_raw, list) or not parts_raw:
        c.add(f"{where}.{key}", _("The checklist is missing."))
        return ()
    parts = []
    item_codes: set[str] = set()
    for i, p in enumerate(parts_raw):
        pw = f"{where}.{key}[{i}]"
        code = c.require(p, "code", pw)
        name = c.require(p, "name", pw)
        max_points = (
            c.decimal(p.get("max_points"), f"{pw}.max_points") if isinstance(p, dict) else None
        )
        items = []
        for j, it in enumerate((p.get("items") if isinstance(p, dict) else None) or []):
            iw = f"{pw}.items[{j}]"
            icode = c.require(it, "code", iw)
            iname = c.require(it, "name", iw)
            pts = c.decimal(it.get("points") if isinstance(it, dict) else None, f"{iw}.points")
            if icode and not ITEM_CODE_RE.match(icode):
                c.add(
                    iw,
                    _("Item code “%(code)s” must use lowercase letters, digits and underscores.")
                    % {"code": icode},
                )
            if icode in item_codes:
                c.add(iw, _("Duplicate item code %(code)s.") % {"code": icode})
            item_codes.add(icode or "")
            if icode and iname and pts is not None:
                items.append(ChecklistItem(icode, iname, pts))
        if not items:
            c.add(pw, _("There are no items."))
        if max_points is not None and items:
            total = sum((it.points for it in items), Decimal(0))
            if total != max_points:
                c.add(
                    pw,
                    _("The items add up to %(total)s points, not %(max)s.")
                    % {"total": _fmt(total), "max": _fmt(max_points)},
                )
        if code and name and max_points is not None:
            parts.append(ChecklistPart(code, name, max_points, tuple(items)))
    return tuple(parts)


_RULE_PARAMS = {
    "grade_rank": ("recipients", "outcomes"),
    "average_threshold": ("source", "recipients", "thresholds"),
    "top_n": ("source", "n", "recipients", "reward", "count"),
    "milestone_highest": ("recipients", "milestones"),
    "subsidy": ("milestones",),
}


def _check_reward(c: _Collector, where: str, value) -> None:
    if value not in REWARD_KINDS:
        c.add(
            where,
            _("Unknown reward “%(value)s”; use one of %(choices)s.")
            % {"value": value, "choices": ", ".join(REWARD_KINDS)},
        )


def _check_count(c: _Collector, where: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        c.add(where, _("The count must be a positive whole number."))


def _parse_reward_rules(c: _Collector, raw, grade_codes: set[str]) -> tuple[RewardRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.add("reward_rules", _("Must be a list."))
        return ()
    rules = []
    for i, r in enumerate(raw):
        where = f"reward_rules[{i}]"
        rule_id = c.require(r, "rule", where)
        kind = c.require(r, "kind", where)
        if rule_id:
            where = f"reward_rules[{i}] ({rule_id})"
        if kind is None:
            continue
        if kind not in RULE_KINDS:
            c.add(
                where,
                _("Unknown rule kind “%(value)s”; use one of %(choices)s.")
                % {"value": kind, "choices": ", ".join(RULE_KINDS)},
            )
            continue
        params = r.get("params")
        if not isinstance(params, dict):
            c.add(f"{where}.params", _("The field is mandatory."))
            continue
        for key in _RULE_PARAMS[kind]:
            if key not in params:
                c.add(f"{where}.params.{key}", _("The field is mandatory."))
        for role in params.get("recipients") or []:
            if role not in RECIPIENT_ROLES:
                c.add(
                    f"{where}.params.recipients",
                    _("Unknown recipient role “%(value)s”.") % {"value": role},
                )
        if "source" in params and params["source"] not in FIELD_TEST_SOURCES:
            c.add(
                f"{where}.params.source",
                _("Unknown source “%(value)s”.") % {"value": params["source"]},
            )
        if kind == "top_n":
            _check_reward(c, f"{where}.params.reward", params.get("reward"))
            _check_count(c, f"{where}.params.count", params.get("count"))
            _check_count(c, f"{where}.params.n", params.get("n"))
        for j, o in enumerate(params.get("outcomes") or []):
            ow = f"{where}.params.outcomes[{j}]"
            _check_reward(c, f"{ow}.reward", o.get("reward"))
            _check_count(c, f"{ow}.count", o.get("count"))
            for gk in ("grade", "final_grade"):
                if gk in o and o[gk] not in grade_codes:
                    c.add(
                        f"{ow}.{gk}",
                        _("Grade “%(grade)s” is not one of the grade bands.") % {"grade": o[gk]},
                    )
        for j, t in enumerate(params.get("thresholds") or []):
            tw = f"{where}.params.thresholds[{j}]"
            _check_reward(c, f"{tw}.reward", t.get("reward"))
            _check_count(c, f"{tw}.count", t.get("count"))
            c.decimal(t.get("min"), f"{tw}.min")
        for j, m in enumerate(params.get("milestones") or []):
            mw = f"{where}.params.milestones[{j}]"
            if m.get("status") not in AWARD_STATUSES:
                c.add(
                    f"{mw}.status",
                    _("Unknown award status “%(value)s”.") % {"value": m.get("status")},
                )
            if kind == "subsidy":
                c.decimal(m.get("amount"), f"{mw}.amount")
            else:
                _check_reward(c, f"{mw}.reward", m.get("reward"))
                _check_count(c, f"{mw}.count", m.get("count"))
        if rule_id:
            rules.append(RewardRule(rule_id, kind, params))
    return tuple(rules)


def _parse_milestones(c: _Collector, raw) -> tuple[Milestone, ...]:
    if raw is None:
        return ()
    out = []
    seen = set()
    for i, m in enumerate(raw if isinstance(raw, list) else []):
        where = f"milestones[{i}]"
        code = c.require(m, "code", where)
        name = c.require(m, "name", where)
        date_s = c.require(m, "date", where)
        if code in seen:
            c.add(where, _("Duplicate milestone code %(code)s.") % {"code": code})
        seen.add(code)
        default_time = "00:00" if code and code.endswith("_start") else "23:59"
        time_s = str(m.get("time") or default_time) if isinstance(m, dict) else default_time
        month = day = None
        if date_s:
            match = re.fullmatch(r"(\d{2})-(\d{2})", date_s)
            month, day = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
            days_in = {
                1: 31,
                2: 29,
                3: 31,
                4: 30,
                5: 31,
                6: 30,
                7: 31,
                8: 31,
                9: 30,
                10: 31,
                11: 30,
                12: 31,
            }
            if not match or month not in days_in or not 1 <= day <= days_in[month]:
                c.add(
                    f"{where}.date",
                    _("The date “%(value)s” must be a valid MM-DD.") % {"value": date_s},
                )
                month = None
        tmatch = re.fullmatch(r"(\d{1,2}):(\d{2})", time_s)
        if not tmatch or int(tmatch.group(1)) > 23 or int(tmatch.group(2)) > 59:
            c.add(f"{where}.time", _("The time “%(value)s” must be HH:MM.") % {"value": time_s})
            tmatch = None
        deadline = m.get("deadline", bool(code) and code.endswith("_due"))
        if not isinstance(deadline, bool):
            c.add(f"{where}.deadline", _("deadline must be true or false."))
        if code and name and month and tmatch:
            t = time(int(tmatch.group(1)), int(tmatch.group(2)))
            rule = str(m.get("rule") or "")
            out.append(Milestone(code, name, month, day, t, rule, deadline is True))
    return tuple(out)


def parse_program(data) -> ProgramSpec:
    c = _Collector()
    if not isinstance(data, dict):
        raise ProgramInvalid([Problem(_("(file)"), _("The file content must be a YAML mapping."))])
    code = c.require(data, "code", "")
    if code and not CODE_RE.match(code):
        c.add(
            "code",
            _("The code “%(code)s” may use only lowercase letters, digits and hyphens.")
            % {"code": code},
        )
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        c.add("version", _("The version must be a positive whole number."))
    name = c.require(data, "name", "")
    city = c.require(data, "city", "")
    provisional = data.get("provisional", False)
    if not isinstance(provisional, bool):
        c.add("provisional", _("Must be true or false."))
    total = c.decimal(data.get("total_points"), "total_points") if "total_points" in data else None
    if "total_points" not in data:
        c.add("total_points", _("The field is mandatory."))

    groups = []
    for i, g in enumerate(data.get("groups") or []):
        gcode = c.require(g, "code", f"groups[{i}]")
        gname = c.require(g, "name", f"groups[{i}]")
        if gcode and gname:
            groups.append(Group(gcode, gname, tuple(str(a) for a in g.get("agencies") or [])))

    categories = []
    seen_cat = set()
    cats_raw = c.require(data, "categories", "", kind=list) or []
    for i, cat in enumerate(cats_raw):
        where = f"categories[{i}]"
        ccode = c.require(cat, "code", where)
        cname = c.require(cat, "name", where)
        if ccode and ccode not in CATEGORIES:
            c.add(
                f"{where}.code",
                _("Unknown category “%(value)s”; use overall or project.") % {"value": ccode},
            )
        if ccode in seen_cat:
            c.add(f"{where}.code", _("Duplicate category %(code)s.") % {"code": ccode})
        seen_cat.add(ccode)
        rubric_raw = c.require(cat, "rubric", where, kind=list) or []
        seen_codes: set[str] = set()
        nodes = []
        for j, node_raw in enumerate(rubric_raw, start=1):
            node = _parse_node(c, node_raw, str(j), seen_codes)
            if node:
                nodes.append(node)
        if nodes and total is not None and len(nodes) == len(rubric_raw):
            s = sum((n.max_points for n in nodes), Decimal(0))
            if s != total:
                c.add(
                    f"{where} ({ccode})",
                    _("The rubric adds up to %(sum)s points, not the total of %(total)s.")
                    % {"sum": _fmt(s), "total": _fmt(total)},
                )
        if ccode and cname:
            categories.append(Category(ccode, cname, tuple(nodes)))

    scoring_raw = data.get("scoring") or {}
    if not isinstance(scoring_raw, dict):
        c.add("scoring", _("Must be a mapping."))
        scoring_raw = {}
    aggregation = scoring_raw.get("aggregation", "mean")
    if aggregation not in AGGREGATIONS:
        c.add(
            "scoring.aggregation",
            _("Unknown aggregation “%(value)s”; use one of %(choices)s.")
            % {"value": aggregation, "choices": ", ".join(AGGREGATIONS)},
        )
    rounding = scoring_raw.get("rounding", "half_up")
    if rounding not in ROUNDINGS:
        c.add(
            "scoring.rounding",
            _("Unknown rounding “%(value)s”; use one of %(choices)s.")
            % {"value": rounding, "choices": ", ".join(ROUNDINGS)},
        )
    step = c.decimal(scoring_raw.get("step", "0.5"), "scoring.step")
    if step is not None and step <= 0:
        c.add("scoring.step", _("The step must be greater than 0."))
    places = scoring_raw.get("places", 2)
    if not isinstance(places, int) or not 0 <= places <= 4:
        c.add("scoring.places", _("The number of decimal places must be 0 to 4."))
        places = 2
    trim = scoring_raw.get("trim", 1 if aggregation == "trimmed_mean" else 0)
    if not isinstance(trim, int) or trim < 0:
        c.add("scoring.trim", _("trim must be a whole number, 0 or more."))
        trim = 0
    margin = c.decimal(scoring_raw.get("disagreement_margin", "0.2"), "scoring.disagreement_margin")
    scoring = Scoring(
        aggregation, trim, step or Decimal("0.5"), places, rounding, margin or Decimal("0.2")
    )

    grades = _parse_grades(c, data.get("grades"))
    grade_codes = {g.code for g in grades} | c.declared_grades

    re_eval = None
    if data.get("re_evaluation") is not None:
        r = data["re_evaluation"]
        rg = c.require(r, "grade", "re_evaluation")
        pg = c.require(r, "pass_grade", "re_evaluation")
        pm = c.decimal(
            r.get("pass_mark") if isinstance(r, dict) else None, "re_evaluation.pass_mark"
        )
        for key, g in (("grade", rg), ("pass_grade", pg)):
            if g and g not in grade_codes:
                c.add(
                    f"re_evaluation.{key}",
                    _("Grade “%(grade)s” is not one of the grade bands.") % {"grade": g},
                )
        if rg and pg and pm is not None:
            re_eval = ReEvaluation(rg, pm, pg)

    milestones = _parse_milestones(c, data.get("milestones"))
    ft = data.get("field_tests") or {}
    phone = _parse_checklist(c, ft.get("phone"), "field_tests.phone", "parts")
    mystery = _parse_checklist(c, ft.get("mystery"), "field_tests.mystery", "sections")
    if mystery:
        s = sum((p.max_points for p in mystery), Decimal(0))
        if s != 100:
            c.add(
                "field_tests.mystery",
                _("The sections add up to %(sum)s points; they must add up to 100.")
                % {"sum": _fmt(s)},
            )
    rules = _parse_reward_rules(c, data.get("reward_rules"), grade_codes)
    preselection = _parse_preselection(c, data.get("preselection"))
    reminder_days = _parse_reminder_days(c, data.get("reminder_days"))

    if c.problems:
        raise ProgramInvalid(c.problems)
    return ProgramSpec(
        code=code,
        version=version,
        name=name,
        city=city,
        provisional=provisional,
        rule_prefix=str(data.get("rule_prefix") or ""),
        total_points=total,
        categories=tuple(categories),
        scoring=scoring,
        grades=grades,
        re_evaluation=re_eval,
        milestones=milestones,
        groups=tuple(groups),
        phone_parts=phone,
        mystery_sections=mystery,
        reward_rules=rules,
        preselection=preselection,
        reminder_days=reminder_days,
    )


def summary(spec: ProgramSpec) -> str:
    leaves = sum(len(c.leaves()) for c in spec.categories)
    return _(
        "OK %(code)s v%(version)s: categories %(categories)s, criteria %(leaves)s, total %(total)s points"
    ) % {
        "code": spec.code,
        "version": spec.version,
        "categories": len(spec.categories),
        "leaves": leaves,
        "total": _fmt(spec.total_points),
    }
