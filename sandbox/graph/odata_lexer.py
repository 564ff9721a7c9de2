"""Tokenizer for the OData `$filter` expressions Graph accepts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .errors import GraphError, bad_request

__all__ = ["Token", "TokenKind", "invalid_filter", "tokenize"]

TokenKind = Literal["string", "guid", "datetime", "number", "name", "punct", "end"]

_PATTERNS: tuple[tuple[TokenKind, re.Pattern[str]], ...] = (
    ("string", re.compile(r"'(?:[^']|'')*'")),
    (
        "guid",
        re.compile(
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        ),
    ),
    (
        "datetime",
        re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?"),
    ),
    ("number", re.compile(r"-?\d+(?:\.\d+)?\b")),
    ("name", re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]*")),
    ("punct", re.compile(r"[(),:/]")),
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    position: int

    @property
    def value(self) -> str | float | datetime:
        """The literal's value: unescaped string, number or timezone-aware datetime."""
        if self.kind == "string":
            return self.text[1:-1].replace("''", "'")
        if self.kind == "number":
            return float(self.text)
        if self.kind == "datetime":
            return parse_datetime(self.text)
        return self.text


def parse_datetime(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.now().astimezone().tzinfo)


def invalid_filter(source: str, position: int) -> GraphError:
    return bad_request(f"Invalid filter clause: Syntax error at position {position} in '{source}'.")


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        if space := _SPACE.match(source, position):
            position = space.end()
            continue
        tokens.append(_next_token(source, position))
        position += len(tokens[-1].text)
    tokens.append(Token("end", "", len(source)))
    return tokens


def _next_token(source: str, position: int) -> Token:
    for kind, pattern in _PATTERNS:
        if match := pattern.match(source, position):
            return Token(kind, match.group(), position)
    raise invalid_filter(source, position)
