"""Recipients of a scheduled digest, as people write them after `--to`.

    #it-managers                  a Slack channel, by name (looked up when sending)
    slack:C0123ABCD               a Slack channel, by id
    slack:@U0123ABCD              a Slack user, by direct message
    slack:@tess@msp.example       a Slack user by e-mail (users.lookupByEmail when sending)
    teams:19:abc@thread.tacv2     a Teams channel or chat Deskhand has been added to
    mail:dana@contoso.com         an e-mail address (or the bare address)
    managers                      each line manager, with only their direct reports' rows
    console                       files under DESKHAND_HOME/digests/

`recipient_key` writes a recipient back in the one form `parse_recipient` reads, so a key
stored with a send names the same place after a restart.
"""

from __future__ import annotations

import re

from bot.schedules.delivery import Recipient
from core.errors import UserError

__all__ = ["ACCEPTED", "parse_recipient", "recipient_key"]

ACCEPTED = (
    "#channel-name or slack:C0123ABCD (a Slack channel), slack:@U0123ABCD or "
    "slack:@person@example.com (a Slack DM), teams:<conversation id> (a Teams channel or chat "
    "Deskhand was added to), mail:person@example.com or person@example.com (e-mail), "
    "managers (each line manager gets their own reports), console (files on the server)"
)

_CHANNEL_NAME = re.compile(r"^#[a-z0-9][a-z0-9._-]{0,79}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s:]+@[^@\s:]+\.[^@\s:]+$")


def parse_recipient(text: str) -> Recipient:
    """One recipient; UserError naming the accepted forms when `text` is none of them."""
    value = text.strip()
    scheme, _, rest = value.partition(":")
    found = _plain(value) if not rest else _schemed(scheme.lower(), rest.strip())
    if found is None:
        raise UserError(
            f"{text.strip() or 'An empty recipient'!r} is not a recipient: use {ACCEPTED}"
        )
    return found


def recipient_key(recipient: Recipient) -> str:
    """The recipient as `parse_recipient` reads it back."""
    match recipient.kind:
        case "slack_channel":
            name = recipient.address
            return name if name.startswith("#") else f"slack:{name}"
        case "slack_dm":
            return f"slack:@{recipient.address}"
        case "teams":
            return f"teams:{recipient.address}"
        case "mail":
            return f"mail:{recipient.address}"
        case _:
            return recipient.kind


def _plain(value: str) -> Recipient | None:
    lowered = value.lower()
    if lowered == "managers":
        return Recipient("managers", "", "each person's line manager")
    if lowered == "console":
        return Recipient("console", "", "the console (files)")
    if _CHANNEL_NAME.match(lowered):
        return Recipient("slack_channel", lowered, f"Slack {lowered}")
    if _EMAIL.match(value):
        return _mail(value)
    return None


def _schemed(scheme: str, rest: str) -> Recipient | None:
    if scheme == "slack":
        return _slack(rest)
    if scheme == "teams" and rest and not any(c.isspace() for c in rest):
        return Recipient("teams", rest, f"Teams conversation {rest}")
    if scheme == "mail" and _EMAIL.match(rest):
        return _mail(rest)
    return None


def _slack(rest: str) -> Recipient | None:
    if rest.startswith("@"):
        person = rest[1:]
        if _USER_ID.match(person):
            return Recipient("slack_dm", person, f"Slack DM to <@{person}>")
        if _EMAIL.match(person):
            return Recipient("slack_dm", person.lower(), f"Slack DM to {person.lower()}")
        return None
    if _CHANNEL_ID.match(rest):
        return Recipient("slack_channel", rest, f"Slack channel {rest}")
    if _CHANNEL_NAME.match(rest.lower()):
        return Recipient("slack_channel", rest.lower(), f"Slack {rest.lower()}")
    return None


def _mail(address: str) -> Recipient:
    address = address.lower()
    return Recipient("mail", address, address)
