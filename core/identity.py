"""Who asks and for which customer: the two facts every layer passes along."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Actor", "TenantInfo"]


@dataclass(frozen=True)
class Actor:
    """The person behind a request, as the channel verified them."""

    id: str
    display_name: str
    email: str = ""


@dataclass(frozen=True)
class TenantInfo:
    name: str
    display_name: str
    domain: str
    tenant_id: str
    sandbox: bool = False
    other_domains: tuple[str, ...] = ()
    """Verified domains besides `domain` (contoso.onmicrosoft.com …), lower case."""

    @property
    def domains(self) -> tuple[str, ...]:
        """Every verified domain: an address in one of them belongs to this tenant."""
        return (self.domain.lower(), *self.other_domains)
