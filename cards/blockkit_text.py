"""Slack's text rules for Block Kit: the documented limits, mrkdwn escaping and splitting.

Limits are counted the way Slack's own SDK counts them (code points of the text as sent,
after escaping). Text that would pass a limit is split into several objects, never cut.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate
from typing import Any

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
    "split_text",
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
    return [section(f"{prefix}{escape(chunk)}{suffix}") for chunk in split_text(text, budget)]


def split_text(text: str, limit: int, cost: Callable[[str], int] = escaped_cost) -> list[str]:
    """Pieces of `text` of at most `limit` (summing `cost` per character), cut at a line
    break or a space where one sits in the second half of a piece, else mid-word.

    The one separator a cut lands on is dropped, and so are blank pieces; every other
    character is kept, in order.
    """
    totals = list(accumulate(map(cost, text), initial=0))  # totals[i]: cost of text[:i]
    pieces: list[str] = []
    start = 0
    while totals[-1] - totals[start] > limit:
        end = max(bisect_right(totals, totals[start] + limit) - 1, start + 1)
        cut = _break_at(text, start, end)
        pieces.append(text[start:cut])
        start = cut + 1 if text[cut : cut + 1] in ("\n", " ") else cut
    pieces.append(text[start:])
    return [piece for piece in pieces if piece.strip()]


def _break_at(text: str, start: int, end: int) -> int:
    for separator in ("\n", " "):
        index = text.rfind(separator, start, end + 1)
        if index > start + (end - start) // 2:
            return index
    return end
