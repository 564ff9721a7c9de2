"""A service reached at its own host with tokens for its own audience (Exchange Online's admin
API, SharePoint's admin host): the host receives the calls, the audience names the resource.

In the sandbox the host is the sandbox's own URL while the audience stays the real resource, as
the sandbox's login endpoint issues tokens for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core.errors import ConfigurationError

__all__ = ["ServiceEndpoint"]


@dataclass(frozen=True, slots=True)
class ServiceEndpoint:
    """`host` receives the calls (`https://host`, no trailing slash); `resource` is the tokens'
    audience, the host itself unless set."""

    host: str
    resource: str | None = None
    service: ClassVar[str] = "Service"
    """How error messages name it."""

    def __post_init__(self) -> None:
        for url in (self.host, self.audience):
            if not url.startswith("https://") or url.endswith("/"):
                raise ConfigurationError(
                    f"{self.service} endpoint {url!r} must be an https:// URL without a "
                    "trailing slash."
                )

    @property
    def audience(self) -> str:
        return self.resource or self.host

    @property
    def hostname(self) -> str:
        return self.host.removeprefix("https://")
