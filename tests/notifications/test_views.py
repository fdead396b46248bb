"""The notification pages (issue 13 item 6): a person's own notices with the
unread count in the header, reminder settings, the office's outbox."""

import pytest
from django.urls import reverse

from serviceeval.accounts.enums import Role
from serviceeval.notifications.enums import Kind
from serviceeval.notifications.models import Notification, OptOut
from serviceeval.notifications.services import notify
from tests.factories import user_for


@pytest.fixture
def officer(db):
    return user_for(Role.AGENCY_OFFICER, email="o@example.gov.tw")


def test_inbox_lists_own_notices_and_the_header_counts_unread(client, officer):
    other = user_for(Role.AGENCY_OFFICER)
    notify(
        users=[officer], kind=Kind.SUBMISSION_RETURNED, key="a", subject="退回了", url="/dashboard/"
    )
    notify(users=[other], kind=Kind.SUBMISSION_RETURNED, key="b", subject="別人的")
    client.force_login(officer)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "退回了" in page and "別人的" not in page
    assert '<span class="badge">1' in page


def test_opening_a_notice_marks_it_read_and_follows_its_link(client, officer):
    notify(users=[officer], kind=Kind.ASSIGNMENT, key="a", subject="s", url="/dashboard/")
    n = Notification.objects.get()
    client.force_login(officer)
    r = client.get(reverse("notifications:open", args=[n.pk]))
    assert (r.status_code, r.url) == (302, "/dashboard/")
    n.refresh_from_db()
    assert n.read_at is not None
    assert '<span class="badge">' not in client.get("/dashboard/").content.decode()


def test_someone_elses_notice_answers_404(client, officer):
    other = user_for(Role.AGENCY_OFFICER)
    notify(users=[other], kind=Kind.ASSIGNMENT, key="a", subject="s")
    client.force_login(officer)
    n = Notification.objects.get()
    assert client.get(reverse("notifications:open", args=[n.pk])).status_code == 404


def test_an_outside_link_is_not_followed(client, officer):
    notify(users=[officer], kind=Kind.ASSIGNMENT, key="a", subject="s", url="//evil.example/")
    client.force_login(officer)
    r = client.get(reverse("notifications:open", args=[Notification.objects.get().pk]))
    assert r.url == reverse("notifications:inbox")


def test_read_all(client, officer):
    for k in "abc":
        notify(users=[officer], kind=Kind.ASSIGNMENT, key=k, subject="s")
    client.force_login(officer)
    r = client.post(reverse("notifications:read_all"), follow=True)
    assert "3" in r.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_settings_turn_optional_reminders_off_and_on(client, officer):
    client.force_login(officer)
    page = client.get(reverse("notifications:settings")).content.decode()
    assert 'value="deadline_coming"' in page and 'value="submission_returned"' not in page
    client.post(reverse("notifications:settings"), {"wanted": ["improvement_due"]})
    assert set(OptOut.objects.values_list("kind", flat=True)) == {
        Kind.DEADLINE_COMING,
        Kind.SUBMISSION_ACCEPTED,
    }
    client.post(
        reverse("notifications:settings"),
        {"wanted": ["improvement_due", "deadline_coming", "submission_accepted"]},
    )
    assert not OptOut.objects.exists()


def test_outbox_is_the_offices_and_filters(client, officer):
    office = user_for(Role.COORDINATOR)
    notify(users=[officer], kind=Kind.ASSIGNMENT, key="a", subject="甲通知")
    notify(users=[office], kind=Kind.IMPROVEMENT_ANSWERED, key="b", subject="乙通知")
    client.force_login(officer)
    assert client.get(reverse("notifications:outbox")).status_code == 403
    client.force_login(office)
    page = client.get(reverse("notifications:outbox"), {"kind": "assignment"}).content.decode()
    assert "甲通知" in page and "乙通知" not in page
    page = client.get(reverse("notifications:outbox"), {"q": officer.username}).content.decode()
    assert "甲通知" in page and "乙通知" not in page


@pytest.mark.parametrize("n", [1, 5])
def test_pages_take_constant_queries(client, officer, n, django_assert_max_num_queries):
    office = user_for(Role.COORDINATOR)
    for i in range(n):
        notify(users=[officer, office], kind=Kind.ASSIGNMENT, key=f"k{i}", subject="s")
    client.force_login(officer)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("notifications:inbox")).status_code == 200
    client.force_login(office)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("notifications:outbox")).status_code == 200
