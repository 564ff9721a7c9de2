"""`--to` recipients: every accepted form, the key each one is stored as, and bad forms."""

from __future__ import annotations

import pytest

from bot.schedules.delivery import Recipient
from bot.schedules.recipients import parse_recipient, recipient_key
from core.errors import UserError


@pytest.mark.parametrize(
    ("text", "kind", "address", "key"),
    [
        ("#it-managers", "slack_channel", "#it-managers", "#it-managers"),
        ("slack:C0123ABCD", "slack_channel", "C0123ABCD", "slack:C0123ABCD"),
        ("slack:#IT-Managers", "slack_channel", "#it-managers", "#it-managers"),
        ("slack:@U0123ABCD", "slack_dm", "U0123ABCD", "slack:@U0123ABCD"),
        ("slack:@Tess@MSP.example", "slack_dm", "tess@msp.example", "slack:@tess@msp.example"),
        ("teams:19:abc@thread.tacv2", "teams", "19:abc@thread.tacv2", "teams:19:abc@thread.tacv2"),
        (
            "mail:Dana@Customer.example",
            "mail",
            "dana@customer.example",
            "mail:dana@customer.example",
        ),
        ("dana@customer.example", "mail", "dana@customer.example", "mail:dana@customer.example"),
        ("managers", "managers", "", "managers"),
        (" Console ", "console", "", "console"),
    ],
)
def test_accepted_forms_and_their_keys(text: str, kind: str, address: str, key: str) -> None:
    recipient = parse_recipient(text)
    assert (recipient.kind, recipient.address) == (kind, address)
    assert recipient.label
    assert recipient_key(recipient) == key
    assert parse_recipient(key) == recipient


EXAMPLES = (
    "#channel-name",
    "slack:C0123ABCD",
    "slack:@person@example.com",
    "teams:<conversation id>",
    "mail:person@example.com",
    "managers",
    "console",
)


@pytest.mark.parametrize(
    "text",
    ["", "it-managers", "#", "slack:", "slack:@", "slack:@not an id", "slack:x0123", "teams:",
     "teams:19 abc", "mail:not-an-address", "fax:+3120", "manager", "dana@customer"],
)  # fmt: skip
def test_bad_forms_say_which_forms_are_accepted_with_examples(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_recipient(text)
    message = caught.value.message
    for example in EXAMPLES:
        assert example in message


def test_a_recipient_is_the_agreed_frozen_type() -> None:
    recipient = parse_recipient("#helpdesk")
    assert isinstance(recipient, Recipient)
    with pytest.raises(AttributeError):
        recipient.address = "#other"  # type: ignore[misc]
