"""Builders for reward tests."""

from serviceeval.rewards import services


def office_entry(cycle, office, *, rule="HSC-14", person="行政處 科員", role="承辦人", **kw):
    """One of the office's own roster entries (HSC-11, HSC-14, CITY-14)."""
    fields = {"agency": None, "kind": "commendation", "count": 1, "reason": "辦理考核"}
    fields.update(kw)
    return services.entry_add(
        cycle=cycle, person=person, role=role, rule=rule, actor=office, **fields
    )


def candidate(cycle, **kw):
    """An agency taking part in the cycle (only participants are award candidates)."""
    from serviceeval.cycles.services import participant_add
    from tests.factories import AgencyFactory

    agency = AgencyFactory(**kw)
    participant_add(cycle=cycle, agency=agency, user=None)
    return agency


def written_review(cycle, agency):
    """CITY-10: the city panel's written review of `agency`, complete: a reviewer
    seated, assigned and their sheet submitted (a recommendation needs it)."""
    from serviceeval.accounts.enums import Role
    from tests.factories import user_for
    from tests.reviews.helpers import score_all

    score_all(cycle, [(agency, user_for(Role.REVIEWER), "0.8")], add_reviewers=True)
