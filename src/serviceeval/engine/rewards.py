"""Reward rules (HSC-11, HSC-13, CITY-12, CITY-13, CITY-15): plain facts in,
plain roster entries out. Pure Python, Decimal, no Django.

Each rule of the program (`reward_rules`) is one *decision*. Within one decision a
person (same name in the same agency) is listed once, whatever roles they hold
(SPEC §3.3 "no duplicates"); across decisions rewards add up. `milestone_highest`
(HSC-13) grants only the highest national-award status reached.
Averages are compared exactly: 89.995 does not reach 90.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .fieldtests import display, published, rank, to_decimal
from .program import AWARD_STATUSES, RECIPIENT_ROLES, RewardRule

KIND_NAMES = {
    "commendation": "嘉獎",
    "minor_merit": "記小功",
    "major_merit": "記大功",
    "reprimand": "申誡",
}
ROLE_NAMES = {
    "head": "主管",
    "section_chief": "承辦科長",
    "officer": "承辦人員",
    "evaluation_officer": "研考人員",
    "tested_staff": "受測人員",
}
STATUS_NAMES = {
    "recommended": "推薦參獎",
    "passed_initial": "通過初審",
    "shortlisted": "入圍",
    "won": "獲獎",
}
SOURCE_NAMES = {"phone": "電話禮貌測試", "mystery": "隱匿性服務稽核"}


@dataclass(frozen=True)
class ResultFact:
    """One agency's result (from the reviews app)."""

    agency_id: int
    status: str
    total: Decimal | None
    grade: str | None
    final_grade: str | None
    rank: int | None
    grade_name: str = ""


