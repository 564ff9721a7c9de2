"""Splitting text into pieces of bounded cost, for every renderer: each counts the cost of a
character its own way (Slack after mrkdwn escaping, Teams after Markdown escaping, or plain
length)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate

__all__ = ["split_text"]


def split_text(text: str, limit: int, cost: Callable[[str], int] = len) -> list[str]:
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
