"""Writes of the notifications app: record notices, deliver them by e-mail,
mark them read, keep a person's opt-outs (issue 13 item 6).

Every other app tells people through `notify` (or `notify_many` for a batch):
the notice is stored once per person and key, shown in the app at once, and
e-mailed after the transaction commits by the background task `deliver`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from .enums import OPTIONAL, EmailStatus, Kind
from .models import Notification, OptOut
from .selectors import unread_key

BATCH = 500


@dataclass
class Notice:
    """What to tell whom: one event, one key, any number of recipients."""

    users: Iterable
    kind: str
    key: str
    subject: str
    body: str = ""
    url: str = ""


def notify(*, users, kind: str, key: str, subject: str, body: str = "", url: str = "") -> int:
    """Tell `users` of one event; returns how many notices were new."""
    return notify_many([Notice(users, kind, key, subject, body, url)])


def notify_many(notices: Iterable[Notice], *, now=None, enqueue: bool = True) -> int:
    """Store each (person, key) once; skip inactive people and optional kinds a
    person turned off. E-mail goes out after the commit (by the background task,
    or by the caller itself with `enqueue=False`). Returns the count stored."""
    now = now or timezone.now()
    wanted: dict[tuple[int, str], Notification] = {}
    for n in notices:
        if n.kind not in Kind.values:
            raise ValueError(f"unknown notification kind {n.kind!r}")
        for user in n.users:
            if not user.is_active or (user.pk, n.key) in wanted:
                continue
            wanted[(user.pk, n.key)] = Notification(
                user=user,
                kind=n.kind,
                key=n.key[:200],
                subject=str(n.subject)[:300],
                body=str(n.body),
                url=n.url,
                created_at=now,
                email=user.email,
                email_status=EmailStatus.PENDING if user.email else EmailStatus.NO_ADDRESS,
            )
    if not wanted:
        return 0
    user_ids = {uid for uid, _ in wanted}
    optional = {
        (u, k)
        for u, k in OptOut.objects.filter(user_id__in=user_ids).values_list("user_id", "kind")
    }
    keys = sorted({k for _, k in wanted})
    seen: set[tuple[int, str]] = set()
    for i in range(0, len(keys), BATCH):
        seen.update(
            Notification.objects.filter(
                key__in=keys[i : i + BATCH], user_id__in=user_ids
            ).values_list("user_id", "key")
        )
    rows = [
        row
        for (uid, key), row in wanted.items()
        if (uid, key) not in seen and not (row.kind in OPTIONAL and (uid, row.kind) in optional)
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        forget_unread({r.user_id for r in rows})
        if enqueue and any(r.email_status == EmailStatus.PENDING for r in rows):
            transaction.on_commit(_enqueue_delivery)
    return len(rows)


def _enqueue_delivery() -> None:
    from .tasks import deliver  # the task module imports this one

    deliver.enqueue()


def deliver_pending(*, limit: int | None = None) -> tuple[int, int]:
    """Send every pending e-mail once; returns (sent, failed).

    Each row is claimed (pending → sending) before it is sent, so two workers
    never send the same notice; a failure is kept with its reason for the outbox."""
    ids = list(
        Notification.objects.filter(email_status=EmailStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = failed = 0
    if not ids:
        return sent, failed
    connection = get_connection(fail_silently=False)
    for pk in ids:
        claimed = Notification.objects.filter(pk=pk, email_status=EmailStatus.PENDING).update(
            email_status=EmailStatus.SENDING
        )
        if not claimed:
            continue
        n = Notification.objects.get(pk=pk)
        body = n.body
        if n.url:
            body = f"{body}\n\n{settings.SITE_URL.rstrip('/')}{n.url}" if body else n.url
        try:
            EmailMessage(
                n.subject, body, settings.DEFAULT_FROM_EMAIL, [n.email], connection=connection
            ).send()
        except Exception as exc:  # noqa: BLE001 - any transport error is recorded, not raised
            Notification.objects.filter(pk=pk).update(
                email_status=EmailStatus.FAILED, email_error=str(exc)[:1000]
            )
            failed += 1
        else:
            Notification.objects.filter(pk=pk).update(
                email_status=EmailStatus.SENT, sent_at=timezone.now(), email_error=""
            )
            sent += 1
    return sent, failed


def retry_failed(*, ids=None) -> int:
    """Put failed e-mails back in the queue (the office's outbox)."""
    qs = Notification.objects.filter(email_status=EmailStatus.FAILED)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    with transaction.atomic():
        n = qs.update(email_status=EmailStatus.PENDING)
        if n:
            transaction.on_commit(_enqueue_delivery)
    return n


def forget_unread(user_ids) -> None:
    """Drop the cached unread counts of these people, now and after the commit
    (a page rendered meanwhile may have cached the old figure)."""
    keys = [unread_key(uid) for uid in user_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        forget_unread([notification.user_id])


def mark_all_read(*, user) -> int:
    n = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    forget_unread([user.pk])
    return n


def set_opt_outs(*, user, kinds: Iterable[str]) -> None:
    """The optional kinds `user` does not want; the others are turned back on."""
    kinds = {k for k in kinds if k in OPTIONAL}
    with transaction.atomic():
        OptOut.objects.filter(user=user).exclude(kind__in=kinds).delete()
        have = set(OptOut.objects.filter(user=user).values_list("kind", flat=True))
        OptOut.objects.bulk_create([OptOut(user=user, kind=k) for k in sorted(kinds - have)])
