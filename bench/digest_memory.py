"""The memory probe of `bench.digest`: the digest read in a process of its own, so tracemalloc
sees only Deskhand's allocations and none of the sandbox's, which serves from the benchmark.

`python -m bench.digest_memory` reads a `Probe` as JSON on stdin, reads every tenant it names
(tokens fetched before tracing starts) and prints tracemalloc's peak during the read, in bytes.
`peak_bytes` runs it from the benchmark.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import tracemalloc
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from bench.digest_read import Registration, read_all, tenant_clients
from bench.measure import BenchmarkFailed

__all__ = ["Probe", "main", "peak_bytes"]

_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Probe:
    url: str
    ca_file: str
    now: str
    tenants: Sequence[Registration]

    @classmethod
    def from_json(cls, text: str) -> Probe:
        raw = json.loads(text)
        tenants = tuple(Registration(**tenant) for tenant in raw.pop("tenants"))
        return cls(**raw, tenants=tenants)


async def peak_bytes(probe: Probe) -> int:
    """Run the probe in a child process; the parent keeps serving the sandbox meanwhile."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.digest_memory",
        cwd=_ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(json.dumps(asdict(probe)).encode())
    if process.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        raise BenchmarkFailed(f"the memory probe failed: {lines[-1] if lines else 'no output'}")
    return int(out.decode().strip().splitlines()[-1])


async def _measure(probe: Probe) -> int:
    async with tenant_clients(probe.url, Path(probe.ca_file), probe.tenants) as clients:
        for each in clients.values():
            await each.sign_in()
        gc.collect()
        tracemalloc.start()
        try:
            await read_all(clients, datetime.fromisoformat(probe.now))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def main() -> None:
    print(asyncio.run(_measure(Probe.from_json(sys.stdin.read()))))


if __name__ == "__main__":
    main()
