"""The Microsoft Entra v2.0 endpoints msal needs: OpenID metadata, signing keys, token.

Only the client credentials grant exists (app-only, as Deskhand signs in), with a client secret
or a certificate-signed client assertion. Errors carry AADSTS codes in Entra's OAuth error
shape; `correlation_id` echoes the caller's `client-request-id`, as Entra does.
"""

from __future__ import annotations

import hmac
import uuid
from datetime import UTC, datetime
from typing import Any

import jwt
from aiohttp import web

from sandbox.faults import apply_fault
from sandbox.graph.errors import GraphError
from sandbox.recording import safe_form
from sandbox.state import BODY, STATE, TENANT_NAME, SandboxState
from sandbox.tenant import SandboxTenant

from .tokens import GRAPH_AUDIENCES

__all__ = ["LoginError", "routes"]

_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})
_EXCHANGE = "https://outlook.office365.com"


class LoginError(Exception):
    def __init__(self, status: int, error: str, code: int, message: str) -> None:
        super().__init__(f"AADSTS{code}")
        self.status = status
        self.error = error
        self.code = code
        self.message = message


def _error_response(request: web.Request, error: LoginError) -> web.Response:
    now = datetime.now(UTC)
    trace_id = str(uuid.uuid4())
    correlation_id = request.headers.get("client-request-id") or str(uuid.uuid4())
    timestamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
    description = (
        f"AADSTS{error.code}: {error.message} Trace ID: {trace_id} "
        f"Correlation ID: {correlation_id} Timestamp: {timestamp}"
    )
    body = {
        "error": error.error,
        "error_description": description,
        "error_codes": [error.code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"{request.app[STATE].base_url}/error?code={error.code}",
    }
    return web.json_response(body, status=error.status)


def _tenant(request: web.Request, error: str = "invalid_request") -> SandboxTenant:
    """Entra names an unknown tenant `invalid_tenant` in metadata, `invalid_request` at /token."""
    key = request.match_info["tenant"]
    state = request.app[STATE]
    tenant = next((t for t in state.tenants.values() if t.answers_to(key)), None)
    if tenant is None:
        raise LoginError(
            400,
            error,
            90002,
            f"Tenant '{key}' not found. Check to make sure you have the correct tenant ID and are "
            "signing into the correct cloud.",
        )
    request[TENANT_NAME] = tenant.name
    return tenant


async def _fault(request: web.Request, tenant: SandboxTenant) -> web.Response | None:
    """An injected 429 or 503 (with its Retry-After), or None to answer normally."""
    state = request.app[STATE]
    fault = state.faults.take(
        tenant.name, request.path, inside_batch=False, login=True, method=request.method
    )
    if fault is None:
        return None
    try:
        await apply_fault(fault)
    except GraphError as error:
        # Unverified: Entra's body for 429/503; clients key on the status and Retry-After.
        correlation_id = request.headers.get("client-request-id") or str(uuid.uuid4())
        body = {
            "error": "temporarily_unavailable",
            "error_description": f"{error.message} Correlation ID: {correlation_id}",
            "correlation_id": correlation_id,
        }
        return web.json_response(body, status=error.status, headers=error.headers)
    return None


async def openid_configuration(request: web.Request) -> web.Response:
    try:
        tenant = _tenant(request, "invalid_tenant")
    except LoginError as error:
        return _error_response(request, error)
    if failed := await _fault(request, tenant):
        return failed
    base = f"{request.app[STATE].base_url}/{tenant.tenant_id}"
    return web.json_response(
        {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{request.app[STATE].base_url}/{tenant.tenant_id}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "request_uri_parameter_supported": False,
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "msgraph_host": request.app[STATE].base_url.removeprefix("https://"),
        }
    )


async def keys(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].tokens.jwks())


