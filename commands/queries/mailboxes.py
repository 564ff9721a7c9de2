"""What /ooo and /forwarding share: telling a technician, plainly, that a user has no mailbox.

Graph answers 404 `MailboxNotEnabledForRESTAPI` for a user without an Exchange Online mailbox
(unlicensed, or hosted on-premises); Exchange's Get-Mailbox answers "couldn't be found". Both
become the same message, and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from commands.queries.targets import Target
from core.errors import RemoteNotFound, UserError

__all__ = ["NO_MAILBOX_CODE", "is_mailbox_missing", "mailbox_missing", "needs_mailbox"]

NO_MAILBOX_CODE = "MailboxNotEnabledForRESTAPI"
_T = TypeVar("_T")


def mailbox_missing(target: Target, tenant: str) -> UserError:
    return UserError(
        f"{target.label} has no Exchange Online mailbox in {tenant}, so there is nothing to "
        "set or read. Assign a licence that includes Exchange Online (a mailbox is created "
        "within minutes), or change a mailbox hosted on-premises there. Nothing was changed."
    )


def is_mailbox_missing(error: object) -> bool:
    """Graph's "no mailbox for REST", or Exchange not finding the user's mailbox."""
    if not isinstance(error, RemoteNotFound):
        return False
    return error.code == NO_MAILBOX_CODE or error.service == "Exchange Online"


async def needs_mailbox(call: Awaitable[_T], target: Target, tenant: str) -> _T:
    """The call's result; a missing mailbox becomes `mailbox_missing`."""
    try:
        return await call
    except RemoteNotFound as error:
        if is_mailbox_missing(error):
            raise mailbox_missing(target, tenant) from None
        raise
