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


def test_demo_has_an_agency_with_two_earlier_published_cycles_issue12():
    """Issue 12 item 3: 衛生局 has 103 and 104 published (乙 then 甲), with report
    figures and field tests, so its results by year and the feedback report's "last
    time" show something; no 丙 there, so nobody is carried over into 105 (HSC-11)."""
    from serviceeval.accounts.models import User
    from serviceeval.cycles.models import CarryOver
    from serviceeval.reviews.models import Result
    from serviceeval.reviews.selectors.history import agency_history

    ctx = build()
    health = ctx["agencies"]["HC-101"]
    history = agency_history(User.objects.get(username="officer"), agency_id=health.pk)
    assert [(y["cycle"].year, y["final_grade"]) for y in history["years"]] == [
        (103, "乙等"),
        (104, "甲等"),
    ]
    assert history["has_growth"] and history["has_field_tests"]
    assert not Result.objects.filter(cycle__year__in=(103, 104), final_grade="C").exists()
    assert not CarryOver.objects.exists()
