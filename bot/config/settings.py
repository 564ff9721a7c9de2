"""Deskhand's settings: `DESKHAND_*` environment variables over an optional `deskhand.toml`.

Precedence, highest first: `load_settings(**overrides)`, the environment, the TOML file
(`$DESKHAND_CONFIG`, else `./deskhand.toml` when it exists), the defaults. Nested values use
`__` in variable names: `DESKHAND_TENANTS__CONTOSO__DOMAIN=contoso.com`.

Secrets never sit in configuration: a tenant names a file or an environment variable holding
its client secret or certificate, and `TenantSettings.credential()` reads it when it is needed;
Slack's tokens and the Teams bot's password come only from the environment (see
`bot.config.slack` and `bot.config.teams`). With no tenants configured, Deskhand runs against its
built-in sandbox.

`[[grants]]` give people roles per tenant (`who` is an e-mail or `console:<user>`, `tenant` a
configured tenant or `"*"`); `[[schedules]]` are digests kept in configuration
(`bot.config.schedules`).
"""

from __future__ import annotations

import os
import re
import socket
import ssl
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config.approvals import ApprovalSettings
from bot.config.audit import AuditPostSettings
from bot.config.digest_mail import DigestMailSettings
from bot.config.schedules import ScheduleSettings
from bot.config.slack import SLACK_ENVIRONMENT, SlackSettings
from bot.config.teams import TEAMS_ENVIRONMENT, TeamsSettings
from bot.config.tenant import SECRET_KEYS, TenantSettings, secret_advice
from bot.pipeline.access import ALL_TENANTS
from commands.kit.digests import DigestDefaults
from commands.kit.offboarding import OffboardDefaults
from commands.kit.registry import Role
from core.errors import ConfigurationError

__all__ = ["CLOUDS", "Cloud", "CloudHosts", "GrantSettings", "Settings", "load_settings"]

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

