"""The reviews demo: idempotent, results with 甲/乙/丙, one re-evaluation passes, one fails."""

import pytest

from serviceeval.core.models import AuditEvent
from serviceeval.cycles.models import Cycle
from serviceeval.demo import build
from serviceeval.reviews.models import Score, Sheet
from serviceeval.reviews.services import results_json

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_has_a_mix_of_grades_hsc9_hsc10():
    build()
    counts = (Sheet.objects.count(), Score.objects.count(), AuditEvent.objects.count())
    build()
    assert (Sheet.objects.count(), Score.objects.count(), AuditEvent.objects.count()) == counts
    rows = {r["agency"]: r for r in results_json(Cycle.objects.get(year=105))}
    assert len(rows) == 16
    assert {r["grade"] for r in rows.values()} == {"A", "B", "C", None}
    assert (rows["HC-203"]["grade"], rows["HC-203"]["final_grade"]) == ("C", "B")
    assert (rows["HC-305"]["grade"], rows["HC-305"]["final_grade"]) == ("C", "C")
    assert rows["HC-101"]["status"] == "incomplete"
    draft = Sheet.objects.get(reviewer__username="reviewer", agency__code="HC-101")
    assert draft.status == "draft"
