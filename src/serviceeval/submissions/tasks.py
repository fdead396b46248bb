"""Background work: dead-link checks of URL evidence (django-tasks)."""

from __future__ import annotations

import urllib.error
import urllib.request

from django.utils import timezone
from django_tasks import task

from .enums import EvidenceKind, LinkStatus
from .models import Evidence

TIMEOUT_SECONDS = 10
USER_AGENT = "serviceeval-link-check/1"


def probe(url: str) -> tuple[str, str]:
    """(status, detail): ok for a 2xx/3xx answer, dead otherwise."""
    if not url.lower().startswith(("http://", "https://")):
        return LinkStatus.DEAD, "not http(s)"
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return LinkStatus.OK, f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            # Some servers refuse HEAD; try GET before calling the link dead.
            if method == "HEAD" and exc.code in (403, 405, 501):
                continue
            return LinkStatus.DEAD, f"HTTP {exc.code}"
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            return LinkStatus.DEAD, str(getattr(exc, "reason", exc))[:200]
    return LinkStatus.DEAD, "no answer"


@task()
def check_evidence_link(evidence_id: int) -> str:
    evidence = Evidence.objects.filter(pk=evidence_id, kind=EvidenceKind.URL).first()
    if evidence is None:
        return "gone"
    status, detail = probe(evidence.url)
    Evidence.objects.filter(pk=evidence.pk).update(
        link_status=status, link_detail=detail, link_checked_at=timezone.now()
    )
    return status
