"""The audit table is append-only in the database too (issue 9, finding F10), and an
event keeps who did it when that account is deleted."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.urls import reverse

from serviceeval.accounts.enums import Role
from serviceeval.agencies.services import agency_move_category
from serviceeval.core.audit import audit_bulk, audit_maintenance, audit_record, history_for
from serviceeval.core.models import AuditEvent
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    user = UserFactory(first_name="美玲", last_name="陳")
    return audit_record(
        actor=user, action="sheet_saved", obj=user, before={"score": "80"}, after={"score": "90"}
    )


def _refused(sql_or_call):
    """The statement fails in the database; the savepoint keeps the test's transaction."""
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        if callable(sql_or_call):
            sql_or_call()
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql_or_call)
    assert "audit events are append-only" in str(exc.value)


def test_f10_audit_rows_cannot_be_updated_through_base_manager(event):
    _refused(lambda: AuditEvent._base_manager.filter(pk=event.pk).update(after={"score": "100"}))
    _refused("UPDATE core_auditevent SET reason = 'edited'")
    assert AuditEvent.objects.values_list("after", "reason").get(pk=event.pk) == (
        {"score": "90"},
        "",
    )


def test_f10_audit_rows_cannot_be_deleted_through_base_manager_or_sql(event):
    _refused(lambda: AuditEvent._base_manager.filter(pk=event.pk).delete())
    _refused("DELETE FROM core_auditevent")
    if connection.vendor == "postgresql":
        _refused("TRUNCATE core_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).count() == 1


def test_f10_deleting_a_user_keeps_actor_name(event):
    actor_id = event.actor_id
    event.actor.delete()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert (kept.actor_id, kept.actor_username, kept.actor_name, kept.actor_label) == (
        actor_id,
        event.actor_username,
        "美玲 陳",
        "美玲 陳",
    )
    assert [
        e.actor_label for e in AuditEvent.objects.filter(pk=event.pk).select_related("actor")
    ] == ["美玲 陳"]


def test_f10_deleting_a_user_in_the_admin_keeps_the_name_on_the_history(client):
    agency = AgencyFactory()
    mover = UserFactory(role=Role.COORDINATOR, first_name="志明", last_name="林")
    agency_move_category(agency=agency, category="project", user=mover, reason="改列專案類")
    admin = UserFactory(role=Role.COORDINATOR, is_superuser=True)  # the office may not delete
    client.force_login(admin)
    response = client.post(reverse("admin:accounts_user_delete", args=[mover.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert [e.actor_label for e in history_for(agency)] == ["志明 林"]
    page = client.get(reverse("agency_detail", args=[agency.pk])).content.decode()
    assert "category_moved · 志明 林" in page


def test_bulk_events_keep_their_actor_names_too():
    user = UserFactory(first_name="", last_name="")
    audit_bulk(
        [
            AuditEvent(
                actor=user, action="sheet_imported", object_type="reviews.sheet", object_id="1"
            ),
            AuditEvent(
                actor_id=user.pk,
                action="sheet_imported",
                object_type="reviews.sheet",
                object_id="2",
            ),
            AuditEvent(
                actor=None, action="sheet_imported", object_type="reviews.sheet", object_id="3"
            ),
        ]
    )
    assert list(
        AuditEvent.objects.order_by("object_id").values_list("actor_username", "actor_name")
    ) == [(user.username, user.username), (user.username, user.username), ("", "")]


@pytest.mark.django_db(transaction=True)
def test_the_maintenance_hatch_needs_a_transaction(event):
    """Outside a transaction it would outlive the statement: refused. (The flush
    after this test empties an audit table through the hatch, tests/conftest.py.)"""
    with pytest.raises(TransactionManagementError), audit_maintenance():
        pass
    _refused("DELETE FROM core_auditevent")


def test_the_maintenance_hatch_lets_one_transaction_delete_but_never_update(event):
    with transaction.atomic():
        with audit_maintenance():
            _refused("UPDATE core_auditevent SET reason = 'edited'")
            with transaction.atomic():
                AuditEvent._base_manager.filter(pk=event.pk).delete()
                assert AuditEvent.objects.count() == 0
                transaction.set_rollback(True)
        # Closed again at the end of the block, inside the same transaction.
        _refused("DELETE FROM core_auditevent")
    assert AuditEvent.objects.count() == 1
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM core_auditmaintenance")
            assert cursor.fetchone() == (0,)