async def token(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        tenant = _tenant(request)
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        request[BODY] = safe_form(form)
        if failed := await _fault(request, tenant):
            return failed
        audience = _check_request(state, tenant, form)
        certificate = _check_credential(state, tenant, form)
    except LoginError as error:
        return _error_response(request, error)
    access_token = state.tokens.issue(tenant, audience, certificate=certificate)
    return web.json_response(
        {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": access_token,
        }
    )


def _check_request(state: SandboxState, tenant: SandboxTenant, form: dict[str, str]) -> str:
    """The grant, the app and the scope; returns the token's audience."""
    if form.get("grant_type") != "client_credentials":
        raise LoginError(
            400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
        )
    client_id = form.get("client_id", "")
    if not client_id:
        raise LoginError(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        )
    if client_id != tenant.client_id:
        raise LoginError(
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{tenant.directory.display_name}'. This can happen if the application has not been "
            "installed by the administrator of the tenant or consented to by any user in the "
            "tenant. You may have sent your authentication request to the wrong tenant.",
        )
    scopes = [s for s in form.get("scope", "").split() if s not in _RESERVED_SCOPES]
    if len(scopes) != 1 or not scopes[0].endswith("/.default"):
        raise LoginError(
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {' '.join(scopes)} is not valid. Client credential "
            "flows must have a scope value with /.default suffixed to the resource identifier "
            "(application ID URI).",
        )
    resource = scopes[0].removesuffix("/.default")
    if resource not in (*GRAPH_AUDIENCES, state.base_url, _EXCHANGE, tenant.sharepoint_admin):
        raise LoginError(
            400,
            "invalid_resource",
            500011,
            f"The resource principal named {resource} was not found in the tenant named "
            f"{tenant.directory.display_name}. This can happen if the application has not been "
            "installed by the administrator of the tenant or consented to by any user in the "
            "tenant.",
        )
    return resource


def _check_credential(state: SandboxState, tenant: SandboxTenant, form: dict[str, str]) -> bool:
    """True when the app proved itself with a certificate, False with a client secret."""
    if secret := form.get("client_secret"):
        if not hmac.compare_digest(secret.encode(), tenant.client_secret.encode()):
            raise LoginError(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                f"the client secret value, not the client secret ID, for a secret added to app "
                f"'{tenant.client_id}'.",
            )
        return False
    if form.get("client_assertion_type") == _ASSERTION_TYPE and form.get("client_assertion"):
        _check_assertion(state, tenant, form["client_assertion"])
        return True
    raise LoginError(
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or "
        "'client_secret'.",
    )


def _check_assertion(state: SandboxState, tenant: SandboxTenant, assertion: str) -> None:
    """RS256 or PS256, signed by a registered certificate, aud = this tenant's token endpoint."""
    invalid = LoginError(
        401, "invalid_client", 700027, "Client assertion failed signature validation."
    )
    try:
        header: dict[str, Any] = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError:
        raise invalid from None
    # base64url, with or without padding (msal pads it)
    thumbprint = str(header.get("x5t#S256") or header.get("x5t") or "").rstrip("=")
    key = tenant.certificates.get(thumbprint)
    if key is None:
        raise LoginError(
            401,
            "invalid_client",
            700027,
            "The certificate with identifier used to sign the client assertion is not "
            f"registered on application. [Reason - The key was not found., Thumbprint of key "
            f"used by client: '{thumbprint}']",
        )
    keys = (tenant.tenant_id, *(d.id for d in tenant.directory.domains))
    audiences = [f"{state.base_url}/{k}/oauth2/v2.0/token" for k in keys]
    try:
        claims = jwt.decode(
            assertion,
            key,  # type: ignore[arg-type]
            algorithms=["RS256", "PS256"],
            audience=audiences,
            issuer=tenant.client_id,
            options={"require": ["exp", "aud", "iss", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise LoginError(
            401, "invalid_client", 700024, "Client assertion is not within its valid time range."
        ) from None
    except jwt.PyJWTError:
        raise invalid from None
    if claims["sub"] != tenant.client_id:
        raise invalid


def routes() -> list[web.RouteDef]:
    return [
        web.get("/{tenant}/v2.0/.well-known/openid-configuration", openid_configuration),
        web.get("/{tenant}/discovery/v2.0/keys", keys),
        web.post("/{tenant}/oauth2/v2.0/token", token),
    ]
