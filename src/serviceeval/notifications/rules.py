"""Who may open the notification pages: everyone signed in their own; the
program office the outbox of what was sent to whom."""

import rules

from serviceeval.accounts.rules import is_office

can_read_outbox = is_office
rules.add_rule("notifications.read_outbox", can_read_outbox)
