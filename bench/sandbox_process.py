"""The sandbox Microsoft 365 in a process of its own, as `deskhand sandbox` runs it.

A benchmark that serves the simulated Graph in Deskhand's own event loop would charge
Microsoft's CPU to Deskhand; here it gets its own interpreter, and Deskhand reaches it the way
it reaches a real tenant: over HTTPS, with the app registration the sandbox prints.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench.measure import BenchmarkFailed

__all__ = [
    "SandboxProcess",
    "SandboxTenant",
    "first_line",
    "run_idle",
    "sandbox_process",
    "stop_process",
]

_ROOT = Path(__file__).resolve().parents[1]
# `bot.operator.cli` has no `__main__` guard, so `-m bot.operator.cli` would run nothing.
_CLI = "from bot.operator.cli import main; main()"
_START_LIMIT = 60.0
_STOP_LIMIT = 10.0
_URL_PREFIX = "Sandbox Microsoft 365 on "
_TENANT_PREFIX = "Tenant "
_LAST_LINE_PREFIX = "Trust the test CA:"


@dataclass(frozen=True)
class SandboxTenant:
    """One sandbox tenant's app registration, as an operator would copy it from the output."""

    tenant_id: str
    domain: str
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class SandboxProcess:
    url: str
    ca_file: Path
    tenants: dict[str, SandboxTenant]

    def tenant(self, name: str) -> SandboxTenant:
        if name not in self.tenants:
            raise BenchmarkFailed(f"the sandbox printed no tenant {name}")
        return self.tenants[name]


@asynccontextmanager
async def sandbox_process(directory: Path, *, idle: bool = False) -> AsyncIterator[SandboxProcess]:
    """`deskhand sandbox --port 0` in a child process, its test CA written into `directory`;
    at idle CPU priority if `idle` (see `run_idle`).

    Yields once the sandbox has printed how to reach it; stops the process on the way out.
    """
    ca_file = directory / "ca.pem"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CLI,
        "sandbox",
        "--port=0",
        f"--ca-file={ca_file}",
        cwd=_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    if idle:
        run_idle(process)
    try:
        lines = await _description(process)
        yield _parse(lines, ca_file)
    finally:
        await stop_process(process)


async def _description(process: asyncio.subprocess.Process) -> list[str]:
    """The lines the sandbox prints at start, up to its last; no more than `_START_LIMIT`."""
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(_START_LIMIT):
            while not lines or not lines[-1].startswith(_LAST_LINE_PREFIX):
                line = await process.stdout.readline()
                if not line:
                    raise BenchmarkFailed(
                        f"the sandbox stopped before it was ready (status {await process.wait()})"
                    )
                lines.append(line.decode().strip())
    except TimeoutError:
        raise BenchmarkFailed(
            f"the sandbox did not say where it listens within {_START_LIMIT:.0f} s"
        ) from None
    return lines


def _parse(lines: list[str], ca_file: Path) -> SandboxProcess:
    url = ""
    fields: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in lines:
        if line.startswith(_URL_PREFIX):
            url = line.removeprefix(_URL_PREFIX)
        elif line.startswith(_TENANT_PREFIX):
            current = fields.setdefault(line.removeprefix(_TENANT_PREFIX), {})
        elif ":" in line:
            key, value = line.split(":", 1)
            current[key] = value.strip()
    if not url:
        raise BenchmarkFailed("the sandbox did not print its URL")
    try:
        tenants = {
            name: SandboxTenant(
                tenant_id=body["tenant id"],
                domain=body["domain"],
                client_id=body["client id"],
                client_secret=body["client secret"],
            )
            for name, body in fields.items()
        }
    except KeyError as missing:
        raise BenchmarkFailed(f"the sandbox printed a tenant without its {missing}") from None
    return SandboxProcess(url, ca_file, tenants)


def run_idle(process: asyncio.subprocess.Process) -> None:
    """Idle CPU priority (Linux; else the lowest niceness) for a stand-in for a remote service.

    In production Microsoft's and Slack's CPU is not on Deskhand's machine; here their
    stand-ins share its cores. At idle priority they take only CPU nothing else wants, as
    `deskhand serve`'s workers, whose requests are all they answer, do, instead of taking
    turns with the process that acks.
    """
    with suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "SCHED_IDLE"):
            os.sched_setscheduler(process.pid, os.SCHED_IDLE, os.sched_param(0))
        else:
            os.setpriority(os.PRIO_PROCESS, process.pid, 19)


async def first_line(process: asyncio.subprocess.Process, name: str) -> str:
    """The first line `process` prints, within `_START_LIMIT`; `name` says who for errors."""
    assert process.stdout is not None
    try:
        async with asyncio.timeout(_START_LIMIT):
            line = await process.stdout.readline()
    except TimeoutError:
        raise BenchmarkFailed(f"{name} did not start within {_START_LIMIT:.0f} s") from None
    if not line:
        raise BenchmarkFailed(f"{name} stopped before it was ready (status {await process.wait()})")
    return line.decode().strip()


async def stop_process(process: asyncio.subprocess.Process) -> None:
    """Ask `process` to stop (SIGTERM); kill it if it has not within `_STOP_LIMIT`."""
    if process.returncode is None:
        with suppress(ProcessLookupError):
            process.terminate()
        try:
            async with asyncio.timeout(_STOP_LIMIT):
                await process.wait()
        except TimeoutError:
            with suppress(ProcessLookupError):
                process.kill()
            await process.wait()
