"""Who may see an agency (CITY-6), as django-rules predicates composed from
`accounts.rules`. `agencies_visible_to` builds its queryset from the same
predicates, so a page and its list cannot disagree."""

from __future__ import annotations

import rules

from serviceeval.accounts.rules import (
    is_agency_of,
    is_agency_staff,
    is_office,
    is_parent_agency_of,
)

# The office sees every agency; agency staff their own and (CITY-6) its subordinates.
sees_every_agency = is_office
sees_own_agencies = is_agency_staff

can_view_agency = is_office | is_agency_of | is_parent_agency_of

rules.add_perm("agencies.see_agency", can_view_agency)
# Moving an agency to another category (CITY-1) and its history: the office.
can_manage_agencies = is_office
rules.add_perm("agencies.manage_agencies", can_manage_agencies)
