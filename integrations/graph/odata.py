"""OData literals, `$filter` expressions and query strings, built so user input stays data.

A string literal is single-quoted with quotes doubled (OData ABNF `SQUOTE-in-string`), so a
name like `o'brien` is `'o''brien'`. Property paths are checked against a strict pattern, so
nothing the user typed can become part of an expression. A `Filter` also tests a returned row
the way Graph should have (strings case-insensitively), so a lookup can check that what came
back is what it asked for before showing it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote as percent_encode

__all__ = [
    "Filter",
    "all_of",
    "any_of",
    "encode_path",
    "eq",
    "in_",
    "literal",
    "query_string",
    "quote",
    "startswith",
    "user_path",
]

Scalar = str | bool | int | None
Row = Mapping[str, Any]
_PROPERTY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*")
# Characters Graph reads literally in a query; everything else is percent-encoded.
_QUERY_SAFE = "$,'():/@"
# RFC 3986 path characters besides unreserved ones; `#` (guest UPNs hold `#EXT#`), `?`, `%`
# and spaces are encoded.
_PATH_SAFE = "/:@!$&'()*+,;="


def quote(value: str) -> str:
    """An OData string literal."""
    return "'" + value.replace("'", "''") + "'"


def literal(value: Scalar) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return quote(value)


def _property(name: str) -> str:
    if not _PROPERTY.fullmatch(name):
        raise ValueError(f"not an OData property path: {name!r}")
    return name


@dataclass(frozen=True, slots=True)
class Filter:
    """A `$filter` expression; only the functions of this module make one."""

    expression: str
    test: Callable[[Row], bool] = field(compare=False, repr=False)

    def __str__(self) -> str:
        return self.expression

    def matches(self, row: Row) -> bool:
        """Whether a row Graph returned satisfies the expression."""
        return self.test(row)


def _value(row: Row, name: str) -> object:
    value: object = row
    for part in name.split("/"):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _folded(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def eq(name: str, value: Scalar) -> Filter:
    expected = _folded(value)
    return Filter(
        f"{_property(name)} eq {literal(value)}",
        lambda row: _folded(_value(row, name)) == expected,
    )


def startswith(name: str, prefix: str) -> Filter:
    folded = prefix.casefold()
    return Filter(
        f"startswith({_property(name)},{quote(prefix)})",
        lambda row: str(_value(row, name) or "").casefold().startswith(folded),
    )


def in_(name: str, values: Iterable[Scalar]) -> Filter:
    listed = list(values)
    if not listed:
        raise ValueError("`in` needs at least one value")
    expected = {_folded(v) for v in listed}
    return Filter(
        f"{_property(name)} in ({','.join(literal(v) for v in listed)})",
        lambda row: _folded(_value(row, name)) in expected,
    )


def _join(
    operator: str, filters: Iterable[Filter], test: Callable[[Iterable[bool]], bool]
) -> Filter:
    chosen = list(filters)
    parts = [f"({f.expression})" for f in chosen]
    if not parts:
        raise ValueError(f"`{operator}` needs at least one expression")
    expression = parts[0][1:-1] if len(parts) == 1 else f" {operator} ".join(parts)
    return Filter(expression, lambda row: test(f.matches(row) for f in chosen))


def all_of(*filters: Filter) -> Filter:
    return _join("and", filters, all)


def any_of(*filters: Filter) -> Filter:
    return _join("or", filters, any)


def user_path(key: str) -> str:
    """`/users/{key}` for an object id or UPN, as typed: the client percent-encodes paths, once.

    A UPN starting with `$` would read as a system segment (`$count`, `$ref`), so it takes the
    key syntax user-get.md gives for it, `/users('$adele@contoso.com')`. A `/` is in no object
    id or UPN and would end the segment, so it is refused.
    """
    if "/" in key:
        raise ValueError(f"not a user id or UPN: {key!r}")
    return f"/users({quote(key)})" if key.startswith("$") else f"/users/{key}"


def encode_path(path: str) -> str:
    """A Graph path as typed (`/users/a_b.com#EXT#@c.com`), percent-encoded for a URL.

    This is the one place a path is encoded: a path that arrives already encoded would be
    encoded again (`%27` -> `%2527`), and Graph answers 404 for that.
    """
    return percent_encode(path, safe=_PATH_SAFE)


def query_string(params: Mapping[str, str]) -> str:
    """`$select=a,b&$filter=...`, percent-encoding all but what Graph reads literally."""
    return "&".join(
        f"{percent_encode(key, safe='$')}={percent_encode(value, safe=_QUERY_SAFE)}"
        for key, value in params.items()
    )
