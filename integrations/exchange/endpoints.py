"""Where Exchange Online's admin API lives in each Microsoft cloud, and the tokens' audience.

Exchange Online is a resource of its own (not Graph): an app token for it is requested with the
scope `<resource>/.default`. The hosts per cloud are those the Exchange Online PowerShell module
connects to (`-ExchangeEnvironmentName`): O365Default, O365USGovGCCHigh, O365USGovDoD,
O365China. In the sandbox the host is the sandbox's own URL, while the audience stays the
public resource, as the sandbox's login endpoint issues it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from integrations.outbound.endpoint import ServiceEndpoint

__all__ = ["EXCHANGE_CLOUDS", "PUBLIC_EXCHANGE", "ExchangeEndpoint"]


@dataclass(frozen=True, slots=True)
class ExchangeEndpoint(ServiceEndpoint):
    service: ClassVar[str] = "Exchange Online"

    def invoke_url(self, tenant_id: str) -> str:
        return f"{self.host}/adminapi/beta/{tenant_id}/InvokeCommand"


PUBLIC_EXCHANGE = ExchangeEndpoint("https://outlook.office365.com")

# Keyed like Deskhand's `cloud` setting.
EXCHANGE_CLOUDS: Mapping[str, ExchangeEndpoint] = {
    "public": PUBLIC_EXCHANGE,
    "usgov": ExchangeEndpoint("https://outlook.office365.us"),
    "usgov-dod": ExchangeEndpoint("https://webmail.apps.mil"),
    "china": ExchangeEndpoint("https://partner.outlook.cn"),
}
