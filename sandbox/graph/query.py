"""OData query options on collections: $select, $filter, $search, $top, $count, paging.

Advanced queries (`ne`, `not`, `endsWith`, `eq null`, `/$count`, `$search`, `$count=true`) need
`ConsistencyLevel: eventual`, and all but `$search` also `$count=true`, as the Graph
"advanced query capabilities" page describes.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, overload
from urllib.parse import urlencode

from .call import GraphCall
from .errors import bad_request, unsupported_query
from .odata_filter import Filter, parse_filter
from .search import Search, parse_search

__all__ = [
    "CollectionQuery",
    "Rendered",
    "filtered_page",
    "kept",
    "page",
    "parse_collection_query",
    "project",
    "sort_key",
]

T = TypeVar("T")
M = TypeVar("M", bound=Mapping[str, Any])

_ADVANCED_HINT = (
    "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
    "Refer to https://aka.ms/graph-docs/advanced-queries for more information"
)


@dataclass(frozen=True)
class CollectionQuery:
    select: tuple[str, ...] | None
    filter: Filter | None
    search: Search | None
    top: int | None
    count: bool
    offset: int
    orderby: tuple[str, bool] | None  # property, descending


def parse_collection_query(
    call: GraphCall, entity: str, *, advanced_rules: bool = True
) -> CollectionQuery:
    """`advanced_rules` is off for reports, which are not directory objects."""
    query = call.query
    count = _boolean(query.get("$count", "false"), "$count")
    filter_ = parse_filter(query["$filter"]) if "$filter" in query else None
    search = parse_search(query["$search"], entity) if "$search" in query else None
    if search and not call.eventual:
        raise unsupported_query(
            "Request with $search query parameter only works through MSGraph with a special "
            "request header: 'ConsistencyLevel: eventual'"
        )
    advanced = filter_.advanced if filter_ and advanced_rules else ()
    if advanced and not (call.eventual and count):
        raise unsupported_query(
            f"Operator '{advanced[0]}' is not supported because the required parameters might "
            f"be missing. {_ADVANCED_HINT}"
        )
    if count and advanced_rules and not call.eventual:
        raise unsupported_query(f"$count is not currently supported. {_ADVANCED_HINT}")
    return CollectionQuery(
        select=_select(query),
        filter=filter_,
        search=search,
        top=_top(query),
        count=count,
        offset=_offset(query.get("$skiptoken")),
        orderby=_orderby(query.get("$orderby") or query.get("$orderBy")),
    )


def project(
    entity: Mapping[str, Any],
    select: Sequence[str] | None,
    default: Iterable[str],
    *,
    with_id: bool,
) -> dict[str, Any]:
    """The selected properties (or the documented default set), in Graph's order.

    An item of a polymorphic collection (`memberOf` holds groups and directory roles) keeps
    its `@odata.type` whatever `$select` says, as Graph does.
    """
    names = list(select) if select is not None else list(default)
    if with_id and "id" not in names:
        names.append("id")
    kind = {"@odata.type": entity["@odata.type"]} if "@odata.type" in entity else {}
    return {**kind, **{name: entity.get(name) for name in names}}


class Rendered(Sequence[Mapping[str, Any]], Generic[T]):
    """`items` rendered as they are read. A page of a long collection then renders only the
    items it returns: rendering every user for every page of 120 was most of a listing's CPU."""

    def __init__(self, items: Sequence[T], render: Callable[[T], Mapping[str, Any]]) -> None:
        self._items = items
        self._render = render

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Mapping[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> Rendered[T]: ...

    def __getitem__(self, index: int | slice) -> Mapping[str, Any] | Rendered[T]:
        if isinstance(index, slice):
            return Rendered(self._items[index], self._render)
        return self._render(self._items[index])

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        return map(self._render, self._items)


class _Condition(Protocol):
    def matches(self, entity: Mapping[str, Any]) -> bool: ...


def kept(items: Sequence[M], *conditions: _Condition | None) -> Sequence[M]:
    """The items every given condition (`$filter`, `$search`) matches. Without one, `items`
    itself: a `Rendered` collection stays unrendered until its page is read."""
    tests = [condition for condition in conditions if condition is not None]
    if not tests:
        return items
    return [item for item in items if all(test.matches(item) for test in tests)]


def page(
    call: GraphCall,
    items: Sequence[Mapping[str, Any]],
    query: CollectionQuery,
    *,
    context: str,
    max_top: int = 999,
    default_top: int = 100,
) -> dict[str, Any]:
    """One page of `items` with `@odata.nextLink` (an absolute URL keeping the query)."""
    size = min(query.top or default_top, max_top)
    end = query.offset + size
    body: dict[str, Any] = {"@odata.context": call.context(context)}
    if query.count:
        body["@odata.count"] = len(items)
    body["value"] = list(items[query.offset : end])
    if end < len(items):
        body["@odata.nextLink"] = _next_link(call, end)
    return body


def filtered_page(
    call: GraphCall, items: Sequence[Mapping[str, Any]], context: str
) -> dict[str, Any]:
    """A collection with `$filter`, `$select` (plus `id`) and paging applied; what `$expand`
    added stays beside the selection, as Graph answers `$select` with `$expand`. `items` may be
    `Rendered`: without `$filter` only the page is rendered."""
    query = parse_collection_query(call, context)
    matching = kept(items, query.filter)
    if query.select is not None:
        select = query.select
        expanded = [name.strip() for name in call.query.get("$expand", "").split(",")]
        matching = Rendered(
            matching,
            lambda i: {
                **project(i, select, (), with_id=True),
                **{name: i[name] for name in expanded if name in i},
            },
        )
    return page(call, matching, query, context=context)


def sort_key(orderby: tuple[str, bool] | None) -> Callable[[Mapping[str, Any]], Any] | None:
    if orderby is None:
        return None
    name = orderby[0]
    return lambda item: (item.get(name) is None, str(item.get(name) or "").casefold())


def _next_link(call: GraphCall, offset: int) -> str:
    kept = [(k, v) for k, v in call.query.items() if k != "$skiptoken"]
    token = base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")
    return f"{call.url(call.path)}?{urlencode([*kept, ('$skiptoken', token)], safe='$,()/:')}"


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded))["o"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise bad_request("Invalid value for the $skiptoken query option.") from None
    if not isinstance(offset, int) or offset < 0:
        raise bad_request("Invalid value for the $skiptoken query option.")
    return offset


def _select(query: Mapping[str, str]) -> tuple[str, ...] | None:
    if "$select" not in query:
        return None
    return tuple(name.strip() for name in query["$select"].split(",") if name.strip())


def _top(query: Mapping[str, str]) -> int | None:
    if "$top" not in query:
        return None
    text = query["$top"]
    if not text.isdigit() or not 1 <= int(text) <= 999:
        raise bad_request(
            f"Invalid page size specified: '{text}'. Must be between 1 and 999 inclusive.",
            code="Request_BadRequest",
        )
    return int(text)


def _boolean(text: str, option: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise bad_request(f"Invalid value '{text}' for the {option} query option.")
    return text.lower() == "true"


def _orderby(text: str | None) -> tuple[str, bool] | None:
    if not text:
        return None
    name, _, direction = text.strip().partition(" ")
    return name, direction.strip().lower() == "desc"
