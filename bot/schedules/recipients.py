"""Recipients as typed in `/schedule add --to` and `[[schedules]] to`: a minimal parser of the
documented forms, to be replaced by the delivery side's (which knows each channel's rules).

    #it-managers, slack:C0123ABCD     a Slack channel
    slack:@U0123ABCD                  a Slack user, by direct message
    teams:19:abc@thread.tacv2         a Teams conversation
    mail:ada@example.com, ada@…       an e-mail address
    managers                          each line manager, their own reports' rows
    console                           a file under Deskhand's home
"""

from __future__ import annotations

import re

from bot.schedules.delivery import Recipient
from core.errors import UserError

__all__ = ["parse_recipient"]

_EXAMPLES = (
    "#it-managers, slack:C0123ABCD, slack:@U0123ABCD, teams:<conversation id>, "
    "ada@example.com, managers or console"
)
_SLACK_CHANNEL = re.compile(r"^(?:#[a-z0-9][a-z0-9_-]{0,79}|slack:[CG][A-Z0-9]{2,})$")
_SLACK_USER = re.compile(r"^slack:@[UW][A-Z0-9]{2,}$")
_TEAMS = re.compile(r"^teams:\S{3,}$")
_MAIL = re.compile(r"^(?:mail:)?([^@\s:]+@[^@\s]+\.[^@\s]+)$")


def parse_recipient(text: str) -> Recipient:
    label = text.strip()
    if label == "managers":
        return Recipient("managers", label, label)
    if label == "console":
        return Recipient("console", label, label)
    if _SLACK_CHANNEL.match(label):
        return Recipient("slack_channel", label.removeprefix("slack:"), label)
    if _SLACK_USER.match(label):
        return Recipient("slack_dm", label.removeprefix("slack:@"), label)
    if _TEAMS.match(label):
        return Recipient("teams", label.removeprefix("teams:"), label)
    mail = _MAIL.match(label)
    if mail:
        return Recipient("mail", mail.group(1).lower(), label)
    raise UserError(f"`{label}` is not a recipient. Give one of: {_EXAMPLES}.")
