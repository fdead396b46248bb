"""Reads of the notifications app: a person's notices, the office's outbox."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from .enums import OPTIONAL, EmailStatus, Kind
from .models import Notification, OptOut

PAGE = 50


def unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user) -> int:
    """The header's count: kept in the shared cache (every page shows it) and
    dropped by each write that changes it (services.forget_unread)."""
    return cache.get_or_set(
        unread_key(user.pk),
        lambda: Notification.objects.filter(user=user, read_at__isnull=True).count(),
        timeout=3600,
    )


def notification_of(user, pk: int) -> Notification:
    """A notice of `user`; anyone else's answers 404."""
    return get_object_or_404(Notification, pk=pk, user=user)


def notifications_of(user):
    """A person's notices, newest first (paged by the view)."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def opted_out(user) -> set[str]:
    return set(OptOut.objects.filter(user=user).values_list("kind", flat=True))


def optional_kinds() -> list[tuple[str, str]]:
    return [(k, Kind(k).label) for k in OPTIONAL]


@dataclass
class Outbox:
    rows: object  # a queryset, paged by the view
    counts: dict


def outbox(*, status: str = "", kind: str = "", q: str = "") -> Outbox:
    """Everything sent or to be sent, newest first, for the program office."""
    qs = Notification.objects.select_related("user", "user__agency")
    if status in EmailStatus.values:
        qs = qs.filter(email_status=status)
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(
            Q(user__username__icontains=q)
            | Q(email__icontains=q)
            | Q(subject__icontains=q)
            | Q(user__agency__name__icontains=q)
        )
    counts = dict(
        Notification.objects.values_list("email_status").annotate(n=Count("pk")).order_by()
    )
    return Outbox(rows=qs.order_by("-created_at", "-pk"), counts=counts)
