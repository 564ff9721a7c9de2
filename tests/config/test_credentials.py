from __future__ import annotations

import hashlib
import ssl
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from bot.config import CertificateCredential, ClientSecret, TenantSettings, load_settings
from core.errors import ConfigurationError

IDS = {
    "name": "contoso",
    "tenant_id": "4a7c8b0e-3f2d-4a51-9c6e-2b8d1f0e7a13",
    "domain": "contoso.com",
    "client_id": "9e1d2c3b-4a5f-4e6d-8c7b-0a1f2e3d4c5b",
}


def tenant(**source: object) -> TenantSettings:
    return TenantSettings.model_validate({**IDS, **source})


def test_client_secret_is_read_from_its_file_and_hidden_in_repr(tmp_path: Path) -> None:
    secret_file = tmp_path / "contoso.secret"
    secret_file.write_text("s3cr3t~value\n", encoding="utf-8")

    credential = tenant(client_secret_file=secret_file).credential()

    assert isinstance(credential, ClientSecret)
    assert credential.value.get_secret_value() == "s3cr3t~value"
    assert "s3cr3t" not in repr(credential)


def test_client_secret_is_read_from_the_named_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONTOSO_SECRET", "from-env")

    credential = tenant(client_secret_env="CONTOSO_SECRET").credential()

    assert isinstance(credential, ClientSecret)
    assert credential.value.get_secret_value() == "from-env"


def test_unset_secret_variable_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        tenant(client_secret_env="CONTOSO_SECRET").credential()

    assert caught.value.message == (
        "tenant contoso: environment variable CONTOSO_SECRET is empty or not set."
    )


def test_missing_secret_file_names_the_tenant_and_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.secret"

    with pytest.raises(ConfigurationError, match=f"tenant contoso: cannot read file {missing}"):
        tenant(client_secret_file=missing).credential()


@pytest.fixture
def issued() -> trustme.LeafCert:
    return trustme.CA().issue_cert("deskhand.contoso.com")


def test_certificate_file_yields_key_certificate_and_thumbprints(
    tmp_path: Path, issued: trustme.LeafCert
) -> None:
    pem = tmp_path / "contoso.pem"
    pem.write_bytes(issued.private_key_and_cert_chain_pem.bytes())

    credential = tenant(certificate_file=pem).credential()

    assert isinstance(credential, CertificateCredential)
    der = x509.load_pem_x509_certificate(issued.cert_chain_pems[0].bytes()).public_bytes(
        serialization.Encoding.DER
    )
    assert (
        credential.thumbprint_sha1 == hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()
    )
    assert credential.thumbprint_sha256 == hashlib.sha256(der).hexdigest().upper()
    assert "PRIVATE KEY" in credential.private_key_pem.get_secret_value()
    assert "PRIVATE KEY" not in repr(credential)


def test_certificate_from_environment_without_key_is_refused(
    monkeypatch: pytest.MonkeyPatch, issued: trustme.LeafCert
) -> None:
    monkeypatch.setenv("CONTOSO_CERT", issued.cert_chain_pems[0].bytes().decode())

    with pytest.raises(ConfigurationError) as caught:
        tenant(certificate_env="CONTOSO_CERT").credential()

    assert caught.value.message == (
        "environment variable CONTOSO_CERT must hold a PEM certificate and its unencrypted "
        "private key."
    )


@pytest.fixture
def bundles(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name in ("DESKHAND_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        paths[name] = tmp_path / f"{name.lower()}.pem"
        trustme.CA().cert_pem.write_to_path(str(paths[name]))
    return paths


@pytest.mark.parametrize(
    ("present", "chosen"),
    [
        (("DESKHAND_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"), "DESKHAND_CA_BUNDLE"),
        (("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"), "SSL_CERT_FILE"),
        (("REQUESTS_CA_BUNDLE",), "REQUESTS_CA_BUNDLE"),
    ],
)
def test_ca_bundle_falls_back_to_the_standard_variables_in_order(
    monkeypatch: pytest.MonkeyPatch,
    bundles: dict[str, Path],
    present: tuple[str, ...],
    chosen: str,
) -> None:
    for name in present:
        monkeypatch.setenv(name, str(bundles[name]))

    assert load_settings().ca_bundle == bundles[chosen]


def test_ca_bundle_in_the_toml_file_beats_ssl_cert_file(
    monkeypatch: pytest.MonkeyPatch, bundles: dict[str, Path], tmp_path: Path
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(bundles["SSL_CERT_FILE"]))
    (tmp_path / "deskhand.toml").write_text(f'ca_bundle = "{bundles["DESKHAND_CA_BUNDLE"]}"\n')

    assert load_settings().ca_bundle == bundles["DESKHAND_CA_BUNDLE"]


def test_missing_ca_bundle_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "gone.pem"))

    with pytest.raises(ConfigurationError, match=r"ca_bundle \(DESKHAND_CA_BUNDLE\): no file"):
        load_settings()


def test_ssl_context_trusts_the_configured_bundle(tmp_path: Path) -> None:
    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))

    context = load_settings(ca_bundle=bundle).ssl_context()

    assert context.verify_mode is ssl.CERT_REQUIRED
    expected = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    assert context.get_ca_certs(binary_form=True) == [
        expected.public_bytes(serialization.Encoding.DER)
    ]
