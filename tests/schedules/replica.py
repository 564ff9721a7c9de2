"""A digest-serving Deskhand in a process of its own, with the recording deliverer
(`tests.schedules.recording`): `python -m tests.schedules.replica`.

What `deskhand serve` does for schedules, without its HTTP listener: open the runtime as a
server with a deliverer (which syncs `[[schedules]]`, catches up and serves the digest queue),
say "replica.ready" on stdout, and run until SIGTERM. Settings come from the environment
(`DESKHAND_HOME`, `DESKHAND_CONFIG`, `DESKHAND_EXECUTOR_ID`, `DESKHAND_LEASE_SECONDS`, and the
deliverer's own).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from bot.config import load_settings
from bot.process.logs import configure_logging
from bot.process.runtime import open_runtime
from tests.schedules.recording import FileDeliverer

READY = "replica.ready"


async def main() -> None:
    configure_logging(sys.stdout)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    deliverer = FileDeliverer.from_environment(os.environ)
    async with open_runtime(load_settings(), role="serve", deliverer=deliverer):
        print(READY, flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
