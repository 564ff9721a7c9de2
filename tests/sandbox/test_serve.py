"""`deskhand sandbox` output, and generated tenants added to a running sandbox."""

from __future__ import annotations

from pathlib import Path

import httpx

from sandbox import Sandbox
from sandbox.serve import describe


async def test_description_names_urls_tenants_credentials_and_the_ca(sandbox: Sandbox) -> None:
    text = describe(sandbox, Path("sandbox-ca.pem"))

    assert f"{sandbox.url}/v1.0" in text
    for tenant in sandbox.tenants:
        assert tenant.tenant_id in text
        assert tenant.domain in text
        assert tenant.client_id in text
        assert tenant.client_secret in text
    assert "SSL_CERT_FILE=sandbox-ca.pem" in text


async def test_tenant_is_found_by_name_domain_or_id(sandbox: Sandbox) -> None:
    contoso = sandbox.tenant("contoso")

    assert sandbox.tenant("contoso.com") is contoso
    assert sandbox.tenant(contoso.tenant_id) is contoso
    assert (contoso.name, contoso.domain) == ("contoso", "contoso.com")


async def test_generated_tenant_added_at_run_time_serves_graph(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> None:
    tenant = await sandbox.add_generated_tenant("northwind", 50)

    response = await sandbox_http.get(
        "/v1.0/users",
        params={"$count": "true", "$top": "1"},
        headers={
            "Authorization": f"Bearer {sandbox.mint_token('northwind')}",
            "ConsistencyLevel": "eventual",
        },
    )

    assert tenant.domain == "northwind.com"
    assert response.json()["@odata.count"] == 50
