"""Read API for programs, cycles and agencies. Permissions are the pages' selectors."""

from django.shortcuts import get_object_or_404
from ninja import Router

from serviceeval.accounts.rules import is_office
from serviceeval.agencies.selectors import agencies_visible_to
from serviceeval.cycles.selectors import cycles_visible_to, participants_of
from serviceeval.programs.models import Program
from serviceeval.programs.selectors import programs_all

from .schemas import AgencyOut, CycleDetailOut, CycleOut, ErrorOut, ProgramDetailOut, ProgramOut

router = Router(tags=["foundation"])


def _program(p: Program) -> dict:
    return {
        "code": p.code,
        "version": p.version,
        "name": p.name,
        "city": p.city,
        "provisional": p.provisional,
        "confirmed": p.confirmed_at is not None,
    }


def _agency(a) -> dict:
    return {
        "code": a.code,
        "name": a.name,
        "kind": a.kind,
        "category": a.category,
        "group": a.group.code if a.group_id else None,
        "parent": a.parent.code if a.parent_id else None,
    }


def _cycle(c) -> dict:
    return {
        "year": c.year,
        "program": c.program.code,
        "program_version": c.program.version,
        "scoring_started_at": c.scoring_started_at,
        "results_published_at": c.results_published_at,
    }


@router.get("/programs", response=list[ProgramOut])
def program_list(request):
    return [_program(p) for p in programs_all()]


@router.get("/programs/{code}/{version}", response={200: ProgramDetailOut, 404: ErrorOut})
def program_detail(request, code: str, version: int):
    program = get_object_or_404(Program, code=code, version=version)
    nodes = program.nodes.select_related("parent").order_by("category", "position")
    rubric = [
        {
            "category": n.category,
            "code": n.code,
            "name": n.name,
            "max_points": format(n.max_points, "f"),
            "leaf": n.leaf,
            "parent": n.parent.code if n.parent_id else None,
            "field_test": n.field_test,
        }
        for n in nodes
    ]
    return {**_program(program), "rubric": rubric}


@router.get("/agencies", response=list[AgencyOut])
def agency_list(request):
    return [_agency(a) for a in agencies_visible_to(request.user)]


@router.get("/agencies/{code}", response={200: AgencyOut, 404: ErrorOut})
def agency_detail(request, code: str):
    return _agency(get_object_or_404(agencies_visible_to(request.user), code=code))


@router.get("/cycles", response=list[CycleOut])
def cycle_list(request):
    return [_cycle(c) for c in cycles_visible_to(request.user)]


@router.get("/cycles/{year}", response={200: CycleDetailOut, 404: ErrorOut})
def cycle_detail(request, year: int):
    cycle = get_object_or_404(cycles_visible_to(request.user), year=year)
    participants = participants_of(cycle)
    if not is_office(request.user):
        participants = participants.filter(agency__in=agencies_visible_to(request.user))
    return {
        **_cycle(cycle),
        "milestones": [
            {
                "code": m.code,
                "name": m.name,
                "at": m.at,  # effective: a deadline off a non-working day (SPEC §3.3)
                "rule": m.rule,
                "nominal_at": m.nominal_at or m.at,
                "deadline": m.deadline,
                "moved_note": m.moved_note,
            }
            for m in cycle.milestones.all()
        ],
        "participants": [
            {
                "agency": p.agency.code,
                "name": p.agency.name,
                "category": p.category,
                "group": p.group.code if p.group_id else None,
                "reason": p.reason,
            }
            for p in participants
        ],
    }