_CUSTOMARY_ENVIRONMENT = {"slack": SLACK_ENVIRONMENT, "teams": TEAMS_ENVIRONMENT}
_CUSTOMARY_NAMES: dict[tuple[str, ...], str] = {
    (section, field): name
    for section, names in _CUSTOMARY_ENVIRONMENT.items()
    for name, field in names.items()
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONSOLE_USER = re.compile(r"^console:\S+$")


class GrantSettings(BaseModel):
    """Roles one person holds in one tenant, or in every tenant with `tenant = "*"`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    who: str
    tenant: str
    roles: frozenset[Role]

    @field_validator("who")
    @classmethod
    def _person(cls, value: str) -> str:
        value = value.strip()
        if _CONSOLE_USER.match(value):
            return value
        if _EMAIL.match(value):
            return value.lower()
        raise ValueError("must be an e-mail address like tess@msp.example, or console:<user>")

    @field_validator("roles")
    @classmethod
    def _some_role(cls, value: frozenset[Role]) -> frozenset[Role]:
        if not value:
            raise ValueError(f"needs at least one of {', '.join(Role)}")
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DESKHAND_",
        env_nested_delimiter="__",
        frozen=True,
        extra="forbid",
    )

    home: Path = DEFAULT_HOME
    store_url: str = ""
    migration_url: str = ""
    """The database owner's URL for `deskhand migrate`, when Deskhand's own role may not."""
    ca_bundle: Path | None = None
    cloud: Cloud = "public"
    graph_host: str | None = None
    login_host: str | None = None
    exchange_host: str | None = None
    """Exchange Online's admin API host, when not the cloud's own (outlook.office365.com ...)."""
    request_timeout: float = Field(30.0, gt=0)
    """Seconds one request to Graph, Exchange Online or the sign-in service waits for its
    answer; a write without an answer by then has an unknown outcome."""
    tenants: dict[str, TenantSettings] = Field(default_factory=dict)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    teams: TeamsSettings = Field(default_factory=TeamsSettings)
    grants: list[GrantSettings] = Field(default_factory=list)
    approvals: ApprovalSettings = Field(default_factory=ApprovalSettings)
    audit: AuditPostSettings = Field(default_factory=AuditPostSettings)
    schedules: list[ScheduleSettings] = Field(default_factory=list)
    """Digests kept in configuration, synced with the scheduler when a server starts."""
    offboard: OffboardDefaults = Field(default_factory=OffboardDefaults)
    """/offboard's defaults; a tenant's own `[tenants.NAME.offboard]` overrides keys of it."""
    digest_mail: DigestMailSettings | None = None
    """`[digest_mail]`: the MSP's tenant and mailbox digest e-mail is sent from."""
    digests: DigestDefaults = Field(default_factory=DigestDefaults)
    """/digest's defaults: inactivity threshold, expiring subscriptions, guests, prices."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            CustomaryEnvironment(settings_cls),
            _toml_source(settings_cls),
        )

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

    @field_validator("store_url", "migration_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value:
            return value  # migration_url unset: migrate with store_url
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

    @field_validator("graph_host", "login_host", "exchange_host")
    @classmethod
    def _host(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value if "://" in value else f"https://{value}")
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/"):
            raise ValueError("must be a host name or an origin like https://graph.microsoft.us")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _tenants_exist(self) -> Settings:
        """Channels and grants name configured tenants; the sandbox's are not checked."""
        if self.uses_sandbox:
            return self
        known = sorted(self.tenants)
        chat_maps = (
            ("slack.channel_tenants", "channel", self.slack.channel_tenants),
            ("teams.conversation_tenants", "conversation", self.teams.conversation_tenants),
        )
        problems = [
            f"{setting}: {kind} {place} maps to tenant {tenant!r}, which is not "
            f"configured; tenants: {', '.join(known)}"
            for setting, kind, mapping in chat_maps
            for place, tenant in mapping.items()
            if tenant not in self.tenants
        ]
        problems += [
            f"grant {number}, tenant: {grant.tenant!r} is not configured; use one of "
            f'{", ".join(known)} or "{ALL_TENANTS}"'
            for number, grant in enumerate(self.grants, start=1)
            if grant.tenant != ALL_TENANTS and grant.tenant not in self.tenants
        ]
        problems += [
            f"approvals.tenants.{name}: no tenant called {name!r} is configured; tenants: "
            f"{', '.join(known)}"
            for name in self.approvals.tenants
            if name not in self.tenants
        ]
        problems += [
            f"approvals policy {number}, tenant: {rule.tenant!r} is not configured; use one of "
            f'{", ".join(known)} or "{ALL_TENANTS}"'
            for number, rule in enumerate(self.approvals.policies, start=1)
            if rule.tenant != ALL_TENANTS and rule.tenant not in self.tenants
        ]
        mail = self.digest_mail
        if mail is not None and mail.tenant not in self.tenants:
            problems.append(
                f"digest_mail.tenant: {mail.tenant!r} is not configured; "
                f"tenants: {', '.join(known)}"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def offboard_for(self, tenant: str) -> OffboardDefaults:
        """The tenant's /offboard defaults: `[offboard]` with the keys its own table sets."""
        settings = self.tenants.get(tenant)
        if settings is None or settings.offboard is None:
            return self.offboard
        return self.offboard.model_copy(update=settings.offboard.model_dump(exclude_unset=True))

    @property
    def uses_sandbox(self) -> bool:
        return not self.tenants

    @property
    def audit_key_file(self) -> Path:
        """Where the audit chain's keys are read from when DESKHAND_AUDIT_KEY is not set."""
        return self.audit.key_file or self.home / "audit.key"

    @property
    def audit_anchor_file(self) -> Path:
        """This replica's append-only record of the audit chain heads it wrote."""
        return self.audit.anchor_file or self.home / "audit-anchors.jsonl"

    @property
    def replica(self) -> str:
        return self.audit.replica or socket.gethostname()

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


class CustomaryEnvironment(PydanticBaseSettingsSource):
    """`SLACK_BOT_TOKEN`, `MICROSOFT_APP_ID` and friends, as `{"slack": {...}, "teams": {...}}`."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {
            section: {
                field: os.environ[variable]
                for variable, field in names.items()
                if os.environ.get(variable)
            }
            for section, names in _CUSTOMARY_ENVIRONMENT.items()
        }
        return {section: values for section, values in found.items() if values}


def _origin(host: str) -> str:
    return host if "://" in host else f"https://{host}"


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
        f"{path}: {where}: {secret_advice(key)}." for where, key in _secret_keys(source.toml_data)
    ]
    for key in ("store_url", "migration_url"):
        problems += _password_in_url(path, key, source.toml_data.get(key))
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


def _password_in_url(path: Path, key: str, url: object) -> list[str]:
    if not isinstance(url, str):
        return []
    try:
        has_password = make_url(url).password is not None
    except ArgumentError:
        return []  # validation reports a malformed URL, naming the field
    if not has_password:
        return []
    return [
        f"{path}: {key} holds a password; set DESKHAND_{key.upper()} in the environment "
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
    """One line per problem: a message may hold several, one per line."""
    message = _message(error)
    return "\n".join(_locate(error["loc"], line) for line in message.splitlines())


def _message(error: Mapping[str, Any]) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "extra_forbidden":
        return "unknown setting; check its spelling"
    if error["type"] == "missing":
        return "is required"
    return str(error["msg"])


def _locate(location: tuple[int | str, ...], message: str) -> str:
    loc = [str(part) for part in location]
    if not loc:
        return f"- {message}"
    if len(loc) >= 2 and loc[0] in ("tenants", "grants"):
        field = "".join(f", {part}" for part in loc[2:])
        label = f"tenant {loc[1]}" if loc[0] == "tenants" else f"grant {int(loc[1]) + 1}"
        return f"- {label}{field}: {message}"
    variable = "DESKHAND_" + "__".join(part.upper() for part in loc)
    if customary := _CUSTOMARY_NAMES.get(tuple(loc)):
        variable = f"{customary} or {variable}"
    return f"- {'.'.join(loc)} ({variable}): {message}"
