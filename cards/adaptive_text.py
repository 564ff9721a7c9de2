"""Text for Adaptive Cards in Teams: Markdown escaping, sizes in bytes, text split to fit.

TextBlock and Fact text is a Markdown subset in Teams. Data is escaped with CommonMark's
backslash escapes, which Teams honours, so a display name can never turn bold, into a link,
an HTML tag or an `<at>` mention. A line break becomes a paragraph break: Teams joins lines
that a single break separates.

Sizes are counted as `json.dumps` writes by default (non-ASCII as `\\u` escapes, spaced
separators): the largest of the usual serialisations, so a card measured so stays under the
limit however the adapter sends it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from cards.text_split import split_text

__all__ = [
    "ITEM_GAP",
    "PIECE_BYTES",
    "Element",
    "json_size",
    "markdown",
    "text_block",
    "text_blocks",
]

Element = dict[str, Any]

PIECE_BYTES = 4_000
"""One TextBlock (or FactSet) holds at most this many bytes: longer text becomes several,
which page across cards where one could not."""
ITEM_GAP = len(", ")
"""Bytes between two items of a JSON list, beside their own sizes."""
_SPECIAL = re.compile(r"[\\`*_~\[\]<>#&|]")
# Only at the start of a line: list items ("- ", "+ ", "1. ", "1) ") and setext underlines.
_LINE_START = re.compile(r"^([ \t]*)([-+=]|\d+[.)])", re.MULTILINE)
_LINE_START_MARKS = "-+=.)"


def markdown(text: str) -> str:
    """`text` as Teams Markdown that shows exactly `text`, one paragraph per line."""
    escaped = _SPECIAL.sub(r"\\\g<0>", text)
    escaped = _LINE_START.sub(_escape_mark, escaped)
    return escaped.replace("\n", "\n\n")


def _escape_mark(match: re.Match[str]) -> str:
    indent, mark = match.groups()
    return f"{indent}{mark[:-1]}\\{mark[-1]}"


def json_size(node: Any) -> int:
    """Bytes `node` takes as JSON (ASCII-only output, so characters are bytes)."""
    return len(json.dumps(node))


def text_block(text: str, **style: Any) -> Element:
    """A wrapping TextBlock of `text`, which must already be Markdown."""
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def text_blocks(text: str, *, prefix: str = "", **style: Any) -> list[Element]:
    """`text` escaped into as many TextBlocks as it needs, each starting with `prefix`."""
    budget = PIECE_BYTES - json_size(prefix)
    pieces = split_text(text, budget, _escaped_cost)
    return [text_block(prefix + markdown(piece), **style) for piece in pieces]


@cache
def _escaped_cost(char: str) -> int:
    """The most bytes `char` can take in a TextBlock's JSON once escaped."""
    if char == "\n":
        return 2 * (json_size(char) - 2)
    extra = 1 if _SPECIAL.match(char) or char in _LINE_START_MARKS else 0
    return json_size(char) - 2 + extra * len("\\\\")
