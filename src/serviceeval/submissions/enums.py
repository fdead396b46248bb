from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PLAN = "plan", _("Implementation plan")
    REPORT = "report", _("Performance report")


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    # CITY-2: complete, sent to the agency head (送首長核定), not approved yet.
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting the head's approval")
    APPROVED = "approved", _("Approved by the head")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for revision")
    ACCEPTED = "accepted", _("Accepted")


# What the panel may read: a submitted or accepted plan or report, with its evidence.
# A draft (also one awaiting or given the head's approval but not sent, or one
# returned for revision) stays with the agency and its parent (CITY-6).
PANEL_STATES = (State.SUBMITTED, State.ACCEPTED)

# Status filter value for a submission that does not exist yet.
NOT_STARTED = "not_started"


class EventKind(models.TextChoices):
    SAVE = "save", _("Saved")
    REQUEST_APPROVAL = "request_approval", _("Sent to the head for approval")
    APPROVE = "approve", _("Approved")
    # The head sends it back to the officer (not approved), with a comment.
    HEAD_RETURN = "head_return", _("Returned to the officer by the head")
    SUBMIT = "submit", _("Submitted")
    RETURN = "return", _("Returned")
    ACCEPT = "accept", _("Accepted")
    REOPEN = "reopen", _("Reopened")
    COMMENT = "comment", _("Comment")


# A return whose reason still stands at the top of the submission and on the
# dashboard, until what answers it: the office's return until the agency submits
# again, the head's until the officer sends it for approval again (or it is
# approved or submitted).
RETURN_ANSWERED_BY = {
    EventKind.RETURN: (EventKind.SUBMIT, EventKind.ACCEPT),
    EventKind.HEAD_RETURN: (EventKind.REQUEST_APPROVAL, EventKind.APPROVE, EventKind.SUBMIT),
}


class EvidenceKind(models.TextChoices):
    FILE = "file", _("File")
    URL = "url", _("URL")


class LinkStatus(models.TextChoices):
    UNCHECKED = "unchecked", _("Not checked yet")
    OK = "ok", _("Link works")
    DEAD = "dead", _("Dead link")


# Milestone code of each kind's deadline (programs/*.yaml).
DEADLINE_MILESTONE = {Kind.PLAN: "plan_due", Kind.REPORT: "report_due"}

# CITY-2: the six required sections of an implementation plan.
PLAN_SECTIONS = (
    ("cover", _("Cover")),
    ("basic_data", _("Basic data")),
    ("overview", _("Current service overview")),
    ("content", _("Plan content")),
    ("control", _("Control (management and review) rules")),
    ("future", _("Future directions")),
)

# CITY-2: "the template depends on the category (Annex 1 overall, Annex 2 project)".
# What each section holds under each template, shown beside the section's box.
# %(dimensions)s is filled with the category's evaluation dimensions from the
# cycle's program (programs are data), e.g. 基礎服務、服務遞送、...
PLAN_GUIDANCE = {
    "overall": {
        "cover": _(
            "Agency name, plan title (implementation plan for improving service quality, "
            "year), the date the head approved it."
        ),
        "basic_data": _(
            "Organisation, service points and staff, the services offered directly to "
            "the public every day, and the cross-unit promotion team (CITY-7)."
        ),
        "overview": _(
            "The public services delivered now and their volumes, last year's "
            "evaluation result, and what the public expects and needs."
        ),
        "content": _(
            "For each evaluation dimension (%(dimensions)s): this year's priorities, "
            "concrete measures and measurable targets, as bullet items; do not write "
            "the same measure under two dimensions (CITY-3)."
        ),
        "control": _(
            "Who follows up, how often progress is reviewed, and how a shortfall is corrected."
        ),
        "future": _("The service development priorities for the coming years."),
    },
    "project": {
        "cover": _("Agency name, project name, the date the head approved it."),
        "basic_data": _(
            "Organisation, the units and other agencies that take part in the "
            "project, and the cross-unit promotion team (CITY-7)."
        ),
        "overview": _(
            "The problem the project solves: its causes, who is affected and the "
            "figures that show it."
        ),
        "content": _(
            "The solution, by evaluation dimension (%(dimensions)s): execution plan, "
            "implementation steps, supporting measures, periodic review mechanism "
            "(CITY-4), the internal and external benefits expected and how each is "
            "measured (formula)."
        ),
        "control": _(
            "Checkpoints, who reviews progress and how often, and the evidence that "
            "will be kept (project plan, key cross-agency process records, regulatory "
            "impact assessment, project site and database URLs)."
        ),
        "future": _(
            "Costs (budget, staff, time), why the expected benefit justifies them, and "
            "how the project continues or spreads afterwards."
        ),
    },
}

# CITY-3 / HSC-8: customer-satisfaction survey block.
SURVEY_SECTIONS = (
    ("survey_method", _("Survey method")),
    ("survey_sampling", _("Sampling method")),
    ("survey_results", _("Survey results")),
    ("survey_trend", _("Trend analysis")),
    ("survey_improvement", _("Improvement of dissatisfaction and its effect")),
)

# CITY-4: project-planning blocks.
PROJECT_SECTIONS = (
    ("project_execution_plan", _("Execution plan")),
    ("project_steps", _("Implementation steps")),
    ("project_supporting", _("Supporting measures")),
    ("project_review", _("Periodic review mechanism")),
    ("project_benefits", _("Benefit measures: formulas and figures")),
    ("project_cost_budget", _("Cost: budget")),
    ("project_cost_staff", _("Cost: staff")),
    ("project_cost_time", _("Cost: time")),
    ("project_cost_benefit", _("Why the benefit justifies the cost")),
)

# HSC-8: the four yearly figures whose growth rates are shown.
METRICS = (
    ("service_satisfaction", _("Service satisfaction (%)")),
    ("complaint_satisfaction", _("Complaint-handling satisfaction (%)")),
    ("online_services", _("Number of online services")),
    ("online_cases", _("Number of online-service cases")),
)
