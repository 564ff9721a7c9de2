"""Authentication method writes: the TAP policy, creating passes, deleting methods of each type,
and per-user MFA (beta) — as the Graph reference documents them and Graph users observe."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from sandbox import Sandbox
from sandbox.model import AuthMethod, Directory, TapPolicy, User

from .conftest import TokenFor

ADELE = "adele.vance@contoso.com"
METHODS_WRITE = "UserAuthenticationMethod.ReadWrite.All"
MFA_WRITE = "Policy.ReadWrite.AuthenticationMethod"
TAP_POLICY = "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations"
MOBILE = "3179e48a-750b-4051-897c-87b9720928f7"
ALTERNATE = "b6332ec1-7057-4abe-9331-3d72feddfe41"


def _directory(sandbox: Sandbox, tenant: str = "contoso") -> Directory:
    return sandbox.tenant(tenant).directory


def _user(sandbox: Sandbox, upn: str) -> User:
    user = _directory(sandbox).find_user(upn)
    assert user is not None
    return user


@pytest.fixture
async def writer(
    sandbox: Sandbox, graph: httpx.AsyncClient, token_for: TokenFor
) -> httpx.AsyncClient:
    """Contoso's Graph with the method and per-user MFA writes consented (a new token)."""
    sandbox.tenant("contoso").permissions |= {METHODS_WRITE, MFA_WRITE}
    graph.headers["Authorization"] = f"Bearer {await token_for('contoso')}"
    return graph


# --- the TAP policy ----------------------------------------------------------------------


async def test_the_tap_policy_reads_as_documented_in_any_case(graph: httpx.AsyncClient) -> None:
    documented = await graph.get(f"{TAP_POLICY}/temporaryAccessPass")
    capitalised = await graph.get(f"{TAP_POLICY}/TemporaryAccessPass")
    other = await graph.get(f"{TAP_POLICY}/Fido2")

    body = documented.json()
    assert documented.status_code == 200
    assert capitalised.json() == body
    assert body["@odata.context"].endswith(
        "/v1.0/$metadata#authenticationMethodConfigurations/$entity"
    )
    assert {k: v for k, v in body.items() if k != "@odata.context"} == {
        "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
        "id": "TemporaryAccessPass",
        "state": "enabled",
        "defaultLifetimeInMinutes": 60,
        "defaultLength": 8,
        "minimumLifetimeInMinutes": 60,
        "maximumLifetimeInMinutes": 480,
        "isUsableOnce": False,
        "includeTargets": [
            {"targetType": "group", "id": "all_users", "isRegistrationRequired": False}
        ],
        "excludeTargets": [],
    }
    assert other.status_code == 404


async def test_fabrikam_keeps_the_tap_policy_off(
    sandbox_http: httpx.AsyncClient, token_for: TokenFor
) -> None:
    headers = {"Authorization": f"Bearer {await token_for('fabrikam')}"}

    answer = await sandbox_http.get(f"{TAP_POLICY}/TemporaryAccessPass", headers=headers)

    assert answer.json()["state"] == "disabled"


