"""Deskhand's settings: `DESKHAND_*` environment variables over an optional `deskhand.toml`.

Precedence, highest first: `load_settings(**overrides)`, the environment, the TOML file
(`$DESKHAND_CONFIG`, else `./deskhand.toml` when it exists), the defaults. Nested values use
`__` in variable names: `DESKHAND_TENANTS__CONTOSO__DOMAIN=contoso.com`.

Secrets never sit in configuration: a tenant names a file or an environment variable holding
its client secret or certificate, and `TenantSettings.credential()` reads it when it is needed.
With no tenants configured, Deskhand runs against its built-in sandbox.
"""

from __future__ import annotations

import hashlib
import os
import re
import ssl
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigurationError

__all__ = [
    "CLOUDS",
    "CertificateCredential",
    "ClientSecret",
    "Cloud",
    "CloudHosts",
    "Credential",
    "Settings",
    "TenantSettings",
    "load_settings",
]

Cloud = Literal["public", "usgov", "usgov-dod", "china"]


@dataclass(frozen=True)
class CloudHosts:
    graph: str
    login: str


# Microsoft Graph national cloud deployments (learn.microsoft.com/graph/deployments).
CLOUDS: Mapping[Cloud, CloudHosts] = {
    "public": CloudHosts("graph.microsoft.com", "login.microsoftonline.com"),
    "usgov": CloudHosts("graph.microsoft.us", "login.microsoftonline.us"),
    "usgov-dod": CloudHosts("dod-graph.microsoft.us", "login.microsoftonline.us"),
    "china": CloudHosts("microsoftgraph.chinacloudapi.cn", "login.chinacloudapi.cn"),
}

DEFAULT_HOME = Path("var")
DEFAULT_CONFIG_FILE = Path("deskhand.toml")
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
}
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
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
    display_name: str = ""
    client_secret_file: Path | None = None
    client_secret_env: str | None = None
    certificate_file: Path | None = None
    certificate_env: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _refuse_secret_values(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for key in data:
                if key in SECRET_KEYS:
                    raise ValueError(_secret_advice(str(key)))
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
        value = value.strip().lower()
        if not _GUID.match(value):
            raise ValueError(
                "must be a GUID like 00000000-0000-0000-0000-000000000000 "
                "(Entra admin center, Overview page)"
            )
        return value

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        value = value.strip().lower()
        if not _DOMAIN.match(value):
            raise ValueError("must be a domain name like contoso.com")
        return value

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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DESKHAND_",
        env_nested_delimiter="__",
        frozen=True,
        extra="forbid",
    )

    home: Path = DEFAULT_HOME
    store_url: str = ""
    ca_bundle: Path | None = None
    cloud: Cloud = "public"
    graph_host: str | None = None
    login_host: str | None = None
    tenants: dict[str, TenantSettings] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _toml_source(settings_cls)

    @model_validator(mode="before")
    @classmethod
    def _derive_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        home = Path(data.get("home") or DEFAULT_HOME).expanduser().absolute()
        data["home"] = home
        if not data.get("store_url"):
            data["store_url"] = f"sqlite:///{home / 'deskhand.db'}"
        if not data.get("ca_bundle"):
            data["ca_bundle"] = (
                os.environ.get("SSL_CERT_FILE") or os.environ.get("REQUESTS_CA_BUNDLE") or None
            )
        if isinstance(data.get("tenants"), Mapping):
            data["tenants"] = {
                name: {**body, "name": name} if isinstance(body, Mapping) else body
                for name, body in data["tenants"].items()
            }
        return data

    @field_validator("store_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        backend = value.split(":", 1)[0].split("+", 1)[0]
        if backend not in ("sqlite", "postgresql", "postgres"):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @field_validator("ca_bundle")
    @classmethod
    def _bundle_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(
                f"no file at {value}; fix DESKHAND_CA_BUNDLE (or SSL_CERT_FILE / "
                "REQUESTS_CA_BUNDLE, which it falls back to)"
            )
        return value

    @field_validator("graph_host", "login_host")
    @classmethod
    def _host(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value if "://" in value else f"https://{value}")
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/"):
            raise ValueError("must be a host name or an origin like https://graph.microsoft.us")
        return value.rstrip("/")

    @property
    def uses_sandbox(self) -> bool:
        return not self.tenants

    @property
    def graph_url(self) -> str:
        """Origin of Microsoft Graph, without a trailing slash or version."""
        return _origin(self.graph_host or CLOUDS[self.cloud].graph)

    @property
    def login_url(self) -> str:
        """Origin of the Entra login authority; the tenant id follows it."""
        return _origin(self.login_host or CLOUDS[self.cloud].login)

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying context trusting `ca_bundle` (or the system store) for httpx and aiohttp."""
        cafile = str(self.ca_bundle) if self.ca_bundle else None
        return ssl.create_default_context(cafile=cafile)


def _origin(host: str) -> str:
    return host if "://" in host else f"https://{host}"


def _secret_advice(key: str) -> str:
    return (
        f"{key} would put a secret in the configuration; store it in a file or an "
        f"environment variable and set {SECRET_KEYS[key]} instead"
    )


def _toml_source(settings_cls: type[BaseSettings]) -> PydanticBaseSettingsSource:
    named = os.environ.get("DESKHAND_CONFIG")
    path = Path(named) if named else DEFAULT_CONFIG_FILE
    if named and not path.is_file():
        raise ConfigurationError(f"DESKHAND_CONFIG names {path}, which is not a file.")
    try:
        source = TomlConfigSettingsSource(settings_cls, toml_file=path)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}.") from None
    problems = [
        f"{path}: {where}: {_secret_advice(key)}." for where, key in _secret_keys(source.toml_data)
    ]
    problems += _password_in_url(path, source.toml_data.get("store_url"))
    if problems:
        raise ConfigurationError("\n".join(problems))
    return source


def _secret_keys(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in data.items():
        where = f"{prefix}{key}"
        if key in SECRET_KEYS:
            yield where, key
        if isinstance(value, Mapping):
            yield from _secret_keys(value, f"{where}.")


def _password_in_url(path: Path, url: object) -> list[str]:
    if not isinstance(url, str):
        return []
    try:
        has_password = make_url(url).password is not None
    except ArgumentError:
        return []  # validation reports a malformed URL, naming the field
    if not has_password:
        return []
    return [
        f"{path}: store_url holds a password; set DESKHAND_STORE_URL in the environment "
        "or use PostgreSQL's PGPASSFILE instead."
    ]


def load_settings(**overrides: Any) -> Settings:
    """Settings from overrides, the environment and the TOML file, or one clear error."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = [_describe(error) for error in exc.errors()]
        raise ConfigurationError("Invalid configuration:\n" + "\n".join(lines)) from None


def _describe(error: Mapping[str, Any]) -> str:
    loc = [str(part) for part in error["loc"]]
    if error["type"] == "value_error":
        message = str(error["ctx"]["error"])
    elif error["type"] == "extra_forbidden":
        message = "unknown setting; check its spelling"
    elif error["type"] == "missing":
        message = "is required"
    else:
        message = str(error["msg"])
    if len(loc) >= 2 and loc[0] == "tenants":
        field = "".join(f", {part}" for part in loc[2:])
        return f"- tenant {loc[1]}{field}: {message}"
    field = ".".join(loc) or "settings"
    return f"- {field} (DESKHAND_{field.upper()}): {message}"
