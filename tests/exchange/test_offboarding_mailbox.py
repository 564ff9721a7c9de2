"""The Exchange client's offboarding cmdlets on a mailbox against the sandbox: its type and
visibility, its FullAccess delegates and its calendar's delegates. Each test reads the cmdlet
the sandbox received and the mailbox it left."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.errors import Rejected, RemoteNotFound
from sandbox import Sandbox
from sandbox.exchange.mailboxes import Delegate, FolderGrant

from .conftest import ADELE, ALEX, MEGAN, NOBODY, ClientFactory, mailbox, sent, user


async def test_a_mailbox_converted_to_shared_reads_back_as_a_shared_mailbox(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    client = exchange()

    result = await client.set_mailbox_type(ADELE, shared=True)
    converted = await client.get_mailbox(ADELE)

    assert sent(sandbox)[0] == ("Set-Mailbox", {"Identity": ADELE, "Type": "Shared"})
    assert result.warnings == ()
    assert converted.recipient_type_details == "SharedMailbox"
    assert converted.is_shared
    assert user(sandbox, ADELE).id in sandbox.tenant("contoso").exchange.shared


async def test_a_shared_mailbox_turns_back_into_a_regular_one(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    client = exchange()
    await client.set_mailbox_type(ADELE, shared=True)

    await client.set_mailbox_type(ADELE, shared=False)

    assert sent(sandbox)[-1] == ("Set-Mailbox", {"Identity": ADELE, "Type": "Regular"})
    assert not (await client.get_mailbox(ADELE)).is_shared


async def test_hiding_a_mailbox_from_the_address_lists_is_kept_and_reads_back(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    client = exchange()

    await client.set_hidden_from_address_lists(ADELE, hidden=True)

    assert sent(sandbox) == [
        ("Set-Mailbox", {"Identity": ADELE, "HiddenFromAddressListsEnabled": True})
    ]
    assert mailbox(sandbox, ADELE).hidden
    assert (await client.get_mailbox(ADELE)).hidden_from_address_lists_enabled


async def test_setting_what_is_already_set_answers_exchanges_no_change_warning(
    exchange: ClientFactory,
) -> None:
    result = await exchange().set_hidden_from_address_lists(ADELE, hidden=False)

    assert result.warnings == (
        "The command completed successfully but no settings of 'adele.vance' have been modified.",
    )


async def test_changing_an_unknown_mailbox_is_not_found(exchange: ClientFactory) -> None:
    with pytest.raises(RemoteNotFound) as caught:
        await exchange().set_mailbox_type(NOBODY, shared=True)

    assert NOBODY in caught.value.message


async def test_mailbox_permissions_list_every_entry_and_pick_out_the_delegates(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    entries = await exchange().mailbox_permissions(ADELE)

    assert sent(sandbox) == [("Get-MailboxPermission", {"Identity": ADELE})]
    assert [(e.user, e.access_rights, e.deny, e.is_inherited) for e in entries] == [
        ("NT AUTHORITY\\SELF", ("FullAccess", "ReadPermission"), False, False),
        (MEGAN, ("FullAccess",), False, False),
    ]
    assert [e.user for e in entries if e.is_delegate] == [MEGAN]


async def test_full_access_is_granted_with_the_parameters_exchange_documents(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    await exchange().add_mailbox_permission(ADELE, ALEX, auto_mapping=False)

    assert sent(sandbox) == [
        (
            "Add-MailboxPermission",
            {
                "Identity": ADELE,
                "User": ALEX,
                "AccessRights": ["FullAccess"],
                "InheritanceType": "All",
                "AutoMapping": False,
            },
        )
    ]
    assert mailbox(sandbox, ADELE).full_access == (
        Delegate(user(sandbox, MEGAN).id),
        Delegate(user(sandbox, ALEX).id, auto_mapping=False),
    )


async def test_full_access_is_removed_and_removing_it_again_only_warns(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    client = exchange()

    first = await client.remove_mailbox_permission(ADELE, MEGAN)
    again = await client.remove_mailbox_permission(ADELE, MEGAN)

    assert sent(sandbox)[0] == (
        "Remove-MailboxPermission",
        {
            "Identity": ADELE,
            "User": MEGAN,
            "AccessRights": ["FullAccess"],
            "InheritanceType": "All",
            "Confirm": False,
        },
    )
    assert mailbox(sandbox, ADELE).full_access == ()
    assert first.warnings == ()
    assert len(again.warnings) == 1
    assert "because the ACE doesn't exist on the object" in again.warnings[0]


async def test_full_access_for_an_unknown_user_is_not_found(exchange: ClientFactory) -> None:
    with pytest.raises(RemoteNotFound):
        await exchange().add_mailbox_permission(ADELE, NOBODY, auto_mapping=True)


async def test_the_calendar_is_found_by_its_type_whatever_its_name(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    adele = user(sandbox, ADELE)
    org = sandbox.tenant("contoso").exchange
    org.put(adele.id, replace(org.state(adele.id), calendar_name="Kalender"))

    folder = await exchange().calendar_folder(ADELE)

    assert sent(sandbox) == [
        ("Get-MailboxFolderStatistics", {"Identity": ADELE, "FolderScope": "Calendar"})
    ]
    assert (folder.name, folder.folder_type, folder.folder_path) == (
        "Kalender",
        "Calendar",
        "/Kalender",
    )


async def test_calendar_permissions_name_the_localised_folder_and_skip_default_and_anonymous(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    adele = user(sandbox, ADELE)
    org = sandbox.tenant("contoso").exchange
    org.put(adele.id, replace(org.state(adele.id), calendar_name="Kalender"))

    entries = await exchange().calendar_permissions(ADELE)

    assert sent(sandbox)[1] == ("Get-MailboxFolderPermission", {"Identity": f"{ADELE}:\\Kalender"})
    assert [(e.user, e.user_type, e.access_rights) for e in entries] == [
        ("Alex Wilber", "Internal", ("Editor",))
    ]


async def test_a_calendar_delegate_is_removed(sandbox: Sandbox, exchange: ClientFactory) -> None:
    await exchange().remove_calendar_permission(ADELE, ALEX)

    assert sent(sandbox)[1] == (
        "Remove-MailboxFolderPermission",
        {"Identity": f"{ADELE}:\\Calendar", "User": ALEX, "Confirm": False},
    )
    assert mailbox(sandbox, ADELE).calendar == ()


async def test_removing_a_calendar_permission_nobody_holds_is_refused(
    exchange: ClientFactory,
) -> None:
    with pytest.raises(Rejected) as caught:
        await exchange().remove_calendar_permission(ADELE, MEGAN, folder="Calendar")

    assert not isinstance(caught.value, RemoteNotFound)
    assert caught.value.status == 400
    assert "There is no existing permission entry found for user: Megan Bowen." in (
        caught.value.message
    )


async def test_a_calendar_delegate_is_given_back_and_cannot_be_added_twice(
    sandbox: Sandbox, exchange: ClientFactory
) -> None:
    client = exchange()

    await client.add_calendar_permission(ADELE, MEGAN, "Editor", folder="Calendar")
    with pytest.raises(Rejected) as twice:
        await client.add_calendar_permission(ADELE, MEGAN, ("Editor",), folder="Calendar")

    assert sent(sandbox)[0] == (
        "Add-MailboxFolderPermission",
        {"Identity": f"{ADELE}:\\Calendar", "User": MEGAN, "AccessRights": ["Editor"]},
    )
    assert mailbox(sandbox, ADELE).calendar == (
        FolderGrant(user(sandbox, ALEX).id, ("Editor",)),
        FolderGrant(user(sandbox, MEGAN).id, ("Editor",)),
    )
    assert "An existing permission entry was found for user: Megan Bowen." in twice.value.message


async def test_the_calendar_of_an_unknown_mailbox_is_not_found(exchange: ClientFactory) -> None:
    with pytest.raises(RemoteNotFound):
        await exchange().calendar_permissions(NOBODY)
