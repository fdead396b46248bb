"""Writes of the reviews app: panel, conflicts, assignments, sheets, import,
results, publication, improvement items (HSC-3, HSC-9..12, SPEC §3.3).

Every function is keyword-only, runs in one transaction and leaves an audit
record. Error messages are English msgids through gettext (zh-Hant catalogue in
reviews/locale), made when raised, in the language of the request or command.

One module per part of the work; this package exports them all, so callers keep
writing `services.assign(...)`."""

from .base import (
    ReviewError,
    SheetInvalid,
    StaleSheet,
    leaf_max,
    spec_of,
)
from .imports import (
    IMPORT_COLUMNS,
    LONG_HEADER,
    REQUIRED_IMPORT_COLUMNS,
    ImportReport,
    long_format_rows,
    scores_import,
)
from .improvements import (
    improvement_create,
    improvement_decide,
    improvement_respond,
)
from .panel import (
    AutoAssignProposal,
    AutoAssignReport,
    ProposalChanged,
    assign,
    auto_assign,
    auto_assign_proposal,
    conflict_declare,
    conflict_waive,
    conflicted_pairs,
    conflicts_sync_automatic,
    panel_add,
    panel_remove,
    panel_remove_check,
    unassign,
)
from .results import (
    CycleData,
    ResultRow,
    carry_over_lines,
    compute_cycle,
    load_cycle,
    publish_results,
    result_detail,
    results_json,
    results_table,
    unfreeze_results,
)
from .sheets import (
    exclusion_add,
    sheet_get_or_create,
    sheet_locked_since,
    sheet_reopen,
    sheet_save,
    sheet_validate,
    tie_break_record,
    validate_score,
    visit_record,
)

__all__ = [
    "AutoAssignProposal",
    "AutoAssignReport",
    "ProposalChanged",
    "auto_assign_proposal",
    "CycleData",
    "IMPORT_COLUMNS",
    "ImportReport",
    "LONG_HEADER",
    "REQUIRED_IMPORT_COLUMNS",
    "ResultRow",
    "ReviewError",
    "SheetInvalid",
    "StaleSheet",
    "result_detail",
    "assign",
    "auto_assign",
    "compute_cycle",
    "conflict_declare",
    "conflict_waive",
    "conflicted_pairs",
    "conflicts_sync_automatic",
    "exclusion_add",
    "improvement_create",
    "improvement_decide",
    "improvement_respond",
    "leaf_max",
    "load_cycle",
    "long_format_rows",
    "panel_add",
    "panel_remove",
    "panel_remove_check",
    "carry_over_lines",
    "publish_results",
    "results_json",
    "results_table",
    "scores_import",
    "sheet_get_or_create",
    "sheet_reopen",
    "sheet_locked_since",
    "sheet_save",
    "sheet_validate",
    "spec_of",
    "tie_break_record",
    "unassign",
    "unfreeze_results",
    "validate_score",
    "visit_record",
]
