"""The plain-text summary of a Reply that every chat renderer sends for notifications: the
title and the first notice, else the first words shown. Never the secret."""

from __future__ import annotations

from collections.abc import Callable

from cards.reply import Block, Heading, Notice, Reply, Table, Text
from cards.text_split import split_text

__all__ = ["MAX_SUMMARY", "shorten", "summary"]

MAX_SUMMARY = 300
"""The summary is for notifications (the message holds everything), short enough to read."""


def summary(reply: Reply) -> str:
    """The title and the first notice, else the first words shown; "Deskhand" for neither."""
    notice = next((block.text for block in reply.blocks if isinstance(block, Notice)), "")
    parts = [part.strip() for part in (reply.title, notice) if part.strip()]
    if not parts:
        parts = [words for words in map(_words, reply.blocks) if words][:1]
    return " — ".join(parts) or "Deskhand"


def shorten(text: str, cost: Callable[[str], int] = len, limit: int = MAX_SUMMARY) -> str:
    """`text`, ending in an ellipsis where it passes `limit` (summing `cost` per character)."""
    first = split_text(text, limit - 1, cost)[0]
    return first if first == text else first + "…"


def _words(block: Block) -> str:
    match block:
        case Heading(text=text) | Text(text=text):
            return text.strip()
        case Table(title=title):
            return title.strip()
    return ""