@dataclass
class RosterInput:
    """people: {agency_id: [(role, name)]} for head/section_chief/officer/evaluation_officer;
    tested_staff: {"phone"|"mystery": {agency_id: [name]}};
    averages: {"phone"|"mystery": {agency_id: exact mean (Fraction or Decimal)}};
    award_statuses: {agency_id: highest status reached (recommended … won)};
    order: {agency_id: sort key} (e.g. agency code)."""

    results: list[ResultFact] = field(default_factory=list)
    people: Mapping[int, list[tuple[str, str]]] = field(default_factory=dict)
    tested_staff: Mapping[str, Mapping[int, list[str]]] = field(default_factory=dict)
    averages: Mapping[str, Mapping[int, Decimal]] = field(default_factory=dict)
    award_statuses: Mapping[int, str] = field(default_factory=dict)
    order: Mapping[int, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    person: str
    roles: tuple[str, ...]
    agency_id: int
    kind: str
    count: int
    rule: str
    reason: str
    facts: dict = field(hash=False, compare=False)
    public_commendation: bool = False

    @property
    def role(self) -> str:
        return ",".join(self.roles)


@dataclass(frozen=True)
class Commendation:
    """A public commendation at the municipal affairs meeting (listed separately)."""

    agency_id: int
    rule: str
    reason: str


@dataclass
class Roster:
    entries: list[Entry] = field(default_factory=list)
    commendations: list[Commendation] = field(default_factory=list)


def recipients(
    roles: Iterable[str], people: list[tuple[str, str]], tested: list[str]
) -> list[tuple[str, tuple[str, ...]]]:
    """[(name, roles held)] in the rule's role order, each name once (no duplicates)."""
    order: list[str] = []
    held: dict[str, list[str]] = {}
    for role in roles:
        names = tested if role == "tested_staff" else [n for r, n in people if r == role]
        for name in names:
            if name not in held:
                held[name] = []
                order.append(name)
            if role not in held[name]:
                held[name].append(role)
    return [(name, tuple(held[name])) for name in order]


# The reasons below are stored on the roster entries and public commendations
# (rewards app) as the decision's wording: they stay zh-Hant text, not gettext
# messages (issue 15 item 2: stored values stay as they are stored).
def _decision(
    rule, agency_id, data, *, roles, kind, count, reason, facts, source=None, public=False
):
    tested = list(data.tested_staff.get(source, {}).get(agency_id, [])) if source else []
    return [
        Entry(name, held, agency_id, kind, int(count), rule.rule, reason, dict(facts), public)
        for name, held in recipients(roles, list(data.people.get(agency_id, [])), tested)
    ]


def _grade_rank(rule: RewardRule, data: RosterInput, roster: Roster) -> None:
    p = rule.params
    for r in data.results:
        if r.status != "complete":
            continue
        for o in p.get("outcomes") or []:
            if "grade" in o and o["grade"] != r.grade:
                continue
            if "final_grade" in o and o["final_grade"] != r.final_grade:
                continue
            if "rank" in o and o["rank"] != r.rank:
                continue
            grade = r.final_grade if "final_grade" in o else r.grade
            reason = f"考核成績 {display(r.total)} 分，等第 {r.grade_name or grade}"
            if "rank" in o:
                reason += f"，第 {r.rank} 名"
            if o.get("carry_over"):
                reason += "，未通過複評，列入次年額外考核"
            facts = {
                "total": display(r.total),
                "grade": r.grade,
                "final_grade": r.final_grade,
                "rank": r.rank,
                "carry_over": bool(o.get("carry_over")),
            }
            roster.entries += _decision(
                rule,
                r.agency_id,
                data,
                roles=p.get("recipients") or [],
                kind=o["reward"],
                count=o["count"],
                reason=reason,
                facts=facts,
            )
            break


def _average_threshold(rule: RewardRule, data: RosterInput, roster: Roster) -> None:
    p = rule.params
    source = p["source"]
    thresholds = sorted(
        p.get("thresholds") or [], key=lambda t: Decimal(str(t["min"])), reverse=True
    )
    for agency_id, avg in data.averages.get(source, {}).items():
        if avg is None:
            continue
        avg = published(avg)  # the published figure decides (SPEC §3.3)
        for t in thresholds:
            minimum = Decimal(str(t["min"]))
            if avg >= minimum:
                reason = f"{SOURCE_NAMES[source]}年度平均 {display(avg)} 分（≥ {minimum}）"
                public = bool(t.get("public_commendation"))
                facts = {
                    "source": source,
                    "average": str(to_decimal(avg)),
                    "threshold": str(minimum),
                }
                roster.entries += _decision(
                    rule,
                    agency_id,
                    data,
                    roles=p.get("recipients") or [],
                    kind=t["reward"],
                    count=t["count"],
                    reason=reason,
                    facts=facts,
                    source=source,
                    public=public,
                )
                if public:
                    roster.commendations.append(Commendation(agency_id, rule.rule, reason))
                break


def _top_n(rule: RewardRule, data: RosterInput, roster: Roster) -> None:
    p = rule.params
    source = p["source"]
    averages = {  # ranked on the published figure: equal figures share a rank
        k: published(v) for k, v in data.averages.get(source, {}).items() if v is not None
    }
    ranks = rank(averages)
    public = bool(p.get("public_commendation"))
    for agency_id, position in ranks.items():
        if position > int(p["n"]):
            continue
        avg = averages[agency_id]
        reason = (
            f"{SOURCE_NAMES[source]}年度平均 {display(avg)} 分，第 {position} 名（前 {p['n']} 名）"
        )
        facts = {
            "source": source,
            "average": str(to_decimal(avg)),
            "rank": position,
            "n": int(p["n"]),
        }
        roster.entries += _decision(
            rule,
            agency_id,
            data,
            roles=p.get("recipients") or [],
            kind=p["reward"],
            count=p["count"],
            reason=reason,
            facts=facts,
            source=source,
            public=public,
        )
        if public:
            roster.commendations.append(Commendation(agency_id, rule.rule, reason))


def status_position(status: str | None) -> int:
    """Position on the national-award ladder (recommended 0 … won 3); -1 for none."""
    return AWARD_STATUSES.index(status) if status in AWARD_STATUSES else -1


def _milestone_highest(rule: RewardRule, data: RosterInput, roster: Roster) -> None:
    """HSC-13: only the highest status reached is rewarded (no double reward)."""
    p = rule.params
    milestones = sorted(p.get("milestones") or [], key=lambda m: status_position(m["status"]))
    for agency_id, status in data.award_statuses.items():
        reached = status_position(status)
        best = None
        for m in milestones:
            if status_position(m["status"]) <= reached:
                best = m
        if best is None:
            continue
        reason = f"參加政府服務品質獎：{STATUS_NAMES[best['status']]}（僅採最高者）"
        facts = {"status": status, "rewarded_status": best["status"]}
        roster.entries += _decision(
            rule,
            agency_id,
            data,
            roles=p.get("recipients") or [],
            kind=best["reward"],
            count=best["count"],
            reason=reason,
            facts=facts,
        )


HANDLERS = {
    "grade_rank": _grade_rank,
    "average_threshold": _average_threshold,
    "top_n": _top_n,
    "milestone_highest": _milestone_highest,
}
ROLE_ORDER = {r: i for i, r in enumerate(RECIPIENT_ROLES)}


def compute_roster(rules: Iterable[RewardRule], data: RosterInput, *, kinds=None) -> Roster:
    """Every entry the program's rules grant (subsidy rules grant no entries).
    `kinds` limits the rule kinds run (e.g. only milestone_highest)."""
    roster = Roster()
    rules = [r for r in rules if r.kind in HANDLERS and (kinds is None or r.kind in kinds)]
    for rule in rules:
        part = Roster()
        HANDLERS[rule.kind](rule, data, part)
        part.entries.sort(
            key=lambda e: (
                data.order.get(e.agency_id, e.agency_id),
                ROLE_ORDER.get(e.roles[0], 9),
                e.person,
            )
        )
        part.commendations.sort(key=lambda c: data.order.get(c.agency_id, c.agency_id))
        roster.entries += part.entries
        roster.commendations += part.commendations
    return roster


def subsidy(params: Mapping, status: str | None) -> Decimal:
    """CITY-15: NT$ for every milestone status reached (cumulative)."""
    reached = status_position(status)
    return sum(
        (
            Decimal(str(m["amount"]))
            for m in params.get("milestones") or []
            if status_position(m["status"]) <= reached and reached >= 0
        ),
        Decimal(0),
    )
