"""Who may do what with a submission, and the pure checks on its content.

No database writes here; services call these before writing and views call
them to decide which buttons to show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import rules
from django.utils.translation import gettext as _

from serviceeval.accounts.rules import (
    is_agency_head,
    is_agency_of,
    is_office,
    is_parent_agency_of,
)
from serviceeval.agencies.enums import AgencyKind

from .enums import PANEL_STATES, Kind

PLAN_KINDS = (AgencyKind.FIRST_LEVEL, AgencyKind.DISTRICT_OFFICE)


# --- permissions (django-rules predicates of the user and an agency or submission) ---

# Only the agency's own officer and head write its submissions, send them to the
# head for approval (送首長核定) and submit them.
can_edit = is_agency_of
can_request_approval = is_agency_of
# The agency head approves, or returns it to the officer with a comment (CITY-2).
# Only the head of the agency itself: a first-level agency's head does not approve
# its subordinates' (CITY-6 lets it read and comment).
can_approve = is_agency_head & is_agency_of
# Accept, return and reopen belong to the program office.
can_decide = is_office
# CITY-6: the first-level parent agency comments on its subordinates; the office too.
can_comment = is_office | is_parent_agency_of


@rules.predicate
def is_before_the_panel(user, submission) -> bool:
    """Submitted or accepted: the panel reads it (F11: a draft stays with the agency)."""
    return getattr(submission, "state", None) in PANEL_STATES


@rules.predicate
def reviews_the_agency(user, obj) -> bool:
    """A panel member who may read this agency's work in this cycle: stated by the
    reviews app as the rule `reviews.can_review_agency` and looked up by name, so
    submissions (below reviews in the layers) does not import it."""
    return rules.test_rule("reviews.can_review_agency", user, obj)


# Plans, reports and their evidence: the office; the agency and its first-level
# parent (CITY-6); reviewers assigned without a conflict once it is before the panel.
can_view_submission = (
    is_office | is_agency_of | is_parent_agency_of | (is_before_the_panel & reviews_the_agency)
)

rules.add_perm("submissions.view_submission_page", can_view_submission)
rules.add_perm("submissions.edit_submission", can_edit)
rules.add_perm("submissions.request_approval", can_request_approval)
rules.add_perm("submissions.approve_submission", can_approve)
rules.add_perm("submissions.decide_submission", can_decide)
rules.add_perm("submissions.comment_submission", can_comment)


def plan_required(agency, has_plan_milestone: bool) -> bool:
    """CITY-2: first-level agencies and district offices file a plan, in
    programs that have a `plan_due` milestone (Hsinchu has none)."""
    return has_plan_milestone and agency.kind in PLAN_KINDS


def kinds_required(agency, milestone_codes) -> list[str]:
    kinds = []
    if plan_required(agency, "plan_due" in milestone_codes):
        kinds.append(Kind.PLAN)
    kinds.append(Kind.REPORT)
    return kinds


# --- content checks --------------------------------------------------------

# A narrative that talks about a web service must carry a URL that reviewers can
# open (CITY-3). The heuristic: any of these words or an address in the text.
WEB_CLAIM_RE = re.compile(r"網站|網址|網頁|線上|官網|https?://|www\.|website|online", re.IGNORECASE)
BULLET_RE = re.compile(
    r"^\s*(?:[-*•‧・●○◎■□▪►]|\(?\d{1,3}[.)、]|[（(]?[一二三四五六七八九十]{1,3}[)）、.]|[（(]\d{1,3}[)）])\s*"
)
MIN_ITEM_CHARS = 8


def web_claim(text: str) -> bool:
    return bool(WEB_CLAIM_RE.search(text or ""))


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def bullet_items(text: str) -> list[str]:
    """Each non-empty line without its bullet marker, whitespace removed.
    Very short items (< 8 characters) are ignored: headings repeat on purpose."""
    items = []
    for line in (text or "").splitlines():
        item = normalise(BULLET_RE.sub("", line))
        if len(item) >= MIN_ITEM_CHARS:
            items.append(item)
    return items


@dataclass(frozen=True)
class Duplicate:
    text: str
    codes: tuple[str, ...]


def dimension_of(code: str) -> str:
    return code.split(".", 1)[0]


def duplicates_across_dimensions(narratives: dict[str, str]) -> list[Duplicate]:
    """CITY-3: the same achievement must not be written under two dimensions.
    Compares bullet items (and whole narratives) after removing whitespace."""
    seen: dict[str, set[str]] = {}
    for code, text in narratives.items():
        pieces = set(bullet_items(text))
        whole = normalise(text)
        if len(whole) >= MIN_ITEM_CHARS:
            pieces.add(whole)
        for piece in pieces:
            seen.setdefault(piece, set()).add(code)
    return [
        Duplicate(piece, tuple(sorted(codes)))
        for piece, codes in sorted(seen.items())
        if len({dimension_of(c) for c in codes}) >= 2
    ]


def short(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "…"


def duplicate_message(d: Duplicate) -> str:
    return _("The same text appears under more than one dimension (%(codes)s): “%(text)s”") % {
        "codes": ", ".join(d.codes),
        "text": short(d.text),
    }
