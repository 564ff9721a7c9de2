"""Graph error answers mapped into the exception tree, from documented error bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.errors import (
    AuthFailed,
    Forbidden,
    LicenseRequired,
    Rejected,
    RemoteNotFound,
    Throttled,
    Unavailable,
)
from integrations.graph.errors import GraphCall, error_for_status, outbound
from integrations.graph.permissions import covered, required_permission
from integrations.outbound.transport import unreachable

FIXTURES = Path(__file__).parent.parent / "fixtures" / "graph"
CALL = GraphCall("GET", "/users/x/memberOf", "graph.microsoft.com", (), "client-rid")


def documented(name: str) -> tuple[int, Any]:
    example = json.loads((FIXTURES / f"{name}.json").read_text())
    return int(example["response_status"]), example["response_body"]


def test_throttled_carries_retry_after_and_the_request_ids() -> None:
    status, body = documented("graph_error_throttled_429")
    error = error_for_status(CALL, status, body, {"Retry-After": "2.128"})
    assert isinstance(error, Throttled)
    assert error.retry_after == 2.128
    assert error.request_id == "94fb3b52-452a-4535-a601-69e0a90e3aa2"
    assert error.client_request_id == "client-rid"
    assert "in 3 seconds" in error.message


def test_permission_denied_names_the_least_privileged_permission_and_how_to_grant_it() -> None:
    status, body = documented("graph_error_Authorization_RequestDenied")
    error = error_for_status(CALL, status, body, {"request-id": "from-header"})
    assert isinstance(error, Forbidden)
    assert error.permission == "Directory.Read.All"
    assert "Directory.Read.All" in error.message and "admin consent" in error.message
    assert error.request_id == "from-header"


def test_permission_denied_for_an_unknown_call_still_says_what_to_check() -> None:
    status, body = documented("graph_error_Authorization_RequestDenied")
    call = GraphCall("GET", "/sites/root", "graph.microsoft.com")
    error = error_for_status(call, status, body, {})
    assert isinstance(error, Forbidden) and error.permission == ""
    assert "API permissions" in error.message


def test_missing_premium_licence_is_licence_required() -> None:
    body = {
        "error": {
            "code": "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "message": "Neither tenant is B2C or tenant doesn't have premium license",
        }
    }
    error = error_for_status(CALL, 403, body, {})
    assert isinstance(error, LicenseRequired)
    assert "Entra ID P1" in error.message


def test_not_found_is_remote_not_found() -> None:
    status, body = documented("graph_error_Request_ResourceNotFound")
    error = error_for_status(CALL, status, body, {})
    assert isinstance(error, RemoteNotFound)
    assert error.code == "Request_ResourceNotFound"


def test_other_client_errors_are_rejected_with_the_graph_code() -> None:
    status, body = documented("graph_error_Request_BadRequest")
    error = error_for_status(CALL, status, body, {})
    assert type(error) is Rejected
    assert error.code == "Request_BadRequest" and "Request_BadRequest" in error.message


def test_long_graph_messages_are_shortened_to_one_line() -> None:
    body = {"error": {"code": "BadRequest", "message": "line\none " + "x" * 500}}
    error = error_for_status(CALL, 400, body, {})
    assert "\n" not in error.message and len(error.message) < 300


def test_unauthenticated_is_auth_failed() -> None:
    body = {"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty."}}
    assert isinstance(error_for_status(CALL, 401, body, {}), AuthFailed)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_unavailable_naming_the_host(status: int) -> None:
    error = error_for_status(CALL, status, None, {})
    assert type(error) is Unavailable
    assert "graph.microsoft.com" in error.message and error.status == status


def test_transport_errors_name_the_host_without_the_exception_text() -> None:
    error = unreachable(outbound(CALL), httpx.ConnectError("secret-ish detail from the socket"))
    assert "graph.microsoft.com" in error.message and "could not be reached" in error.message
    assert "secret-ish" not in error.message


@pytest.mark.parametrize(
    ("method", "path", "fields", "permission"),
    [
        ("GET", "/users/adele@contoso.com", ["id", "signInActivity"], "AuditLog.Read.All"),
        ("GET", "/users/adele@contoso.com", ["id"], "User.Read.All"),
        ("GET", "/users/abc/authentication/methods", [], "UserAuthenticationMethod.Read.All"),
        (
            "GET",
            "/reports/authenticationMethods/userRegistrationDetails/abc",
            [],
            "AuditLog.Read.All",
        ),
        ("GET", "/subscribedSkus", [], "Organization.Read.All"),
        ("GET", "/roleManagement/directory/roleAssignments", [], "RoleManagement.Read.Directory"),
        ("GET", "/users/abc/authentication/requirements", [], "Policy.Read.All"),
        ("PATCH", "/users/abc", ["passwordProfile"], "User-PasswordProfile.ReadWrite.All"),
        ("PATCH", "/users/abc", ["accountEnabled"], "User.EnableDisableAccount.All"),
        ("DELETE", "/groups/g/members/u/$ref", [], "GroupMember.ReadWrite.All"),
    ],
)
def test_permission_table(method: str, path: str, fields: list[str], permission: str) -> None:
    requirement = required_permission(method, path, fields)
    assert requirement is not None and requirement.permission == permission


@pytest.mark.parametrize(
    ("needed", "granted", "covered_by_it"),
    [
        ("User.EnableDisableAccount.All", "User.ReadWrite.All", True),
        ("User.EnableDisableAccount.All", "Directory.ReadWrite.All", True),
        ("User.EnableDisableAccount.All", "User.Read.All", False),
        ("User.Read.All", "Directory.Read.All", True),
        ("User.ReadWrite.All", "Directory.Read.All", False),
        # roleEligibilitySchedules does not take Directory.Read.All, so it cannot stand in.
        ("RoleManagement.Read.Directory", "Directory.Read.All", False),
        ("Exchange.ManageAsApp", "Exchange.ManageAsApp", True),
    ],
)
def test_a_grant_covers_a_permission_when_every_call_needing_it_accepts_it(
    needed: str, granted: str, covered_by_it: bool
) -> None:
    assert covered(needed, {granted}) is covered_by_it
