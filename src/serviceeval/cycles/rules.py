"""Who sees which cycles, as django-rules predicates composed from `accounts.rules`."""

from __future__ import annotations

import rules

from serviceeval.accounts.rules import is_office, is_reviewer, is_tester

# The office, the panel and the testers work across every cycle; agency staff see
# the cycles their agency takes part in (`cycles_visible_to`).
sees_every_cycle = is_office | is_reviewer | is_tester

# Setting up cycles, their groups and participants: the office.
can_manage_cycles = is_office
rules.add_perm("cycles.manage_cycles", can_manage_cycles)
