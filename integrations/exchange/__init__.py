"""Exchange Online for one customer tenant: the admin API's `InvokeCommand`, app-only, with
retries, paging and errors mapped into `core.errors`."""

from __future__ import annotations

from .client import SYSTEM_MAILBOX, ExchangeClient
from .endpoints import EXCHANGE_CLOUDS, PUBLIC_EXCHANGE, ExchangeEndpoint
from .errors import EXCHANGE_PERMISSION, EXCHANGE_ROLE, ExchangeFailure
from .models import (
    FolderPermission,
    InboxRule,
    InvokeResult,
    Mailbox,
    MailboxFolder,
    MailboxPermission,
    MobileDevice,
    Recipient,
    smtp_address,
)

__all__ = [
    "EXCHANGE_CLOUDS",
    "EXCHANGE_PERMISSION",
    "EXCHANGE_ROLE",
    "PUBLIC_EXCHANGE",
    "SYSTEM_MAILBOX",
    "ExchangeClient",
    "ExchangeEndpoint",
    "ExchangeFailure",
    "FolderPermission",
    "InboxRule",
    "InvokeResult",
    "Mailbox",
    "MailboxFolder",
    "MailboxPermission",
    "MobileDevice",
    "Recipient",
    "smtp_address",
]
