"""SharePoint's admin API: SetSiteAdmin over CSOM, from the client to the sandbox and back."""

from __future__ import annotations

import httpx
import pytest

from core.errors import ConfigurationError, Forbidden, Rejected
from integrations.graph import AppCredentials, CertificateCredential
from integrations.sharepoint import SharePointAdmin, SharePointClient
from sandbox import Sandbox
from sandbox.sharepoint.admin_api import PROCESS_QUERY
from tests.certificates import self_signed_text
from tests.graph.conftest import FAST_RETRY, sandbox_cloud, secret_credentials

SITE = "https://contoso-my.sharepoint.com/personal/adele_vance_contoso_com"
MIRIAM = "miriam.graham@contoso.com"


def _admin(sandbox: Sandbox) -> SharePointAdmin:
    return SharePointAdmin(sandbox.url, resource="https://contoso-admin.sharepoint.com")


def _certificate_credentials(sandbox: Sandbox) -> AppCredentials:
    key_pem, cert_pem = self_signed_text()
    registration = sandbox.tenant("contoso")
    registration.register_certificate(cert_pem.encode())
    return AppCredentials(
        registration.tenant_id,
        registration.client_id,
        certificate=CertificateCredential(key_pem, cert_pem),
    )


def _client(sandbox: Sandbox, http: httpx.AsyncClient, credentials: AppCredentials) -> SharePointClient:
    return SharePointClient(
        http,
        credentials,
        sandbox_cloud(sandbox),
        _admin(sandbox),
        ca_bundle=sandbox.ca_file,
        retry=FAST_RETRY,
    )


def _admins(sandbox: Sandbox) -> tuple[str, ...]:
    return sandbox.tenant("contoso").directory.site_admins.get(SITE, ())


async def test_set_site_admin_adds_and_removes_a_site_collection_admin(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = _client(sandbox, http, _certificate_credentials(sandbox))
    try:
        await client.set_site_admin(SITE, MIRIAM)
        added = _admins(sandbox)
        await client.set_site_admin(SITE, MIRIAM, admin=False)
    finally:
        await client.aclose()

    assert added == (MIRIAM,)
    assert _admins(sandbox) == ()
    calls = [r for r in sandbox.requests if r.path == PROCESS_QUERY]
    assert [c.status for c in calls] == [200, 200]
    assert 'Name="SetSiteAdmin"' in calls[0].body["xml"]
    token = next(r for r in sandbox.requests if r.path.endswith("/token"))
    assert token.body["scope"] == "https://contoso-admin.sharepoint.com/.default"


async def test_a_client_secret_is_refused_before_anything_is_sent(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = _client(sandbox, http, secret_credentials(sandbox, "contoso"))
    try:
        with pytest.raises(ConfigurationError, match="configure a certificate for tenant"):
            await client.set_site_admin(SITE, MIRIAM)
    finally:
        await client.aclose()

    assert not [r for r in sandbox.requests if r.path == PROCESS_QUERY or "token" in r.path]


async def test_the_sandbox_refuses_app_only_tokens_from_a_client_secret(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    token = sandbox.mint_token("contoso", audience="https://contoso-admin.sharepoint.com")

    response = await http.post(
        f"{sandbox.url}{PROCESS_QUERY}",
        content=b"<Request/>",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/xml"},
    )

    assert response.status_code == 401
    assert response.json() == {"error_description": "Unsupported app only token."}
    assert _admins(sandbox) == ()


async def test_a_graph_token_is_not_accepted_by_sharepoint(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    token = sandbox.mint_token("contoso", certificate=True)

    response = await http.post(
        f"{sandbox.url}{PROCESS_QUERY}",
        content=b"<Request/>",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 401


async def test_an_unknown_site_comes_back_as_a_refusal_in_error_info(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    client = _client(sandbox, http, _certificate_credentials(sandbox))
    try:
        with pytest.raises(Rejected, match="Cannot get site"):
            await client.set_site_admin(f"{SITE}_nobody", MIRIAM)
        with pytest.raises(Rejected, match="does not exist"):
            await client.set_site_admin(SITE, "nobody@contoso.com")
    finally:
        await client.aclose()

    assert _admins(sandbox) == ()


async def test_without_sites_full_control_the_call_is_denied(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    sandbox.tenant("contoso").permissions.discard("Sites.FullControl.All")
    client = _client(sandbox, http, _certificate_credentials(sandbox))
    try:
        with pytest.raises(Forbidden, match="Access denied"):
            await client.set_site_admin(SITE, MIRIAM)
    finally:
        await client.aclose()

    assert _admins(sandbox) == ()
