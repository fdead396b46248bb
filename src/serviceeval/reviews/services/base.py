"""Shared pieces of the reviews services: errors, the cycle's parsed program, the freeze check."""

from decimal import Decimal

from django.utils.translation import gettext as _

from serviceeval.cycles.models import Cycle
from serviceeval.engine.program import ProgramSpec

from ..conflicts import conflicted_pairs as conflicted_pairs


class ReviewError(Exception):
    """A refused action; the message is shown to the user as is."""


class SheetInvalid(ReviewError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class StaleSheet(ReviewError):
    """Someone saved the sheet since this form was loaded."""

    def __init__(self, changes: list[dict], version: int):
        self.changes = changes  # [{"criterion", "score", "comment", "by", "at"}]
        self.version = version
        super().__init__(
            _("Someone else has updated this sheet since you opened it; your input was not saved.")
        )


_SPECS: dict[tuple[int, str], ProgramSpec] = {}


def spec_of(cycle: Cycle) -> ProgramSpec:
    """The cycle's parsed program, parsed once per process and program version."""
    program = cycle.program
    key = (program.pk, program.checksum)
    if key not in _SPECS:
        _SPECS[key] = program.spec
    return _SPECS[key]


def leaf_max(spec: ProgramSpec, category: str) -> dict[str, Decimal]:
    return {leaf.code: leaf.max_points for leaf in spec.category(category).leaves()}


def _frozen_check(cycle: Cycle) -> None:
    if cycle.results_published_at is not None:
        raise ReviewError(_("The results are published and frozen; unfreeze them first."))
