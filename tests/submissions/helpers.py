from decimal import Decimal

from serviceeval.submissions import services
from serviceeval.submissions.enums import PLAN_SECTIONS, Kind
from serviceeval.submissions.services import EntryInput, SaveInput


def report(w, agency=None):
    agency = agency or w.agency
    return services.submission_get_or_create(
        cycle=w.cycle, agency=agency, kind=Kind.REPORT, category=agency.category
    )


def plan(w, agency=None):
    agency = agency or w.agency
    return services.submission_get_or_create(
        cycle=w.cycle, agency=agency, kind=Kind.PLAN, category=agency.category
    )


def complete_input(submission) -> SaveInput:
    data = SaveInput()
    if submission.kind == Kind.PLAN:
        data.sections = {code: f"{label}內容" for code, label in PLAN_SECTIONS}
        return data
    for code, label in services.section_codes(submission.kind, submission.category):
        data.sections[code] = f"{label}說明"
    for leaf in services.leaves_for(submission.cycle, submission.category):
        data.entries[leaf.code] = EntryInput(
            narrative=f"{leaf.code} 的具體執行成果與效益", self_score=Decimal("10")
        )
    return data


def save(submission, user, data, version=None):
    submission.refresh_from_db()
    return services.submission_save(
        submission=submission,
        user=user,
        base_version=submission.version if version is None else version,
        data=data,
    )


def approved_and_submitted(w, submission):
    save(submission, w.officer, complete_input(submission))
    submission.refresh_from_db()
    services.submission_approve(submission=submission, user=w.head)
    services.submission_submit(submission=submission, user=w.officer)
    submission.refresh_from_db()
    return submission
