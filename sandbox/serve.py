"""`deskhand sandbox`: run the sandbox alone and print how to reach it."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

from .options import SandboxOptions
from .persistence import StateFile, state_path
from .server import Sandbox, seeded_tenants, start_sandbox

__all__ = ["reset_sandbox", "run_sandbox"]


def describe(sandbox: Sandbox, ca_file: Path) -> str:
    """What an operator needs: URLs, each tenant's app registration, how to trust the CA.

    The client secrets are throwaway test secrets made at start; printing them is the point.
    """
    lines = [
        f"Sandbox Microsoft 365 on {sandbox.url}",
        f"  Graph:  {sandbox.url}/v1.0  and  {sandbox.url}/beta",
        f"  Login:  {sandbox.url}/{{tenant id or domain}}/oauth2/v2.0/token",
        "",
    ]
    for tenant in sandbox.tenants:
        lines += [
            f"Tenant {tenant.name}",
            f"  tenant id:     {tenant.tenant_id}",
            f"  domain:        {tenant.domain}",
            f"  authority:     {sandbox.url}/{tenant.tenant_id}",
            f"  client id:     {tenant.client_id}",
            f"  client secret: {tenant.client_secret}",
            f"  users:         {len(tenant.directory.users)}",
            "",
        ]
    lines.append(f"Trust the test CA: SSL_CERT_FILE={ca_file}")
    return "\n".join(lines)


async def _serve(options: SandboxOptions, ca_file: Path | None) -> None:
    async with start_sandbox(options) as sandbox:
        shown = sandbox.ca_file
        if ca_file is not None:
            await asyncio.to_thread(shutil.copyfile, sandbox.ca_file, ca_file)
            shown = ca_file
        print(describe(sandbox, shown), flush=True)
        await asyncio.Event().wait()


def run_sandbox(port: int, ca_file: Path | None, latency: float) -> None:
    """Serve until Ctrl-C (blocking)."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(SandboxOptions(latency=latency, port=port), ca_file))


def reset_sandbox(home: Path) -> str:
    """Store freshly seeded tenants in the home's sandbox state (blocking); sandboxes running
    on that home load them at their next request. Says what was done."""
    path = state_path(home)
    tenants = seeded_tenants(SandboxOptions(), datetime.now(UTC))
    StateFile(path).reset(tenants)
    return f"Sandbox reset: {', '.join(tenants)} are back as seeded ({path})."
