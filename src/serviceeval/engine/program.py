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
        return f"{self.where}: {self.message}"


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
            "應為 1 至 120 之整數清單，例如 [14, 7, 1] (a list of whole days 1–120, e.g. [14, 7, 1])",
        )
        return (14, 7, 1)
    return tuple(sorted(set(raw), reverse=True))


def _parse_preselection(c: _Collector, raw) -> Preselection:
    if raw is None:
        return Preselection()
    if not isinstance(raw, dict):
        c.add("preselection", "應為 {min, max} (must be a mapping with min and max)")
        return Preselection()
    lo, hi = raw.get("min", 1), raw.get("max", 2)
    ok = all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (lo, hi))
    if not ok or lo > hi or hi < 1:
        c.add(
            "preselection",
            f"min {lo} / max {hi} 應為整數且 0 ≤ min ≤ max、max ≥ 1 "
            "(whole numbers with 0 ≤ min ≤ max and max ≥ 1)",
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
            self.add(f"{where}.{key}" if where else key, "缺少必填欄位 (missing field)")
            return None
        value = data[key]
        if kind is str and not isinstance(value, (str, int)):
            self.add(f"{where}.{key}" if where else key, "應為文字 (must be text)")
            return None
        if kind is list and not isinstance(value, list):
            self.add(f"{where}.{key}" if where else key, "應為清單 (must be a list)")
            return None
        if kind is dict and not isinstance(value, dict):
            self.add(f"{where}.{key}" if where else key, "應為對應表 (must be a mapping)")
            return None
        return str(value) if kind is str else value

    def decimal(self, value, where: str, *, allow_negative=False) -> Decimal | None:
        if isinstance(value, bool) or value is None:
            self.add(where, "應為數字 (must be a number)")
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.add(where, f"「{value}」不是數字 (not a number)")
            return None
        if not number.is_finite():
            self.add(where, "應為有限數字 (must be finite)")
            return None
        if number < 0 and not allow_negative:
            self.add(where, f"配分不可為負數 {number} (negative points)")
            return None
        return number


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral() else format(d, "f")


def _parse_node(c: _Collector, raw, expected_code: str, seen: set[str]) -> RubricNode | None:
    if not isinstance(raw, dict):
        c.add(expected_code, "節點應為對應表 (node must be a mapping)")
        return None
    code = str(raw.get("code", "")).strip()
    where = code or expected_code
    if not code:
        c.add(expected_code, "缺少必填欄位 code (missing field)")
    elif code in seen:
        c.add(code, "節點代碼重複 (duplicate code)")
    elif code != expected_code:
        c.add(code, f"代碼應為其位置 {expected_code} (code must be its position path)")
    seen.add(code or expected_code)
    name = c.require(raw, "name", where)
    points = None
    if "max_points" not in raw:
        c.add(where, "缺少必填欄位 max_points (missing field)")
    else:
        points = c.decimal(raw["max_points"], where)
    leaf = raw.get("leaf")
    if not isinstance(leaf, bool):
        c.add(where, "缺少 leaf 或不是 true/false (leaf flag missing)")
        leaf = not raw.get("children")
    children_raw = raw.get("children") or []
    field_test = str(raw.get("field_test") or "")
    if field_test and field_test not in FIELD_TEST_SOURCES:
        c.add(where, f"未知的實地測試 field_test「{field_test}」 (unknown field test)")
    if leaf and children_raw:
        c.add(where, "評核重點（leaf）不可有子節點 (a leaf has children)")
    if not leaf and not children_raw:
        c.add(where, "非末端節點須有子節點 (an inner node has no children)")
    if field_test and not leaf:
        c.add(where, "field_test 只能設於評核重點 (field_test on an inner node)")
    if leaf and not str(raw.get("text") or "").strip():
        # The criterion text is what panel members score against and agencies write to.
        c.add(where, "評核重點缺少評分說明 text (a leaf needs its criterion text)")
    if not isinstance(children_raw, list):
        c.add(where, "children 應為清單 (children must be a list)")
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
                f"子節點配分合計 {_fmt(total)} 不等於上層配分 {_fmt(points)} "
                f"(children sum to {_fmt(total)}, parent has {_fmt(points)})",
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
        c.add("grades", "缺少等第區間 (missing grade bands)")
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
                c.add(where, f"等第 {code} 區間上限 {hi} 不大於下限 {lo} (empty band)")
            bands.append(GradeBand(code, name, lo, hi))
        elif len(c.problems) > before:
            unreadable = True
            if code:
                c.declared_grades.add(str(code))
    codes = [b.code for b in bands]
    for dup in sorted({x for x in codes if codes.count(x) > 1}):
        c.add("grades", f"等第代碼 {dup} 重複 (duplicate grade code)")
    if unreadable:
        # Order, gaps and overlaps cannot be judged until every band reads;
        # reporting them would only echo the problem named above.
        return tuple(sorted(bands, key=lambda b: b.min, reverse=True))
    ordered = sorted(bands, key=lambda b: b.min)
    if ordered and ordered[0].min != 0:
        c.add("grades", f"最低等第應自 0 分起算，現為 {ordered[0].min} (bands must start at 0)")
    for lower, upper in zip(ordered, ordered[1:], strict=False):
        if lower.max is None or lower.max > upper.min:
            c.add("grades", f"等第 {lower.code} 與 {upper.code} 區間重疊 (bands overlap)")
        elif lower.max < upper.min:
            c.add(
                "grades",
                f"等第 {lower.code} 與 {upper.code} 之間有空隙 {lower.max}–{upper.min} (bands leave a gap)",
            )
    if ordered and ordered[-1].max is not None:
        c.add("grades", "最高等第不應有上限 (the top band must have no max)")
    # Highest band first, as read in the rules.
    return tuple(sorted(bands, key=lambda b: b.min, reverse=True))


def _parse_checklist(c: _Collector, raw, where: str, key: str) -> tuple[ChecklistPart, ...]:
    if raw is None:
        return ()
    parts_raw = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(parts_raw, list) or not parts_raw:
        c.add(f"{where}.{key}", "缺少檢核項目 (missing checklist)")
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
                c.add(iw, f"項目代碼「{icode}」須為小寫英數與底線 (bad item code)")
            if icode in item_codes:
                c.add(iw, f"項目代碼 {icode} 重複 (duplicate item code)")
            item_codes.add(icode or "")
            if icode and iname and pts is not None:
                items.append(ChecklistItem(icode, iname, pts))
        if not items:
            c.add(pw, "沒有檢核項目 (no items)")
        if max_points is not None and items:
            total = sum((it.points for it in items), Decimal(0))
            if total != max_points:
                c.add(
                    pw, f"項目配分合計 {_fmt(total)} 不等於 {_fmt(max_points)} (items do not sum)"
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
        c.add(where, f"未知的獎懲種類「{value}」 (unknown reward; use {', '.join(REWARD_KINDS)})")


def _check_count(c: _Collector, where: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        c.add(where, "次數須為正整數 (count must be a positive integer)")


def _parse_reward_rules(c: _Collector, raw, grade_codes: set[str]) -> tuple[RewardRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.add("reward_rules", "應為清單 (must be a list)")
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
                where, f"未知的規則種類「{kind}」 (unknown rule kind; use {', '.join(RULE_KINDS)})"
            )
            continue
        params = r.get("params")
        if not isinstance(params, dict):
            c.add(f"{where}.params", "缺少必填欄位 (missing field)")
            continue
        for key in _RULE_PARAMS[kind]:
            if key not in params:
                c.add(f"{where}.params.{key}", "缺少必填欄位 (missing field)")
        for role in params.get("recipients") or []:
            if role not in RECIPIENT_ROLES:
                c.add(
                    f"{where}.params.recipients",
                    f"未知的受獎角色「{role}」 (unknown recipient role)",
                )
        if "source" in params and params["source"] not in FIELD_TEST_SOURCES:
            c.add(f"{where}.params.source", f"未知的來源「{params['source']}」 (unknown source)")
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
                    c.add(f"{ow}.{gk}", f"等第「{o[gk]}」不在等第區間內 (unknown grade)")
        for j, t in enumerate(params.get("thresholds") or []):
            tw = f"{where}.params.thresholds[{j}]"
            _check_reward(c, f"{tw}.reward", t.get("reward"))
            _check_count(c, f"{tw}.count", t.get("count"))
            c.decimal(t.get("min"), f"{tw}.min")
        for j, m in enumerate(params.get("milestones") or []):
            mw = f"{where}.params.milestones[{j}]"
            if m.get("status") not in AWARD_STATUSES:
                c.add(f"{mw}.status", f"未知的參獎階段「{m.get('status')}」 (unknown award status)")
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
            c.add(where, f"里程碑代碼 {code} 重複 (duplicate milestone)")
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
                c.add(f"{where}.date", f"日期「{date_s}」應為有效的 MM-DD (bad date)")
                month = None
        tmatch = re.fullmatch(r"(\d{1,2}):(\d{2})", time_s)
        if not tmatch or int(tmatch.group(1)) > 23 or int(tmatch.group(2)) > 59:
            c.add(f"{where}.time", f"時間「{time_s}」應為 HH:MM (bad time)")
            tmatch = None
        deadline = m.get("deadline", bool(code) and code.endswith("_due"))
        if not isinstance(deadline, bool):
            c.add(f"{where}.deadline", "deadline 應為 true 或 false (must be true or false)")
        if code and name and month and tmatch:
            t = time(int(tmatch.group(1)), int(tmatch.group(2)))
            rule = str(m.get("rule") or "")
            out.append(Milestone(code, name, month, day, t, rule, deadline is True))
    return tuple(out)


def parse_program(data) -> ProgramSpec:
    c = _Collector()
    if not isinstance(data, dict):
        raise ProgramInvalid(
            [Problem("(file)", "檔案內容應為 YAML 對應表 (must be a YAML mapping)")]
        )
    code = c.require(data, "code", "")
    if code and not CODE_RE.match(code):
        c.add("code", f"代碼「{code}」只能用小寫英數與連字號 (lowercase letters, digits, hyphens)")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        c.add("version", "版本須為正整數 (version must be a positive integer)")
    name = c.require(data, "name", "")
    city = c.require(data, "city", "")
    provisional = data.get("provisional", False)
    if not isinstance(provisional, bool):
        c.add("provisional", "應為 true 或 false (must be true/false)")
    total = c.decimal(data.get("total_points"), "total_points") if "total_points" in data else None
    if "total_points" not in data:
        c.add("total_points", "缺少必填欄位 (missing field)")

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
            c.add(f"{where}.code", f"未知的類別「{ccode}」 (use overall or project)")
        if ccode in seen_cat:
            c.add(f"{where}.code", f"類別 {ccode} 重複 (duplicate category)")
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
                    f"評核構面配分合計 {_fmt(s)} 不等於總分 {_fmt(total)} (rubric sums to {_fmt(s)})",
                )
        if ccode and cname:
            categories.append(Category(ccode, cname, tuple(nodes)))

    scoring_raw = data.get("scoring") or {}
    if not isinstance(scoring_raw, dict):
        c.add("scoring", "應為對應表 (must be a mapping)")
        scoring_raw = {}
    aggregation = scoring_raw.get("aggregation", "mean")
    if aggregation not in AGGREGATIONS:
        c.add(
            "scoring.aggregation",
            f"未知的彙整方式「{aggregation}」 (use {', '.join(AGGREGATIONS)})",
        )
    rounding = scoring_raw.get("rounding", "half_up")
    if rounding not in ROUNDINGS:
        c.add("scoring.rounding", f"未知的進位方式「{rounding}」 (use {', '.join(ROUNDINGS)})")
    step = c.decimal(scoring_raw.get("step", "0.5"), "scoring.step")
    if step is not None and step <= 0:
        c.add("scoring.step", "級距須大於 0 (step must be positive)")
    places = scoring_raw.get("places", 2)
    if not isinstance(places, int) or not 0 <= places <= 4:
        c.add("scoring.places", "小數位數須為 0–4 (places must be 0..4)")
        places = 2
    trim = scoring_raw.get("trim", 1 if aggregation == "trimmed_mean" else 0)
    if not isinstance(trim, int) or trim < 0:
        c.add("scoring.trim", "須為非負整數 (trim must be a whole number)")
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
                c.add(f"re_evaluation.{key}", f"等第「{g}」不在等第區間內 (unknown grade)")
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
                f"各區段配分合計 {_fmt(s)} 應為 100 (sections must sum to 100)",
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
    return (
        f"OK {spec.code} v{spec.version}: {len(spec.categories)} categories, "
        f"{leaves} leaves, total {_fmt(spec.total_points)} points"
    )
