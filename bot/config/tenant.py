"""One customer tenant's settings, and reading its credential from a file or the environment.

The configuration names where a secret lives, never the secret: `credential()` reads it when the
tenant's client is built.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pydantic import BaseModel, ConfigDict, SecretStr, field_validator, model_validator

from commands.kit.offboarding import OffboardDefaults
from core.errors import ConfigurationError
from core.ids import entra_id

__all__ = [
    "SECRET_KEYS",
    "CertificateCredential",
    "ClientSecret",
    "Credential",
    "TenantSettings",
    "secret_advice",
]

CREDENTIAL_FIELDS = (
    "client_secret_file",
    "client_secret_env",
    "certificate_file",
    "certificate_env",
)
# Keys that would put a secret value into configuration; each maps to what to use instead.
SECRET_KEYS = {
    "client_secret": "client_secret_file or client_secret_env",
    "secret": "client_secret_file or client_secret_env",
    "password": "a file or an environment variable",
    "certificate": "certificate_file or certificate_env",
    "private_key": "certificate_file or certificate_env",
    "token": "a file or an environment variable",
    "bot_token": "SLACK_BOT_TOKEN in the environment",
    "signing_secret": "SLACK_SIGNING_SECRET in the environment",
    "app_token": "SLACK_APP_TOKEN in the environment",
    "app_password": "MICROSOFT_APP_PASSWORD in the environment",
}
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ClientSecret:
    value: SecretStr


@dataclass(frozen=True)
class CertificateCredential:
    """A certificate with its private key, as msal's `client_credential` wants it."""

    private_key_pem: SecretStr
    certificate_pem: str
    thumbprint_sha1: str
    thumbprint_sha256: str


Credential = ClientSecret | CertificateCredential


class TenantSettings(BaseModel):
    """One customer tenant; its key in `tenants` is its short name (`contoso`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    tenant_id: str
    domain: str
    client_id: str
    other_domains: tuple[str, ...] = ()
    """Verified domains besides `domain`: an address in any of them selects this tenant."""
    display_name: str = ""
    client_secret_file: Path | None = None
    client_secret_env: str | None = None
    certificate_file: Path | None = None
    certificate_env: str | None = None
    offboard: OffboardDefaults | None = None
    """`[tenants.NAME.offboard]`: this tenant's /offboard defaults over `[offboard]`."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_secret_values(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for key in data:
                if key in SECRET_KEYS:
                    raise ValueError(secret_advice(str(key)))
        return data

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("must be a short name like contoso: lowercase letters, digits, dashes")
        return value

    @field_validator("tenant_id", "client_id")
    @classmethod
    def _guid(cls, value: str) -> str:
        return entra_id(value)

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        return _domain_name(value)

    @field_validator("other_domains")
    @classmethod
    def _other_domains(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_domain_name(value) for value in values)

    @field_validator("client_secret_env", "certificate_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError(
                "must be the NAME of an environment variable (like CONTOSO_SECRET), "
                "not the secret itself"
            )
        return value

    @model_validator(mode="after")
    def _one_credential(self) -> TenantSettings:
        given = [name for name in CREDENTIAL_FIELDS if getattr(self, name) is not None]
        if len(given) != 1:
            found = f" (found {', '.join(given)})" if given else ""
            raise ValueError(f"set exactly one of {', '.join(CREDENTIAL_FIELDS)}{found}")
        return self

    @property
    def label(self) -> str:
        return self.display_name or self.name

    def credential(self) -> Credential:
        """Read the secret or certificate now; blocking file I/O, so call it at start-up."""
        if self.client_secret_file or self.client_secret_env:
            secret = self._read_source(self.client_secret_file, self.client_secret_env).strip()
            return ClientSecret(SecretStr(secret))
        pem = self._read_source(self.certificate_file, self.certificate_env)
        return _parse_certificate(pem, self._where(self.certificate_file, self.certificate_env))

    def _read_source(self, path: Path | None, env: str | None) -> str:
        where = self._where(path, env)
        try:
            text = path.read_text(encoding="utf-8") if path else os.environ.get(env or "", "")
        except OSError as exc:
            raise ConfigurationError(
                f"tenant {self.name}: cannot read {where} ({exc.strerror or 'unreadable'}); "
                "check the path and its permissions."
            ) from None
        if not text.strip():
            raise ConfigurationError(f"tenant {self.name}: {where} is empty or not set.")
        return text

    def _where(self, path: Path | None, env: str | None) -> str:
        return f"file {path}" if path else f"environment variable {env}"


def _parse_certificate(pem: str, where: str) -> CertificateCredential:
    data = pem.encode()
    try:
        key = serialization.load_pem_private_key(data, password=None)
        cert = x509.load_pem_x509_certificate(data)
    except (ValueError, TypeError):
        raise ConfigurationError(
            f"{where} must hold a PEM certificate and its unencrypted private key."
        ) from None
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    der = cert.public_bytes(serialization.Encoding.DER)
    return CertificateCredential(
        private_key_pem=SecretStr(key_pem),
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        thumbprint_sha1=hashlib.sha1(der, usedforsecurity=False).hexdigest().upper(),
        thumbprint_sha256=hashlib.sha256(der).hexdigest().upper(),
    )


def secret_advice(key: str) -> str:
    return (
        f"{key} would put a secret in the configuration; store it in a file or an "
        f"environment variable and set {SECRET_KEYS[key]} instead"
    )


def _domain_name(value: str) -> str:
    value = value.strip().lower()
    if not _DOMAIN.match(value):
        raise ValueError("must be a domain name like contoso.com")
    return value
