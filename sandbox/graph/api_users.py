"""`/users`, `/users/{id | userPrincipalName}` and `/users/{id}/manager`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sandbox.model import User

from .call import GraphCall, GraphResult, Route, ok
from .entities import USER_DEFAULT_PROPERTIES, USER_PROPERTIES, user_json
from .errors import GraphError, bad_request, forbidden, not_found, unsupported_query
from .query import (
    CollectionQuery,
    Rendered,
    kept,
    page,
    parse_collection_query,
    project,
    sort_key,
)

__all__ = ["ROUTES", "USER_READ", "find_user"]

# user-get / user-list: application permissions, least to most privileged.
USER_READ = ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
_SIGN_IN = "signInActivity"
# user-list.md: pages hold at most 120 users when signInActivity is selected or filtered on.
_SIGN_IN_PAGE_MAX = 120


def find_user(call: GraphCall) -> User:
    user = call.tenant.directory.find_user(call.params["user"])
    if user is None:
        raise not_found(call.params["user"])
    return user


def no_premium() -> GraphError:
    return GraphError(
        403,
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
        "Neither tenant is B2C or tenant doesn't have premium license",
    )


def _check_select(select: Sequence[str] | None) -> None:
    for name in select or ():
        if name not in USER_PROPERTIES:
            raise bad_request(
                f"Could not find a property named '{name}' on type 'microsoft.graph.user'."
            )


def _check_sign_in_activity(call: GraphCall, query: CollectionQuery) -> bool:
    """signInActivity needs AuditLog.Read.All and Entra ID P1, and filters alone; True when
    the query selects or filters on it."""
    selected = _SIGN_IN in (query.select or ())
    filtered = query.filter is not None and _SIGN_IN in query.filter.properties
    if not (selected or filtered):
        return False
    if not call.has("AuditLog.Read.All"):
        raise forbidden()
    if not call.tenant.directory.has_premium:
        raise no_premium()
    if filtered and query.filter is not None and len(query.filter.properties) > 1:
        raise unsupported_query(
            "Unsupported Query. signInActivity filters can't be combined with other properties."
        )
    return True


def _context(entity_set: str, select: Sequence[str] | None) -> str:
    return f"{entity_set}({','.join(select)})" if select else entity_set


async def list_users(call: GraphCall) -> GraphResult:
    call.require(*USER_READ)
    query = parse_collection_query(call, "users")
    _check_select(query.select)
    sign_in_asked = _check_sign_in_activity(call, query)
    entities = Rendered(list(call.tenant.directory.users.values()), user_json)
    matching = kept(entities, query.filter, query.search)
    if (key := sort_key(query.orderby)) and query.orderby:
        matching = sorted(matching, key=key, reverse=query.orderby[1])
    select = query.select
    projected = Rendered(
        matching, lambda e: project(e, select, USER_DEFAULT_PROPERTIES, with_id=True)
    )
    max_top = _SIGN_IN_PAGE_MAX if sign_in_asked else 999
    return ok(
        page(call, projected, query, context=_context("users", query.select), max_top=max_top)
    )


def _single(call: GraphCall, user: User, entity_set: str) -> dict[str, Any]:
    select = parse_collection_query(call, "users").select
    _check_select(select)
    if _SIGN_IN in (select or ()):
        _check_sign_in_activity(call, CollectionQuery(select, None, None, None, False, 0, None))
    body = project(user_json(user), select, USER_DEFAULT_PROPERTIES, with_id=False)
    return {"@odata.context": call.context(f"{_context(entity_set, select)}/$entity"), **body}


async def get_user(call: GraphCall) -> GraphResult:
    call.require(*USER_READ)
    return ok(_single(call, find_user(call), "users"))


async def get_manager(call: GraphCall) -> GraphResult:
    call.require(*USER_READ)
    user = find_user(call)
    manager = call.tenant.directory.users.get(user.manager_id or "")
    if manager is None:
        raise not_found("manager")
    body = _single(call, manager, "directoryObjects")
    context = body.pop("@odata.context")
    return ok({"@odata.context": context, "@odata.type": "#microsoft.graph.user", **body})


async def me(call: GraphCall) -> GraphResult:
    """App-only tokens have no signed-in user."""
    raise bad_request("/me request is only valid with delegated authentication flow.")


ROUTES = (
    Route("GET", "/users", list_users),
    Route("GET", "/users/{user}", get_user),
    Route("GET", "/users/{user}/manager", get_manager),
    Route("GET", "/me", me),
    Route("GET", "/me/{tail:.*}", me),
)
