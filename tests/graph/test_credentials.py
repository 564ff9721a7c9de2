"""App credentials and cloud endpoints: validated at start-up, secrets never in repr."""

from __future__ import annotations

import pytest

from core.errors import ConfigurationError
from integrations.graph import (
    CHINA_CLOUD,
    PUBLIC_CLOUD,
    US_GOV_L4_CLOUD,
    US_GOV_L5_CLOUD,
    AppCredentials,
    CertificateCredential,
    CloudEndpoints,
)
from tests.certificates import self_signed_text


def test_repr_names_the_kind_of_credential_but_never_its_value() -> None:
    key_pem, cert_pem = self_signed_text()
    secret = AppCredentials("tenant", "app", client_secret="s3cr3t-value")
    certificate = AppCredentials(
        "tenant", "app", certificate=CertificateCredential(key_pem, cert_pem)
    )
    assert "s3cr3t-value" not in repr(secret) and "client secret" in repr(secret)
    assert "<certificate>" in repr(certificate)
    for text in (repr(certificate), repr(certificate.certificate)):
        assert "PRIVATE KEY" not in text


def test_unreadable_certificate_or_key_fails_at_start_up() -> None:
    key_pem, cert_pem = self_signed_text()
    for key, cert in ((key_pem, "not a certificate"), ("not a key", cert_pem)):
        with pytest.raises(ConfigurationError, match="could not be read"):
            CertificateCredential(key, cert)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"client_secret": "x", "certificate": CertificateCredential(*self_signed_text())},
    ],
)
def test_exactly_one_credential_is_required(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError, match="exactly one credential"):
        AppCredentials("tenant", "app", **kwargs)  # type: ignore[arg-type]


def test_certificate_goes_to_msal_with_its_certificate_for_a_sha256_thumbprint() -> None:
    key_pem, cert_pem = self_signed_text()
    credentials = AppCredentials("t", "a", certificate=CertificateCredential(key_pem, cert_pem))
    assert credentials.to_msal() == {"private_key": key_pem, "public_certificate": cert_pem}


def test_only_the_public_cloud_uses_instance_discovery() -> None:
    assert PUBLIC_CLOUD.instance_discovery
    national = (US_GOV_L4_CLOUD, US_GOV_L5_CLOUD, CHINA_CLOUD)
    assert not any(cloud.instance_discovery for cloud in national)
    assert [c.graph_scope for c in national] == [
        "https://graph.microsoft.us/.default",
        "https://dod-graph.microsoft.us/.default",
        "https://microsoftgraph.chinacloudapi.cn/.default",
    ]
    assert US_GOV_L5_CLOUD.authority("t1") == "https://login.microsoftonline.us/t1"


@pytest.mark.parametrize("url", ["http://graph.example", "https://graph.example/"])
def test_endpoints_must_be_https_without_trailing_slash(url: str) -> None:
    with pytest.raises(ConfigurationError):
        CloudEndpoints(authority_host="https://login.example", graph_host=url)
