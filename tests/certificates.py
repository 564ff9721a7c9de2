"""Self-signed certificates for tests, as an app registration or a bot's .pfx would hold."""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID


def self_signed(common_name: str = "deskhand-test") -> tuple[bytes, bytes]:
    """A new RSA key and its self-signed certificate: (key PEM, certificate PEM)."""
    key, certificate = _issue(common_name)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def self_signed_text(common_name: str = "deskhand-test") -> tuple[str, str]:
    """`self_signed` as text: (key PEM, certificate PEM)."""
    key_pem, certificate_pem = self_signed(common_name)
    return key_pem.decode(), certificate_pem.decode()


def self_signed_pkcs12(password: bytes | None = None, common_name: str = "deskhand-bot") -> bytes:
    """A new key and its self-signed certificate in one PKCS#12 (.pfx) file's bytes."""
    key, certificate = _issue(common_name)
    protection = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(b"deskhand", key, certificate, None, protection)


def _issue(common_name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, certificate
