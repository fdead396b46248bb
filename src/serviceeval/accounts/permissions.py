"""What the program office may do in the Django admin, as django-rules permissions.

The office (role `coordinator`) keeps the reference data the evaluation runs on:
agencies, groups, the people who receive rewards, cycles with their milestones and
participants, and the accounts of agency staff, panel members and testers. Rules
that have their own screens stay there: a category move goes through the agency
page so it is recorded (CITY-1), programs are loaded from files and confirmed on
the program page (CITY-16), scores, submissions and results have their own flows.

Permissions follow the role, so an account made a coordinator has them at once and
loses them when its role changes; `User.save` keeps `is_staff` in step.
"""

from __future__ import annotations

import rules

from .rules import is_office

is_coordinator = is_office


# app label -> model name -> the admin actions the office may take. Participants are
# added on the cycle page (HSC-4, HSC-11), cycles by `cycle_create`, with their
# milestones.
OFFICE_ADMIN = {
    "accounts": {"user": ("view", "add", "change")},
    "agencies": {
        "agency": ("view", "add", "change"),
        "group": ("view", "add", "change"),
        "person": ("view", "add", "change", "delete"),
        "categorymove": ("view",),
    },
    "cycles": {
        "cycle": ("view", "change"),
        "milestone": ("view", "change"),
        "participant": ("view",),
        "carryover": ("view",),
    },
    "programs": {"program": ("view",)},
}


def office_permissions() -> list[str]:
    return [
        f"{app}.{action}_{model}"
        for app, models in OFFICE_ADMIN.items()
        for model, actions in models.items()
        for action in actions
    ]


def register() -> None:
    for app in OFFICE_ADMIN:
        if not rules.perm_exists(app):
            rules.add_perm(app, is_coordinator)  # has_module_perms(app)
    for name in office_permissions():
        if not rules.perm_exists(name):
            rules.add_perm(name, is_coordinator)
