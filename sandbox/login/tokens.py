"""The sandbox's token signing key: issues app-only access tokens and verifies them for Graph."""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.graph.errors import GraphError
from sandbox.tenant import SandboxTenant

__all__ = ["GRAPH_AUDIENCES", "TokenAuthority"]

# The audiences Microsoft Graph accepts: its URI and its first-party app id.
GRAPH_AUDIENCES = ("https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000")
_LIFETIME = 3599


def _unauthenticated(message: str) -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", message)


@dataclass
class TokenAuthority:
    """One RSA key per sandbox start: tokens from another start (or anyone else) are forged."""

    issuer_base: str = ""
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    kid: str = field(default_factory=lambda: uuid.uuid4().hex)
    opaque: bool = False
    """Issue random strings and keep their claims here, instead of signed JWTs."""
    _opaque_claims: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def issue(
        self,
        tenant: SandboxTenant,
        audience: str,
        lifetime: int = _LIFETIME,
        *,
        certificate: bool = False,
    ) -> str:
        """`certificate`: the app proved itself with a certificate, not a client secret."""
        now = int(time.time())
        claims = {
            "aud": audience,
            "iss": f"{self.issuer_base}/{tenant.tenant_id}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "tid": tenant.tenant_id,
            "appid": tenant.client_id,
            # How the app authenticated (access-token-claims-reference.md): 1 a client
            # secret, 2 a certificate. SharePoint refuses app-only tokens with 1.
            "appidacr": "2" if certificate else "1",
            "azp": tenant.client_id,
            "oid": tenant.service_principal_id,
            "sub": tenant.service_principal_id,
            "idtyp": "app",
            "roles": sorted(tenant.permissions),
            "uti": uuid.uuid4().hex,
            "ver": "1.0",
        }
        if self.opaque:
            token = secrets.token_urlsafe(48)
            live = {t: c for t, c in self._opaque_claims.items() if c["exp"] > now}
            self._opaque_claims = {**live, token: claims}
            return token
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def verify(self, authorization: str | None, audiences: Collection[str]) -> dict[str, Any]:
        """The claims of a valid bearer token, else Graph's 401 InvalidAuthenticationToken."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthenticated("Access token is empty.")
        if self.opaque:
            return self._opaque(token.strip(), audiences)
        try:
            claims: dict[str, Any] = jwt.decode(
                token.strip(),
                self.key.public_key(),
                algorithms=["RS256"],
                audience=list(audiences),
                options={"require": ["exp", "tid", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise _unauthenticated("Lifetime validation failed, the token is expired.") from None
        except jwt.InvalidAudienceError:
            raise _unauthenticated("Access token validation failure. Invalid audience.") from None
        except jwt.PyJWTError:
            raise _unauthenticated("Access token validation failure.") from None
        return claims

    def _opaque(self, token: str, audiences: Collection[str]) -> dict[str, Any]:
        claims = self._opaque_claims.get(token)
        if claims is None:
            raise _unauthenticated("Access token validation failure.")
        if claims["exp"] <= time.time():
            raise _unauthenticated("Lifetime validation failed, the token is expired.")
        if claims["aud"] not in audiences:
            raise _unauthenticated("Access token validation failure. Invalid audience.")
        return claims

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "alg": "RS256",
                    "kid": self.kid,
                    "n": _b64(numbers.n),
                    "e": _b64(numbers.e),
                }
            ]
        }


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
