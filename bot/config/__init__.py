"""Deskhand's settings: `DESKHAND_*` environment variables over an optional `deskhand.toml`."""

from bot.config.digest_mail import DigestMailSettings
from bot.config.settings import CLOUDS, Cloud, CloudHosts, GrantSettings, Settings, load_settings
from bot.config.slack import SlackSettings
from bot.config.teams import TeamsSettings
from bot.config.tenant import CertificateCredential, ClientSecret, Credential, TenantSettings

__all__ = [
    "CLOUDS",
    "CertificateCredential",
    "ClientSecret",
    "Cloud",
    "CloudHosts",
    "Credential",
    "DigestMailSettings",
    "GrantSettings",
    "Settings",
    "SlackSettings",
    "TeamsSettings",
    "TenantSettings",
    "load_settings",
]
