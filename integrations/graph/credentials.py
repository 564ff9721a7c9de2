"""Who Deskhand signs in as for one customer tenant, and which Microsoft cloud it talks to."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from core.errors import ConfigurationError

__all__ = [
    "CHINA_CLOUD",
    "PUBLIC_CLOUD",
    "US_GOV_L4_CLOUD",
    "US_GOV_L5_CLOUD",
    "AppCredentials",
    "CertificateCredential",
    "CloudEndpoints",
]


@dataclass(frozen=True, slots=True)
class CertificateCredential:
    """A certificate registered on the app; msal signs client assertions with its key."""

    private_key_pem: str = field(repr=False)
    certificate_pem: str = field(repr=False)
    passphrase: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Read both now: a broken key must fail at start-up, not as a sign-in error later.
        password = self.passphrase.encode() if self.passphrase is not None else None
        try:
            serialization.load_pem_private_key(self.private_key_pem.encode(), password)
            x509.load_pem_x509_certificate(self.certificate_pem.encode())
        except (TypeError, ValueError):
            raise ConfigurationError(
                "The app's certificate or its private key could not be read: give both in PEM "
                "form, and the passphrase if the key is encrypted."
            ) from None

    def to_msal(self) -> dict[str, str]:
        # With the certificate itself (not a SHA-1 thumbprint) msal sends x5t#S256 and x5c.
        credential = {
            "private_key": self.private_key_pem,
            "public_certificate": self.certificate_pem,
        }
        if self.passphrase is not None:
            credential["passphrase"] = self.passphrase
        return credential


@dataclass(frozen=True, slots=True)
class AppCredentials:
    """The app registration in one tenant: exactly one of a client secret or a certificate."""

    tenant_id: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    certificate: CertificateCredential | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.tenant_id or not self.client_id:
            raise ConfigurationError("A tenant needs both a tenant id and an app (client) id.")
        if (self.client_secret is None) == (self.certificate is None):
            raise ConfigurationError(
                f"Tenant {self.tenant_id}: configure exactly one credential for app "
                f"{self.client_id}, either a client secret or a certificate."
            )

    def __repr__(self) -> str:
        kind = "client secret" if self.client_secret is not None else "certificate"
        return (
            f"AppCredentials(tenant_id={self.tenant_id!r}, client_id={self.client_id!r}, "
            f"credential=<{kind}>)"
        )

    def to_msal(self) -> str | dict[str, str]:
        if self.certificate is not None:
            return self.certificate.to_msal()
        assert self.client_secret is not None  # __post_init__ guarantees one of the two
        return self.client_secret


@dataclass(frozen=True, slots=True)
class CloudEndpoints:
    """Login and Graph hosts of one cloud (`https://host`, no trailing slash).

    msal asks the public cloud's instance discovery endpoint about an authority it does not
    know; national clouds and the sandbox are not listed there, so discovery is off for them.
    `graph_resource` is the tokens' audience when it is not the Graph host itself.
    """

    authority_host: str
    graph_host: str
    instance_discovery: bool = False
    graph_resource: str | None = None

    def __post_init__(self) -> None:
        for url in (self.authority_host, self.graph_host, self.graph_resource or self.graph_host):
            if not url.startswith("https://") or url.endswith("/"):
                raise ConfigurationError(
                    f"Cloud endpoint {url!r} must be an https:// URL without a trailing slash."
                )

    def authority(self, tenant_id: str) -> str:
        return f"{self.authority_host}/{tenant_id}"

    @property
    def graph_scope(self) -> str:
        """The client-credentials scope: every consented permission of Graph in this cloud."""
        return f"{self.graph_resource or self.graph_host}/.default"

    @property
    def graph_hostname(self) -> str:
        return self.graph_host.removeprefix("https://")


PUBLIC_CLOUD = CloudEndpoints(
    "https://login.microsoftonline.com", "https://graph.microsoft.com", instance_discovery=True
)
US_GOV_L4_CLOUD = CloudEndpoints("https://login.microsoftonline.us", "https://graph.microsoft.us")
US_GOV_L5_CLOUD = CloudEndpoints(
    "https://login.microsoftonline.us", "https://dod-graph.microsoft.us"
)
CHINA_CLOUD = CloudEndpoints(
    "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"
)
