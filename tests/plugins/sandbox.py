"""Fixtures that start the sandbox Microsoft 365 on loopback.

`sandbox` is a started `Sandbox` (function scope: start-up takes a few tens of milliseconds);
`sandbox_http` is an httpx client that trusts the sandbox's test CA.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import httpx
import pytest

from sandbox import Sandbox, SandboxOptions, start_sandbox


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with start_sandbox(SandboxOptions()) as started:
        yield started


@pytest.fixture
async def sandbox_http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    context = ssl.create_default_context(cafile=str(sandbox.ca_file))
    async with httpx.AsyncClient(base_url=sandbox.url, verify=context, timeout=10.0) as client:
        yield client
