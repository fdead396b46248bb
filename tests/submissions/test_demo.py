"""Demo submissions: present, usable, idempotent."""

import pytest

from serviceeval.demo import build
from serviceeval.submissions.enums import State
from serviceeval.submissions.models import Reopen, Submission, SubmissionEvent


@pytest.mark.django_db
def test_demo_submissions_are_idempotent_and_usable(client):
    ctx = build()
    first = (Submission.objects.count(), SubmissionEvent.objects.count(), Reopen.objects.count())
    build()
    assert (
        Submission.objects.count(),
        SubmissionEvent.objects.count(),
        Reopen.objects.count(),
    ) == first
    health = ctx["agencies"]["HC-101"]
    report = Submission.objects.get(cycle__year=105, agency=health, kind="report")
    assert report.state == State.DRAFT
    assert report.entries.count() == 3
    assert Reopen.objects.get(agency=health).reason == "示範用重新開放"
    officer = next(u for u in ctx["users"] if u.username == "officer")
    client.force_login(officer)
    # The reopened report can be edited although cycle 105's deadline lies in 2016.
    response = client.get(f"/submissions/105/report/{health.pk}/edit/")
    assert response.status_code == 200
    assert "已鎖定" not in response.content.decode()
    assert "中正區公所" in client.get("/submissions/public/116/").content.decode()
    assert (
        Submission.objects.get(cycle__year=116, agency__code="CT-100", kind="plan").state
        == State.DRAFT
    )
