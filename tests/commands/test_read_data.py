"""What the read commands give scripts (`Reply.data`, `--json`): Graph's and Exchange's own
property names with typed values (booleans, counts, ISO 8601 times, null for what is missing),
never the display strings the cards show."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.process.runtime import Runtime
from tests.commands.sandbox_state import sandbox_of
from tests.plugins.runtime import OPERATOR, Ask

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ADELE = "adele.vance@contoso.com"
MEGAN = "megan.bowen@contoso.com"
LYNNE = "lynne.robbins@contoso.com"
E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"


def _mapping(data: Any) -> dict[str, Any]:
    assert isinstance(data, dict), data
    return data


def _rows(data: Any) -> list[dict[str, Any]]:
    assert isinstance(data, list), data
    return data


# --- /licenses -------------------------------------------------------------------------------


async def test_licenses_give_each_subscribed_sku_under_graphs_names(
    ask: Ask, runtime: Runtime
) -> None:
    reply = await ask("/licenses")
    data = _mapping(reply.data)
    directory = sandbox_of(runtime).tenant("contoso").directory
    seeded = next(sku for sku in directory.skus if sku.sku_id == E3)
    e3 = next(sku for sku in data["subscribedSkus"] if sku["skuId"] == E3)

    assert set(data) == {"subscribedSkus", "blockedOrInactiveLicensedUsers", "unavailable"}
    assert e3 == {
        "skuId": E3,
        "skuPartNumber": "SPE_E3",
        "productName": "Microsoft 365 E3",
        "prepaidUnits": {"enabled": seeded.prepaid, "suspended": 0, "warning": 0, "lockedOut": 0},
        "consumedUnits": directory.consumed_units(E3),
        "availableUnits": seeded.prepaid - directory.consumed_units(E3),
        "capabilityStatus": "Enabled",
    }
    assert len(data["subscribedSkus"]) == len(directory.skus)
    assert data["unavailable"] == {}


async def test_licenses_list_blocked_and_idle_holders_with_typed_sign_ins(ask: Ask) -> None:
    data = _mapping((await ask("/licenses")).data)
    held = {user["userPrincipalName"]: user for user in data["blockedOrInactiveLicensedUsers"]}

    alex = held["alex.wilber@contoso.com"]
    assert set(alex) == {
        "id",
        "displayName",
        "userPrincipalName",
        "accountEnabled",
        "signInActivity",
        "assignedLicenses",
        "licenseNames",
        "reason",
    }
    assert (alex["accountEnabled"], alex["reason"]) == (False, "signInBlocked")
    assert alex["assignedLicenses"] == [{"skuId": E3}]
    assert alex["licenseNames"] == ["Microsoft 365 E3"]
    diego = held["diego.siciliani@contoso.com"]
    assert diego["reason"] == "neverSignedIn"
    assert diego["signInActivity"] == {
        "lastSignInDateTime": None,
        "lastNonInteractiveSignInDateTime": None,
    }
    megan = held[MEGAN]
    assert (megan["accountEnabled"], megan["reason"]) == (True, "inactive")
    assert ISO.match(megan["signInActivity"]["lastSignInDateTime"])
    assert ADELE not in held


async def test_licenses_without_p1_say_sign_ins_are_unavailable_and_give_null(ask: Ask) -> None:
    data = _mapping((await ask("/licences --tenant fabrikam")).data)

    assert data["unavailable"] == {"signInActivity": "needs Microsoft Entra ID P1"}
    assert all(user["signInActivity"] is None for user in data["blockedOrInactiveLicensedUsers"])
    assert all(user["reason"] == "signInBlocked" for user in data["blockedOrInactiveLicensedUsers"])


# --- /grants, /grant, /revoke-grant ----------------------------------------------------------


async def test_grants_give_one_object_per_grant_with_iso_times_and_null(ask: Ask) -> None:
    granted = await ask("/grant someone@msp.example readonly --tenant contoso")
    listed = _rows((await ask("/grants --tenant contoso")).data)

    assert granted.data == {
        "who": "someone@msp.example",
        "tenant": "contoso",
        "role": "readonly",
        "held": True,
    }
    mine = [grant for grant in listed if grant["who"] == "someone@msp.example"]
    assert len(mine) == 1
    assert set(mine[0]) == {"who", "tenant", "role", "source", "grantedBy", "grantedAt"}
    assert mine[0]["source"] == "granted"
    assert mine[0]["grantedBy"] == OPERATOR.id
    assert ISO.match(mine[0]["grantedAt"])
    configured = next(grant for grant in listed if grant["source"] == "config")
    assert configured["grantedAt"] is None


async def test_revoking_a_grant_says_it_is_no_longer_held(ask: Ask) -> None:
    await ask("/grant someone@msp.example readonly --tenant contoso")
    revoked = await ask("/revoke-grant someone@msp.example readonly --tenant contoso")
    after = _rows((await ask("/grants --who someone@msp.example")).data)

    assert revoked.data == {
        "who": "someone@msp.example",
        "tenant": "contoso",
        "role": "readonly",
        "held": False,
    }
    assert after == []


# --- /guard ----------------------------------------------------------------------------------


async def test_guard_gives_each_tenants_switch_as_a_boolean(ask: Ask) -> None:
    switched = await ask("/guard off --tenant contoso --reason 'incident 42'")
    listed = {row["tenant"]: row for row in _rows((await ask("/guard")).data)}

    assert switched.data == listed["contoso"]
    contoso = listed["contoso"]
    assert (contoso["destructiveActionsEnabled"], contoso["note"]) == (False, "incident 42")
    assert contoso["changedBy"] == OPERATOR.id
    assert ISO.match(contoso["changedAt"])
    assert listed["fabrikam"] == {
        "tenant": "fabrikam",
        "destructiveActionsEnabled": True,
        "changedBy": None,
        "changedAt": None,
        "note": None,
    }


# --- /mfa methods ----------------------------------------------------------------------------


async def test_mfa_methods_give_graphs_method_objects(ask: Ask, runtime: Runtime) -> None:
    data = _mapping((await ask(f"/mfa methods {ADELE}")).data)
    adele = sandbox_of(runtime).tenant("contoso").directory.find_user(ADELE)
    assert adele is not None

    assert set(data) == {
        "id",
        "userPrincipalName",
        "displayName",
        "isMfaRegistered",
        "authenticationMethods",
    }
    assert (data["id"], data["userPrincipalName"]) == (adele.id, ADELE)
    assert data["isMfaRegistered"] is True
    methods = {m["@odata.type"]: m for m in data["authenticationMethods"]}
    assert list(methods) == [
        "#microsoft.graph.passwordAuthenticationMethod",
        "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
        "#microsoft.graph.phoneAuthenticationMethod",
    ]
    phone = methods["#microsoft.graph.phoneAuthenticationMethod"]
    assert (phone["phoneNumber"], phone["phoneType"]) == ("+1 4255550199", "mobile")
    assert phone["removableByReregister"] is True
    authenticator = methods["#microsoft.graph.microsoftAuthenticatorAuthenticationMethod"]
    assert authenticator["displayName"] == "Adele's phone"
    assert ISO.match(authenticator["createdDateTime"])
    password = methods["#microsoft.graph.passwordAuthenticationMethod"]
    assert "password" not in password
    assert password["removableByReregister"] is False


async def test_mfa_methods_never_carry_a_secret_property(ask: Ask) -> None:
    """A Temporary Access Pass and an OATH token have secret properties (null in lists)."""
    for upn in ("diego.siciliani@contoso.com", "grady.archie@contoso.com", ADELE):
        data = _mapping((await ask(f"/mfa methods {upn}")).data)
        shown = json.dumps(data)
        assert '"temporaryAccessPass"' not in shown
        assert '"secretKey"' not in shown
        assert '"password"' not in shown


async def test_a_user_without_mfa_is_not_registered(ask: Ask) -> None:
    data = _mapping((await ask(f"/mfa methods {LYNNE}")).data)

    assert data["isMfaRegistered"] is False
    assert [m["@odata.type"] for m in data["authenticationMethods"]] == [
        "#microsoft.graph.passwordAuthenticationMethod"
    ]


# --- /forwarding show ------------------------------------------------------------------------


async def test_forwarding_gives_exchanges_mailbox_fields_and_graphs_rules(
    ask: Ask, runtime: Runtime
) -> None:
    data = _mapping((await ask(f"/forwarding show {MEGAN}")).data)
    megan = sandbox_of(runtime).tenant("contoso").directory.find_user(MEGAN)
    assert megan is not None

    assert data["id"] == megan.id
    assert data["userPrincipalName"] == MEGAN
    assert data["mailbox"] == {
        "ForwardingSmtpAddress": "smtp:megan.bowen.archive@outlook.com",
        "ForwardingAddress": None,
        "DeliverToMailboxAndForward": False,
        "forwardsOutsideOrganisation": True,
    }
    (rule,) = data["inboxRules"]
    assert rule == {
        "id": rule["id"],
        "displayName": "Invoices",
        "isEnabled": True,
        "forwardTo": [],
        "redirectTo": ["accounts-payable@fabrikam-billing.net"],
        "forwardAsAttachmentTo": [],
        "sendsOutsideOrganisation": True,
    }
    assert rule["id"]
    assert data["mailLeavesOrganisation"] is True
    assert data["unavailable"] == {}


async def test_internal_forwarding_stays_in_the_organisation(ask: Ask) -> None:
    adele = _mapping((await ask(f"/forwarding show {ADELE}")).data)
    lynne = _mapping((await ask(f"/forwarding show {LYNNE}")).data)

    assert adele["mailbox"]["ForwardingSmtpAddress"] is None
    assert adele["inboxRules"][0]["forwardTo"] == ["alex.wilber@contoso.com"]
    assert adele["inboxRules"][0]["sendsOutsideOrganisation"] is False
    assert adele["mailLeavesOrganisation"] is False
    assert lynne["mailbox"]["ForwardingAddress"]
    assert lynne["mailbox"]["DeliverToMailboxAndForward"] is True
    assert lynne["inboxRules"] == []
    assert lynne["mailLeavesOrganisation"] is False


async def test_forwarding_that_cannot_be_read_is_null_with_the_reason(
    ask: Ask, runtime: Runtime
) -> None:
    sandbox_of(runtime).tenant("contoso").app_roles.discard("Exchange Administrator")

    data = _mapping((await ask(f"/forwarding show {MEGAN}")).data)

    assert data["mailbox"] is None
    assert "Exchange Administrator" in data["unavailable"]["mailbox"]
    assert data["inboxRules"][0]["displayName"] == "Invoices"
    assert data["mailLeavesOrganisation"] is True


# --- /user with several matches --------------------------------------------------------------


async def test_several_user_matches_give_graphs_names_and_typed_sign_in(ask: Ask) -> None:
    reply = await ask("/user a")
    data = _mapping(reply.data)

    assert set(data) == {"moreThanShown", "users"}
    assert isinstance(data["moreThanShown"], bool)
    users = {user["userPrincipalName"]: user for user in data["users"]}
    assert users[ADELE]["displayName"] == "Adele Vance"
    assert users[ADELE]["accountEnabled"] is True
    assert users["alex.wilber@contoso.com"]["accountEnabled"] is False
    assert all(
        set(user) == {"id", "displayName", "userPrincipalName", "accountEnabled"}
        for user in users.values()
    )
