"""Slack's text rules for Block Kit: the documented limits, mrkdwn escaping and splitting.

Limits are counted the way Slack's own SDK counts them (code points of the text as sent,
after escaping). Text that would pass a limit is split into several objects, never cut.
"""

from __future__ import annotations

from typing import Any

from cards.text_split import split_text

__all__ = [
    "MAX_ACTION_ID",
    "MAX_BLOCKS",
    "MAX_BUTTONS",
    "MAX_BUTTON_TEXT",
    "MAX_BUTTON_VALUE",
    "MAX_CONFIRM_TEXT",
    "MAX_FIELDS",
    "MAX_FIELD_TEXT",
    "MAX_HEADER",
    "MAX_TEXT",
    "escape",
    "escaped_cost",
    "mrkdwn",
    "mrkdwn_sections",
    "plain",
    "section",
]

MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER = 150
MAX_BUTTONS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_CONFIRM_TEXT = 300

Block = dict[str, Any]
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """Slack's documented mrkdwn escaping: data can then never form a mention or a link."""
    return "".join(_ESCAPES.get(char, char) for char in text)


def escaped_cost(char: str) -> int:
    return len(_ESCAPES.get(char, char))


def plain(text: str, *, emoji: bool = True) -> dict[str, Any]:
    obj: dict[str, Any] = {"type": "plain_text", "text": text}
    if not emoji:
        obj["emoji"] = False
    return obj


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn object that Slack must not auto-link: data like "@here" stays text."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def mrkdwn_sections(text: str, *, prefix: str = "", suffix: str = "") -> list[Block]:
    """`text` escaped into as many sections as it needs, each wrapped in prefix and suffix."""
    budget = MAX_TEXT - len(prefix) - len(suffix)
    return [
        section(f"{prefix}{escape(chunk)}{suffix}")
        for chunk in split_text(text, budget, escaped_cost)
    ]
