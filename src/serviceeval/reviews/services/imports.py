"""The all-or-nothing score import and the long-format export rows."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceeval.accounts.enums import Role
from serviceeval.accounts.models import User
from serviceeval.core.audit import audit_bulk
from serviceeval.core.models import AuditEvent
from serviceeval.core.signals import RESULTS, announce_roster_inputs
from serviceeval.core.tabular import row_label
from serviceeval.cycles.models import Cycle
from serviceeval.cycles.services import cycle_mark_scoring_started

from ..models import (
    Assignment,
    Conflict,
    PanelMember,
    PanelRole,
    Round,
    Score,
    Sheet,
    SheetStatus,
)
from .base import conflicted_pairs, leaf_max, spec_of
from .panel import re_evaluated_agency_ids, re_evaluated_band
from .sheets import validate_score

# --- import (all-or-nothing) -------------------------------------------------------

IMPORT_COLUMNS = ("agency", "reviewer", "criterion", "score", "comment")
REQUIRED_IMPORT_COLUMNS = ("agency", "reviewer", "criterion", "score")


@dataclass
class ImportReport:
    sheets: int = 0
    scores: int = 0
    errors: list[str] = field(default_factory=list)


def scores_import(
    *, cycle: Cycle, rows, actor=None, round: str = Round.FIRST, add_reviewers: bool = False
) -> ImportReport:
    """Import score rows (agency by code or exact name, reviewer by username,
    criterion by code). Any bad row rejects the whole file: nothing is stored.
    Imported sheets count as submitted; their scores replace the sheet's.

    Each bad row is one message, 「第 3 列：problem；problem」: the row (`row_label`),
    a full-width colon, the row's problems joined by a full-width semicolon; a
    problem names the column (a code the file's author types) and its value."""
    report = ImportReport()
    if cycle.results_published_at is not None:
        report.errors.append(_("The results are published and frozen; nothing can be imported."))
        return report
    if round not in Round.values:
        report.errors.append(
            _("Unknown scoring round “%(round)s” (use first or re-evaluation).") % {"round": round}
        )
        return report
    spec = spec_of(cycle)
    participants = {}
    for agency_id, code, name, category in cycle.participants.values_list(
        "agency_id", "agency__code", "agency__name", "category"
    ):
        participants[code] = participants[name] = (agency_id, category)
    maxima = {c.code: leaf_max(spec, c.code) for c in spec.categories}
    step = spec.scoring.step
    users = {}
    usernames = {str(r.get("reviewer", "")).strip() for _number, r in rows}
    for pk, username, role in User.objects.filter(username__in=usernames).values_list(
        "pk", "username", "role"
    ):
        users[username] = (pk, role)
    panel = set(cycle.panel.values_list("user_id", flat=True))
    assigned = set(cycle.assignments.filter(round=round).values_list("reviewer_id", "agency_id"))
    blocked = conflicted_pairs(cycle)
    # HSC-10: a re-evaluation file may only score the agencies graded 丙 in round one.
    re_evaluated = re_evaluated_agency_ids(cycle) if round == Round.RE_EVALUATION else None
    band = re_evaluated_band(cycle)
    seen: dict[tuple[int, int, str], int] = {}
    cleaned: dict[tuple[int, int], dict[str, tuple[Decimal, str]]] = defaultdict(dict)
    to_assign: set[tuple[int, int]] = set()
    to_panel: set[int] = set()
    errors = report.errors
    for number, row in rows:
        agency_key = str(row.get("agency", "")).strip()
        username = str(row.get("reviewer", "")).strip()
        code = str(row.get("criterion", "")).strip()
        problems = []
        agency = participants.get(agency_key)
        if agency is None:
            problems.append(
                _("agency “%(value)s” is not a participant of this cycle") % {"value": agency_key}
            )
        elif re_evaluated is not None and agency[0] not in re_evaluated:
            if band is None:
                problems.append(
                    _("agency “%(value)s”: this program has no re-evaluation round")
                    % {"value": agency_key}
                )
            else:
                problems.append(
                    _(
                        "agency “%(value)s” was not graded %(band)s in the first round and needs no re-evaluation"
                    )
                    % {"value": agency_key, "band": band}
                )
        user = users.get(username)
        if user is None:
            problems.append(_("reviewer “%(value)s” does not exist") % {"value": username})
        elif user[1] != Role.REVIEWER:
            problems.append(
                _("reviewer “%(value)s” is not a reviewer account") % {"value": username}
            )
        if agency is not None and code not in maxima[agency[1]]:
            problems.append(_("criterion “%(value)s” does not exist") % {"value": code})
        if agency is not None and code in maxima[agency[1]]:
            value, problem = validate_score(row.get("score"), maxima[agency[1]][code], step)
            if problem:
                problems.append(
                    _("column “%(column)s”: %(problem)s") % {"column": "score", "problem": problem}
                )
            elif value is None:
                problems.append(_("column “%(column)s” is empty") % {"column": "score"})
        else:
            value = None
        if agency is not None and user is not None and user[1] == Role.REVIEWER:
            pair = (user[0], agency[0])
            if pair in blocked:
                problems.append(
                    _("reviewer “%(value)s” has a conflict of interest with the agency")
                    % {"value": username}
                )
            elif pair not in assigned:
                if add_reviewers:
                    to_assign.add(pair)
                    if user[0] not in panel:
                        to_panel.add(user[0])
                else:
                    problems.append(
                        _(
                            "reviewer “%(value)s” is not assigned to this agency; --add-reviewers assigns them"
                        )
                        % {"value": username}
                    )
            key = (agency[0], user[0], code)
            if key in seen:
                problems.append(_("duplicate of %(row)s") % {"row": row_label(seen[key])})
            else:
                seen[key] = number
        if problems:
            errors.append(f"{row_label(number)}：{'；'.join(problems)}")
            continue
        cleaned[(agency[0], user[0])][code] = (value, str(row.get("comment", "") or "").strip())
    if not rows:
        errors.append(_("The file has no data rows."))
    if errors:
        return report
    _store_import(cycle, cleaned, to_assign, to_panel, round, actor)
    report.sheets = len(cleaned)
    report.scores = sum(len(v) for v in cleaned.values())
    return report


@transaction.atomic
def _store_import(cycle, cleaned, to_assign, to_panel, round, actor) -> None:
    PanelMember.objects.bulk_create(
        [PanelMember(cycle=cycle, user_id=u, role=PanelRole.MEMBER) for u in sorted(to_panel)]
    )
    Assignment.objects.bulk_create(
        [
            Assignment(cycle=cycle, reviewer_id=r, agency_id=a, round=round, automatic=False)
            for r, a in sorted(to_assign)
        ]
    )
    now = timezone.now()
    existing = {
        (s.agency_id, s.reviewer_id): s
        for s in Sheet.objects.filter(cycle=cycle, round=round)
        .order_by()
        .only("pk", "agency_id", "reviewer_id", "version")
    }
    new_sheets = [
        Sheet(
            cycle=cycle,
            agency_id=a,
            reviewer_id=r,
            round=round,
            status=SheetStatus.SUBMITTED,
            imported=True,
            submitted_at=now,
        )
        for (a, r) in cleaned
        if (a, r) not in existing
    ]
    Sheet.objects.bulk_create(new_sheets, batch_size=2000)
    touched = [existing[k].pk for k in cleaned if k in existing]
    if touched:
        for start in range(0, len(touched), 900):
            chunk = touched[start : start + 900]
            Score.objects.filter(sheet_id__in=chunk).delete()
            Sheet.objects.filter(pk__in=chunk).update(
                status=SheetStatus.SUBMITTED,
                imported=True,
                submitted_at=now,
                version=F("version") + 1,
                updated=now,
            )
    if new_sheets and new_sheets[0].pk is None:  # backends that do not return ids
        existing = {
            (s.agency_id, s.reviewer_id): s
            for s in Sheet.objects.filter(cycle=cycle, round=round)
            .order_by()
            .only("pk", "agency_id", "reviewer_id")
        }
    else:
        existing.update({(s.agency_id, s.reviewer_id): s for s in new_sheets})

    _insert_scores(
        (existing[key].pk, code, value, comment)
        for key, values in cleaned.items()
        for code, (value, comment) in values.items()
    )
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    if connection.vendor == "postgresql" and len(cleaned) > 1000:
        # Fresh planner statistics after a bulk load, so the next reads use good plans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reviews_sheet")
            cursor.execute("ANALYZE reviews_score")
    audit_bulk(
        [
            AuditEvent(
                actor=actor_obj,
                action="sheet_imported",
                object_type="reviews.sheet",
                object_id=str(existing[key].pk),
                agency_id=key[0],
                after={
                    "round": round,
                    "scores": {c: format(v, "f") for c, (v, _comment) in vals.items()},
                },
            )
            for key, vals in cleaned.items()
        ]
    )
    announce_roster_inputs(cycle, RESULTS)
    cycle_mark_scoring_started(cycle=cycle)


def _insert_scores(rows) -> None:
    """Store (sheet id, criterion, score, comment) rows as `Score.objects.bulk_create`
    would, without building 260,000 model instances and compiling each one's values
    (two thirds of the national import's time): COPY on PostgreSQL (psycopg 3 binds
    the parameters of a multi-row INSERT in Python, no faster than bulk_create),
    multi-row INSERTs elsewhere. Each distinct score is converted for the database by
    the field itself, once. docs/PERFORMANCE.md has the figures."""
    meta = Score._meta
    fields = [meta.get_field(name) for name in ("sheet", "criterion", "score", "comment")]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    score_field = fields[2]
    prepared: dict[str, object] = {}

    def db_score(value):
        if value is None:
            return None
        key = str(value)  # Decimal("48") == Decimal("48.0"): keep each form as given
        if key not in prepared:
            prepared[key] = score_field.get_db_prep_save(value, connection)
        return prepared[key]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):
            # Names from the model, quoted; the values travel as COPY data.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for sheet_id, criterion, value, comment in rows:
                    copy.write_row((sheet_id, criterion, db_score(value), comment))
            return
        per_statement = 500
        if connection.features.max_query_params:
            per_statement = min(per_statement, connection.features.max_query_params // 4)
        # Names from the model, quoted; every value is a query parameter.
        sql = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 (quoted model names; values are parameters)
        batch: list = []

        def flush():
            cursor.execute(sql + ", ".join(["(%s, %s, %s, %s)"] * (len(batch) // 4)), batch)
            batch.clear()

        for sheet_id, criterion, value, comment in rows:
            batch += (sheet_id, criterion, db_score(value), comment)
            if len(batch) >= per_statement * 4:
                flush()
        if batch:
            flush()


# --- exports -------------------------------------------------------------------------

LONG_HEADER = (
    "agency",
    "agency_name",
    "reviewer",
    "reviewer_name",
    "round",
    "criterion",
    "score",
    "comment",
    "status",
)


def long_format_rows(cycle: Cycle):
    """agency × reviewer × criterion × round, every stored score, in rubric order."""
    spec = spec_of(cycle)
    position = {}
    for category in spec.categories:
        for i, node in enumerate(category.nodes()):
            position.setdefault(node.code, i)
    rows = list(
        Score.objects.filter(sheet__cycle=cycle)
        .order_by()
        .values_list(
            "sheet__agency__code",
            "sheet__agency__name",
            "sheet__reviewer__username",
            "sheet__reviewer__last_name",
            "sheet__round",
            "criterion",
            "score",
            "comment",
            "sheet__status",
        )
    )
    round_order = {Round.FIRST: 0, Round.RE_EVALUATION: 1}
    rows.sort(key=lambda r: (r[0], round_order.get(r[4], 9), r[2], position.get(r[5], 1 << 20)))
    # A sheet of a reviewer with an unwaived conflict with the agency is kept but says
    # so: its status is `conflict`, not `submitted` (issue 13).
    blocked = {
        (reviewer, agency)
        for reviewer, agency in Conflict.objects.filter(
            cycle=cycle, waived_at__isnull=True
        ).values_list("reviewer__username", "agency__code")
    }
    if blocked:
        rows = [r if (r[2], r[0]) not in blocked else (*r[:8], "conflict") for r in rows]
    return rows
