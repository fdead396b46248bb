"""Signals other apps listen to, sent by the writes that change a cycle's data.

`roster_inputs_changed` (sender: the `Cycle` class, arguments `cycle` and `inputs`,
one of `RESULTS`, `FIELD_TESTS`, `PEOPLE`) is sent inside the writing transaction by
every write that changes a fact the reward roster is computed from: a sheet
submitted, reopened or imported, a conflict declared or waived, a reviewer
excluded, a tie broken, a participant added, field-test records, the cycle's
people. The rewards app recomputes the roster then, so reading the roster never
writes. It lives in core, below every app that sends or receives it, so none of
them imports another for this.
"""

from __future__ import annotations

from django.dispatch import Signal

RESULTS = "results"
FIELD_TESTS = "field_tests"
PEOPLE = "people"

roster_inputs_changed = Signal()

# Sent by `programs.services` when a program version is stored (arguments `spec`, the
# parsed program, and `using`, the database alias): the agencies app makes the
# groups it names (HSC-4), so programs, below agencies, does not import it.
program_loaded = Signal()


def announce_roster_inputs(cycle, inputs: str) -> None:
    roster_inputs_changed.send(sender=type(cycle), cycle=cycle, inputs=inputs)
