from datetime import datetime

from ninja import Schema


class ProgramOut(Schema):
    code: str
    version: int
    name: str
    city: str
    provisional: bool
    confirmed: bool


class RubricNodeOut(Schema):
    category: str
    code: str
    name: str
    max_points: str
    leaf: bool
    parent: str | None
    field_test: str


class ProgramDetailOut(ProgramOut):
    rubric: list[RubricNodeOut]


class AgencyOut(Schema):
    code: str
    name: str
    kind: str
    category: str
    group: str | None
    parent: str | None


class MilestoneOut(Schema):
    code: str
    name: str
    at: datetime  # effective: a deadline on a non-working day moves (SPEC §3.3)
    rule: str
    nominal_at: datetime  # the program's moment
    deadline: bool
    moved_note: str  # why `at` differs from `nominal_at`, else ""


class ParticipantOut(Schema):
    agency: str
    name: str
    category: str
    group: str | None
    reason: str


class CycleOut(Schema):
    year: int
    program: str
    program_version: int
    scoring_started_at: datetime | None
    results_published_at: datetime | None


class CycleDetailOut(CycleOut):
    milestones: list[MilestoneOut]
    participants: list[ParticipantOut]


class ErrorOut(Schema):
    detail: str


class ResultOut(Schema):
    """One object of `compute_results --json` (issue 4)."""

    agency: str
    name: str
    group: str | None
    status: str
    total: str | None
    grade: str | None
    final_grade: str | None
    rank: int | None
    category: str
    grade_name: str | None
    final_grade_name: str | None


class RosterEntryOut(Schema):
    """One object of `rewards --json` (issue 5)."""

    person: str
    role: str
    agency: str
    kind: str
    count: int
    rule: str
    reason: str
    kind_name: str
    role_name: str
    public_commendation: bool