@pytest.mark.usefixtures("narrow_consent")
async def test_the_tap_policy_needs_a_policy_read_permission(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.tenant("contoso").permissions.discard("Policy.Read.All")

    answer = await graph.get(f"{TAP_POLICY}/TemporaryAccessPass")

    assert (answer.status_code, answer.json()["error"]["code"]) == (
        403,
        "Authorization_RequestDenied",
    )


# --- creating a Temporary Access Pass -----------------------------------------------------


async def test_a_pass_is_created_shown_once_and_replaces_the_old_one(
    sandbox: Sandbox, writer: httpx.AsyncClient
) -> None:
    diego = _user(sandbox, "diego.siciliani@contoso.com")
    (old,) = [m for m in diego.methods if m.kind == "temporaryAccessPass"]
    path = f"/v1.0/users/{diego.id}/authentication/temporaryAccessPassMethods"

    created = await writer.post(path, json={"lifetimeInMinutes": 120, "isUsableOnce": True})
    listed = (await writer.get(path)).json()["value"]

    assert created.status_code == 201
    body = created.json()
    assert body["@odata.type"] == "#microsoft.graph.temporaryAccessPassAuthenticationMethod"
    assert len(body["temporaryAccessPass"]) == 8
    assert (body["lifetimeInMinutes"], body["isUsableOnce"], body["isUsable"]) == (120, True, True)
    assert body["methodUsabilityReason"] == "EnabledByPolicy"
    assert [m["id"] for m in listed] == [body["id"]]
    assert listed[0]["temporaryAccessPass"] is None
    assert old.id != body["id"]
    one = await writer.get(f"{path}/{body['id']}")
    assert one.json()["temporaryAccessPass"] is None
    (log,) = [r for r in sandbox.requests if r.method == "POST" and r.path == path]
    assert log.body == {"lifetimeInMinutes": 120, "isUsableOnce": True}


async def test_a_pass_without_a_body_takes_the_policy_defaults(
    sandbox: Sandbox, writer: httpx.AsyncClient
) -> None:
    lynne = _user(sandbox, "lynne.robbins@contoso.com")

    created = await writer.post(
        f"/v1.0/users/{lynne.id}/authentication/temporaryAccessPassMethods", json={}
    )

    assert (created.json()["lifetimeInMinutes"], created.json()["isUsableOnce"]) == (60, False)


@pytest.mark.parametrize(
    ("policy", "body", "message"),
    [
        (
            TapPolicy(state="disabled"),
            {},
            "Temporary Access Pass is not enabled for the tenant",
        ),
        (
            TapPolicy(state="enabled"),
            {"lifetimeInMinutes": 600},
            "Invalid LifetimeInMinutes specified. The valid range between 60 and 480.",
        ),
        (
            TapPolicy(state="enabled", is_usable_once=True),
            {"isUsableOnce": False},
            "only allows one-time use passes",
        ),
        (TapPolicy(state="enabled"), {"lifetimeInMinutes": "60"}, "Invalid LifetimeInMinutes"),
    ],
)
async def test_passes_the_policy_forbids_are_refused(
    sandbox: Sandbox,
    writer: httpx.AsyncClient,
    policy: TapPolicy,
    body: dict[str, object],
    message: str,
) -> None:
    _directory(sandbox).tap_policy = policy
    lynne = _user(sandbox, "lynne.robbins@contoso.com")

    answer = await writer.post(
        f"/v1.0/users/{lynne.id}/authentication/temporaryAccessPassMethods", json=body
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "badRequest"
    assert message in answer.json()["error"]["message"]
    assert _user(sandbox, "lynne.robbins@contoso.com").methods == lynne.methods


@pytest.mark.usefixtures("narrow_consent")
async def test_creating_a_pass_needs_the_read_write_permission(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    before = _user(sandbox, ADELE)

    answer = await graph.post(
        f"/v1.0/users/{ADELE}/authentication/temporaryAccessPassMethods", json={}
    )

    assert answer.status_code == 403
    assert _user(sandbox, ADELE) == before


# --- deleting methods -----------------------------------------------------------------------


async def test_each_method_type_is_deleted_from_its_own_collection(
    sandbox: Sandbox, writer: httpx.AsyncClient
) -> None:
    patti = _user(sandbox, "patti.fernandez@contoso.com")
    kinds = {m.kind: m.id for m in patti.methods}
    base = f"/v1.0/users/{patti.id}/authentication"

    hello = await writer.delete(
        f"{base}/windowsHelloForBusinessMethods/{kinds['windowsHelloForBusiness']}"
    )
    fido = await writer.delete(f"{base}/fido2Methods/{kinds['fido2']}")
    wrong_collection = await writer.delete(f"{base}/fido2Methods/{kinds['microsoftAuthenticator']}")
    password = await writer.delete(f"{base}/passwordMethods/{kinds['password']}")

    assert (hello.status_code, fido.status_code) == (204, 204)
    assert wrong_collection.status_code == 404
    assert password.status_code in (400, 405)
    left = [m["@odata.type"] for m in (await writer.get(f"{base}/methods")).json()["value"]]
    assert left == [
        "#microsoft.graph.passwordAuthenticationMethod",
        "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
    ]


async def test_the_default_method_goes_only_when_it_is_the_last(
    sandbox: Sandbox, writer: httpx.AsyncClient
) -> None:
    adele = _user(sandbox, ADELE)
    app = next(m for m in adele.methods if m.kind == "microsoftAuthenticator")
    base = f"/v1.0/users/{adele.id}/authentication"

    refused = await writer.delete(f"{base}/microsoftAuthenticatorMethods/{app.id}")
    phone = await writer.delete(f"{base}/phoneMethods/{MOBILE}")
    last = await writer.delete(f"{base}/microsoftAuthenticatorMethods/{app.id}")

    assert refused.status_code == 400
    assert refused.json()["error"] == {
        "code": "badRequest",
        "message": "Cannot delete default method with other methods configured. Please change "
        "default method before deletion.",
        "innerError": refused.json()["error"]["innerError"],
    }
    assert (phone.status_code, last.status_code) == (204, 204)
    assert [m.kind for m in _user(sandbox, ADELE).methods] == ["password"]


async def test_a_mobile_phone_goes_after_the_alternate_one(
    sandbox: Sandbox, writer: httpx.AsyncClient
) -> None:
    user = _user(sandbox, "isaiah.langer@contoso.com")
    alternate = AuthMethod(
        "phone", ALTERNATE, {"phoneNumber": "+1 4255550100", "phoneType": "alternateMobile"}
    )
    _directory(sandbox).add_user(replace(user, methods=(*user.methods, alternate)))
    base = f"/v1.0/users/{user.id}/authentication/phoneMethods"

    mobile_first = await writer.delete(f"{base}/{MOBILE}")
    alternate_first = await writer.delete(f"{base}/{ALTERNATE}")
    mobile_then = await writer.delete(f"{base}/{MOBILE}")

    assert [a.status_code for a in (mobile_first, alternate_first, mobile_then)] == [400, 204, 204]


@pytest.mark.usefixtures("narrow_consent")
async def test_deleting_a_method_needs_the_read_write_permission(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    grady = _user(sandbox, "grady.archie@contoso.com")
    oath = next(m for m in grady.methods if m.kind == "softwareOath")

    answer = await graph.delete(
        f"/v1.0/users/{grady.id}/authentication/softwareOathMethods/{oath.id}"
    )

    assert answer.status_code == 403
    assert _user(sandbox, "grady.archie@contoso.com") == grady


# --- per-user MFA ---------------------------------------------------------------------------


async def test_per_user_mfa_is_changed_on_beta_only(
    sandbox: Sandbox, writer: httpx.AsyncClient
) -> None:
    path = f"/users/{ADELE}/authentication/requirements"

    changed = await writer.patch(f"/beta{path}", json={"perUserMfaState": "enforced"})
    read = await writer.get(f"/beta{path}")
    on_v1 = await writer.patch(f"/v1.0{path}", json={"perUserMfaState": "disabled"})
    invalid = await writer.patch(f"/beta{path}", json={"perUserMfaState": "on"})

    assert changed.status_code == 204
    assert read.json()["perUserMfaState"] == "enforced"
    assert on_v1.status_code in (400, 405)
    assert invalid.status_code == 400
    assert _user(sandbox, ADELE).per_user_mfa == "enforced"


@pytest.mark.usefixtures("narrow_consent")
async def test_per_user_mfa_needs_the_authentication_method_policy_permission(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    answer = await graph.patch(
        f"/beta/users/{ADELE}/authentication/requirements", json={"perUserMfaState": "enabled"}
    )

    assert answer.status_code == 403
    assert _user(sandbox, ADELE).per_user_mfa == "disabled"
