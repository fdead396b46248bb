"""Names people read for the program's internal codes (issue 15 item 2)."""

from django.utils.translation import gettext_lazy as _

REWARD_RULE_KINDS = {
    "grade_rank": _("Rewards by grade and rank"),
    "average_threshold": _("Rewards for a yearly average at or above a threshold"),
    "top_n": _("Rewards for the top agencies by yearly average"),
    "milestone_highest": _("Rewards for the highest national-award step reached"),
    "subsidy": _("Subsidy for the agencies recommended for the national award"),
}


def reward_rule_kind_name(kind: str) -> str:
    return str(REWARD_RULE_KINDS.get(kind, kind))
