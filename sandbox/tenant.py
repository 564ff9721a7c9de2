"""A sandbox tenant: its directory plus the app registration Deskhand signs in with."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from sandbox.exchange.mailboxes import ExchangeOrg
from sandbox.seeds.builder import object_id

from .model import Directory

__all__ = [
    "DEFAULT_APP_ROLES",
    "DEFAULT_PERMISSIONS",
    "LONG_AGO",
    "PARTIAL_PERMISSIONS",
    "SandboxTenant",
]

# What Deskhand consents to: everything `deskhand permissions` lists (a test keeps it so), so
# every command the README shows works on the demo; tests remove entries to provoke 403s.
DEFAULT_PERMISSIONS = frozenset(
    {
        # Reads: /user, /users, /licenses, roles of targets, deleted users, policies.
        "User.Read.All",
        "AuditLog.Read.All",
        "Directory.Read.All",
        "UserAuthenticationMethod.Read.All",
        "Organization.Read.All",
        "RoleManagement.Read.Directory",
        "Domain.Read.All",
        "Policy.Read.All",
        # /users roles: the members of role-assignable groups holding a role.
        "GroupMember.Read.All",
        # deskhand doctor and the check before confirmations read the app's own grants.
        "Application.Read.All",
        # block, unblock, reset password, revoke sessions.
        "User.EnableDisableAccount.All",
        "User-PasswordProfile.ReadWrite.All",
        "User.RevokeSessions.All",
        # delete-user and restore-user (also lists deleted users).
        "User.DeleteRestore.All",
        # license add/remove (usage location), group add/remove, edit-user (profile, manager).
        "LicenseAssignment.ReadWrite.All",
        "User.ReadUpdate.All",
        "GroupMember.ReadWrite.All",
        "User.ReadWrite.All",
        # offboard: a leaver's group ownerships, and the address of their OneDrive.
        "Group.ReadWrite.All",
        "Files.Read.All",
        # tap, mfa reregister (methods), mfa state (per-user MFA).
        "UserAuthenticationMethod.ReadWrite.All",
        "Policy.ReadWrite.AuthenticationMethod",
        # ooo, forwarding: mailbox settings and inbox rules (Graph), mailboxes (Exchange).
        "MailboxSettings.Read",
        "MailboxSettings.ReadWrite",
        "Exchange.ManageAsApp",
        # digests by e-mail: sendMail from the MSP's mailbox, and Sent Items to check a send.
        "Mail.Send",
        "Mail.Read",
    }
)
# A tenant set up before Deskhand offered /tap, /mfa and /edit-user (Fabrikam): what
# `deskhand doctor` explains, and what the check before confirmations refuses.
PARTIAL_PERMISSIONS = DEFAULT_PERMISSIONS - {
    "UserAuthenticationMethod.ReadWrite.All",
    "Policy.ReadWrite.AuthenticationMethod",
    "User.ReadWrite.All",
}
# When the seeded consents were given: long enough ago for every token to carry them.
LONG_AGO = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)

# Directory roles of the app's service principal: password resets need one (user-update.md).
# Exchange's admin API runs cmdlets only for an app holding an Exchange role.
DEFAULT_APP_ROLES = frozenset({"User Administrator", "Exchange Administrator"})


def _thumbprint(certificate: x509.Certificate, algorithm: hashes.HashAlgorithm) -> str:
    return base64.urlsafe_b64encode(certificate.fingerprint(algorithm)).decode().rstrip("=")


@dataclass
class SandboxTenant:
    """`permissions` is the app's granted application permissions (served as app role
    assignments, carried in tokens' roles claim), `consented` when any of them was granted
    later than `LONG_AGO`; `app_roles` the directory roles (by display name) its service
    principal holds."""

    name: str
    domain: str
    directory: Directory
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(30), repr=False)
    permissions: set[str] = field(default_factory=lambda: set(DEFAULT_PERMISSIONS))
    consented: dict[str, datetime] = field(default_factory=dict)
    app_roles: set[str] = field(default_factory=lambda: set(DEFAULT_APP_ROLES))
    certificates: dict[str, PublicKeyTypes] = field(default_factory=dict, repr=False)
    exchange: ExchangeOrg = field(default_factory=ExchangeOrg, repr=False)
    """Its Exchange Online mailboxes (shared ones, forwarding, automatic replies, rules)."""
    mail_send_scope: frozenset[str] | None = None
    """The addresses the app may send as (Exchange RBAC for Applications scoping Mail.Send);
    None: every mailbox, as application Mail.Send grants by itself."""

    @property
    def tenant_id(self) -> str:
        return object_id(self.name, "tenant", self.name)

    @property
    def client_id(self) -> str:
        return object_id(self.name, "application", "deskhand")

    @property
    def service_principal_id(self) -> str:
        return object_id(self.name, "servicePrincipal", "deskhand")

    @property
    def sharepoint_name(self) -> str:
        """The tenant's SharePoint name: its initial domain's first label (`contoso`)."""
        initial = next((d.id for d in self.directory.domains if d.is_initial), self.domain)
        return initial.split(".", 1)[0]

    @property
    def sharepoint_admin(self) -> str:
        """SharePoint's admin host, the audience of tokens for its admin API."""
        return f"https://{self.sharepoint_name}-admin.sharepoint.com"

    def grant(self, permission: str, when: datetime) -> None:
        """Admin consent to one more permission at `when`: tokens issued before lack it."""
        self.permissions.add(permission)
        self.consented[permission] = when

    def consented_at(self, permission: str) -> datetime:
        return self.consented.get(permission, LONG_AGO)

    def answers_to(self, key: str) -> bool:
        """Entra accepts the tenant id or any of its domains in the authority path."""
        folded = key.casefold()
        return folded == self.tenant_id or any(d.id == folded for d in self.directory.domains)

    def register_certificate(self, cert_pem: bytes) -> None:
        """Accept client assertions signed by this certificate's key (x5t or x5t#S256)."""
        certificate = x509.load_pem_x509_certificate(cert_pem)
        key = certificate.public_key()
        self.certificates[_thumbprint(certificate, hashes.SHA1())] = (
            key  # x5t is SHA-1 by definition
        )
        self.certificates[_thumbprint(certificate, hashes.SHA256())] = key
