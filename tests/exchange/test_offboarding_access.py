"""The Exchange client's offboarding cmdlets beyond the mailbox itself, against the sandbox:
mobile devices, inbox rules on and off, and distribution list / mail-enabled security group
membership. Each test reads the cmdlet the sandbox received and the state it left."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.errors import IntegrationError, Rejected, RemoteNotFound
from integrations.exchange import SYSTEM_MAILBOX
from sandbox import Sandbox
from sandbox.model import Group

from .conftest import ADELE, NOBODY, ClientFactory, mailbox, sent, user

ADELE_DN = (
    "CN=adele.vance,OU=contoso.onmicrosoft.com,OU=Microsoft Exchange Hosted Organizations,"
    "DC=NAMPR04A001,DC=PROD,DC=OUTLOOK,DC=COM"
)
MAIL_GROUPS = ["MailUniversalDistributionGroup", "MailUniversalSecurityGroup"]


def group(sandbox: Sandbox, name: str) -> Group:
    groups = sandbox.tenant("contoso").directory.groups.values()
    return next(g for g in groups if g.display_name == name)


async def test_mobile_devices_are_typed(sandbox: Sandbox, exchange: ClientFactory) -> None:
    devices = await exchange().mobile_devices(ADELE)

    assert sent(sandbox) == [("Get-MobileDevice", {"Mailbox": ADELE})]
    assert [(d.friendly_name, d.device_type, d.device_model) for d in devices] == [
        ("Adele's iPhone", "iPhone", "iPhone15C2"),
        ("Pixel 8", "Outlook", "Outlook for Android"),
    ]
    assert devices[0].first_sync_time == datetime(2025, 2, 11, 8, 14, 32, tzinfo=UTC)
    assert devices[0].identity.startswith("adele.vance\\ExchangeActiveSyncDevices\\")


async def test_a_mobile_device_is_removed_by_its_identity_anchored_on_its_owner(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    client = exchange()
    phone, pixel = await client.mobile_devices(ADELE)

    await client.remove_mobile_device(phone.identity, anchor=ADELE)

    request = sandbox.requests[-1]
    assert sent(sandbox)[-1] == (
        "Remove-MobileDevice",
        {"Identity": phone.identity, "Confirm": False},
    )
    assert request.headers["X-AnchorMailbox"] == f"UPN:{ADELE}"
    assert [d.device_id for d in mailbox(sandbox, ADELE).devices] == [pixel.device_id]
    with pytest.raises(RemoteNotFound):
        await client.remove_mobile_device(phone.identity, anchor=ADELE)


async def test_the_devices_of_an_unknown_mailbox_are_not_found(exchange: ClientFactory) -> None:
    with pytest.raises(RemoteNotFound):
        await exchange().mobile_devices(NOBODY)


async def test_an_inbox_rule_is_disabled_and_enabled_again(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    client = exchange()
    (rule,) = await client.inbox_rules(ADELE)

    await client.disable_inbox_rule(ADELE, rule.identity)
    disabled = mailbox(sandbox, ADELE).rules[0].enabled
    await client.enable_inbox_rule(ADELE, rule.identity)

    expected = {"Identity": "adele.vance\\1", "Mailbox": ADELE, "Confirm": False}
    assert sent(sandbox)[1:] == [("Disable-InboxRule", expected), ("Enable-InboxRule", expected)]
    assert disabled is False
    assert mailbox(sandbox, ADELE).rules[0].enabled is True


async def test_disabling_an_unknown_rule_is_not_found(exchange: ClientFactory) -> None:
    with pytest.raises(RemoteNotFound):
        await exchange().disable_inbox_rule(ADELE, "adele.vance\\99")


async def test_the_groups_of_a_member_are_found_by_its_distinguished_name(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    groups = await exchange().distribution_groups_of(ADELE)

    assert sent(sandbox) == [
        ("Get-Recipient", {"Identity": ADELE}),
        (
            "Get-Recipient",
            {"Filter": f"Members -eq '{ADELE_DN}'", "RecipientTypeDetails": MAIL_GROUPS},
        ),
    ]
    # Microsoft 365 groups (All Company, Sales and Marketing) are Graph's to change.
    assert [(g.display_name, g.primary_smtp_address, g.is_security_group) for g in groups] == [
        ("Contoso Announcements", "announcements@contoso.com", False),
        ("Sales Leads", "salesleads@contoso.com", True),
    ]


async def test_a_quote_in_a_distinguished_name_is_doubled_in_the_filter(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    sean = "sean.o'brien@contoso.com"
    sandbox.tenant("contoso").exchange.shared.add(user(sandbox, sean).id)

    groups = await exchange().distribution_groups_of(sean)

    assert "Members -eq 'CN=sean.o''brien,OU=" in sent(sandbox)[1][1]["Filter"]
    assert [g.display_name for g in groups] == ["IT Helpdesk"]


async def test_the_groups_of_an_unknown_recipient_are_not_found(exchange: ClientFactory) -> None:
    with pytest.raises(RemoteNotFound):
        await exchange().distribution_groups_of(NOBODY)


async def test_a_member_is_removed_with_the_manager_check_bypassed(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    await exchange().remove_distribution_group_member("announcements@contoso.com", ADELE)

    request = sandbox.requests[-1]
    tenant_id = sandbox.tenant("contoso").tenant_id
    assert sent(sandbox) == [
        (
            "Remove-DistributionGroupMember",
            {
                "Identity": "announcements@contoso.com",
                "Member": ADELE,
                "BypassSecurityGroupManagerCheck": True,
                "Confirm": False,
            },
        )
    ]
    assert request.headers["X-AnchorMailbox"] == f"APP:{SYSTEM_MAILBOX}@{tenant_id}"
    assert user(sandbox, ADELE).id not in group(sandbox, "Contoso Announcements").member_ids


async def test_removing_someone_who_is_not_a_member_is_refused(exchange: ClientFactory) -> None:
    with pytest.raises(Rejected) as caught:
        await exchange().remove_distribution_group_member("ithelpdesk@contoso.com", ADELE)

    assert not isinstance(caught.value, RemoteNotFound)
    assert caught.value.status == 400
    assert (
        'The recipient "adele.vance@contoso.com" isn\'t a member of the group "IT Helpdesk".'
        in caught.value.message
    )


async def test_a_removed_member_is_added_back_once(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    client = exchange()
    await client.remove_distribution_group_member("salesleads", ADELE)

    await client.add_distribution_group_member("salesleads", ADELE)
    with pytest.raises(Rejected) as twice:
        await client.add_distribution_group_member("salesleads", ADELE)

    assert sent(sandbox)[1] == (
        "Add-DistributionGroupMember",
        {"Identity": "salesleads", "Member": ADELE, "BypassSecurityGroupManagerCheck": True},
    )
    assert user(sandbox, ADELE).id in group(sandbox, "Sales Leads").member_ids
    assert "is already a member of the group" in twice.value.message


async def test_a_group_exchange_does_not_manage_is_not_found(exchange: ClientFactory) -> None:
    with pytest.raises(RemoteNotFound):
        await exchange().remove_distribution_group_member("allcompany@contoso.com", ADELE)


async def test_without_the_bypass_the_app_is_no_manager_of_the_group(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    params = {"Identity": "salesleads", "Member": ADELE}

    with pytest.raises(Rejected) as caught:
        await exchange().invoke("Remove-DistributionGroupMember", params)

    assert "can only be performed by a manager of the group" in caught.value.message
    assert user(sandbox, ADELE).id in group(sandbox, "Sales Leads").member_ids


@pytest.mark.parametrize(
    ("cmdlet", "params"),
    [
        ("Get-MobileDevice", {"Mailbox": ADELE, "Owner": ADELE}),
        ("Disable-InboxRule", {"Mailbox": ADELE, "Identity": "1", "Enabled": False}),
        ("Add-MailboxPermission", {"Identity": ADELE, "User": ADELE, "Rights": "FullAccess"}),
        ("Get-MailboxFolderPermission", {"Identity": f"{ADELE}:\\Calendar", "Folder": "x"}),
        ("Get-Recipient", {"Identity": ADELE, "MemberOf": "x"}),
    ],
)
async def test_an_unknown_parameter_of_any_new_cmdlet_is_refused(
    exchange: ClientFactory, cmdlet: str, params: dict[str, object]
) -> None:
    with pytest.raises(IntegrationError) as caught:
        await exchange().invoke(cmdlet, params)

    assert caught.value.status == 400
    assert "Invalid cmdlet parameters specified." in caught.value.message
