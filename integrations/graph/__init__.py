"""Microsoft Graph for one customer tenant at a time: msal tokens, paging, `$batch`, and errors
mapped into `core.errors`; the httpx client and retries are `integrations.outbound`'s."""

from __future__ import annotations

from .batch import MAX_BATCH, BatchRequest, BatchResult
from .client import GraphClient
from .credentials import (
    CHINA_CLOUD,
    PUBLIC_CLOUD,
    US_GOV_L4_CLOUD,
    US_GOV_L5_CLOUD,
    AppCredentials,
    CertificateCredential,
    CloudEndpoints,
)
from .odata import Filter, all_of, any_of, eq, in_, quote, startswith, user_path
from .permissions import Requirement, required_permission
from .tokens import BearerAuth, TokenSource

__all__ = [
    "CHINA_CLOUD",
    "MAX_BATCH",
    "PUBLIC_CLOUD",
    "US_GOV_L4_CLOUD",
    "US_GOV_L5_CLOUD",
    "AppCredentials",
    "BatchRequest",
    "BatchResult",
    "BearerAuth",
    "CertificateCredential",
    "CloudEndpoints",
    "Filter",
    "GraphClient",
    "Requirement",
    "TokenSource",
    "all_of",
    "any_of",
    "eq",
    "in_",
    "quote",
    "required_permission",
    "startswith",
    "user_path",
]
