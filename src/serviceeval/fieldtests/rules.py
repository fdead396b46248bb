"""Who records and sees field tests (telephone tests, mystery-shopper visits),
as django-rules predicates composed from `accounts.rules`."""

from __future__ import annotations

import rules

from serviceeval.accounts.enums import Role
from serviceeval.accounts.rules import has_role, is_office, is_tester

# The office sees and analyses every record; a tester their own.
sees_every_record = is_office
sees_own_records = is_tester


@rules.predicate
def is_open_cycle(user, record) -> bool:
    """The record's cycle has not published its results (they freeze the figures)."""
    return record.cycle.results_published_at is None


# The office deletes a record, with a reason, until the results are published.
can_delete_record = is_office & is_open_cycle

rules.add_perm("fieldtests.delete_record", can_delete_record)


def may_be_named_tester(user) -> bool:
    """An account an import may name as the tester: a tester or the office
    (whether or not it is signed in)."""
    return has_role(user, Role.TESTER, Role.COORDINATOR)
