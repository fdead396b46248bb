"""Pages of the panel review: panel, sheets, results, calibration, feedback,
improvement items. Every view is classified by `access`; every object goes
through a selector so what a user may not see answers 404.

One module per sub-domain; urls.py names the views through this package."""

from .calibration import calibration, calibration_agency
from .feedback import feedback, feedback_export
from .grid import assignment_grid
from .improvements import improvement, improvement_evidence, improvement_letter, improvements
from .overview import cycle_overview
from .panel import declare_conflict, home, panel
from .progress import progress
from .results import results, results_action, results_export, scores_export
from .sheets import agency_review, sheet, sheet_reopen

__all__ = [
    "home",
    "declare_conflict",
    "panel",
    "assignment_grid",
    "progress",
    "sheet",
    "sheet_reopen",
    "agency_review",
    "results",
    "results_action",
    "results_export",
    "cycle_overview",
    "scores_export",
    "calibration",
    "calibration_agency",
    "feedback",
    "feedback_export",
    "improvements",
    "improvement",
    "improvement_evidence",
    "improvement_letter",
]
