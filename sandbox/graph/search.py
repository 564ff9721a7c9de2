"""`$search="displayName:ade"` as Graph applies it to directory objects: word-prefix matching."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import bad_request

__all__ = ["Search", "parse_search"]

_CLAUSE = re.compile(r'"([A-Za-z]+):([^"]*)"')
_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class Search:
    """Clauses joined by one operator; each matches when a word of the property starts so."""

    clauses: tuple[tuple[str, str], ...]
    any_of: bool

    def matches(self, entity: Mapping[str, Any]) -> bool:
        hits = (_matches(entity.get(name), term) for name, term in self.clauses)
        return any(hits) if self.any_of else all(hits)


def parse_search(text: str, entity: str) -> Search:
    clauses = tuple((name, term.casefold()) for name, term in _CLAUSE.findall(text))
    remainder = _CLAUSE.sub("", text).strip().upper()
    if not clauses or remainder.replace("AND", "").replace("OR", "").strip():
        raise bad_request(
            f"Syntax error: invalid $search value '{text}' for resource '{entity}'; "
            'expected "property:value" clauses.'
        )
    return Search(clauses, any_of="OR" in remainder.split())


def _matches(value: Any, term: str) -> bool:
    if not isinstance(value, str):
        return False
    folded = value.casefold()
    return folded.startswith(term) or any(w.startswith(term) for w in _WORD.findall(folded))
