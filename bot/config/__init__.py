"""Deskhand's settings: `DESKHAND_*` environment variables over an optional `deskhand.toml`."""

from bot.config.settings import CLOUDS, Cloud, CloudHosts, Settings, load_settings
from bot.config.tenant import CertificateCredential, ClientSecret, Credential, TenantSettings

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
