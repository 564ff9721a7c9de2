"""/offboard --delete-after: the deletion waits in DBOS's queue across a restart, then runs."""

from __future__ import annotations

import time
from pathlib import Path

from dbos import DBOS
from sqlalchemy import text

from bot.jobs.host import DELAYED_QUEUE
from bot.store.pending import ActionState
from tests.e2e.world import World, open_world
from tests.jobs.flows import ADELE, confirmed, settled, until
from tests.jobs.tables import dbos_table

DAY_MS = 86_400_000


async def _delayed(world: World, workflow_id: str) -> tuple[str, str, int]:
    """The workflow's status, queue and the time it may run (epoch milliseconds)."""
    store = world.runtime.store
    query = (
        "SELECT status, queue_name, delay_until_epoch_ms "
        f"FROM {dbos_table(store, 'workflow_status')} WHERE workflow_uuid = :id"
    )
    async with store.engine.connect() as conn:
        [(status, queue, until)] = (await conn.execute(text(query), {"id": workflow_id})).all()
    return str(status), str(queue), int(until or 0)


async def test_a_delayed_deletion_survives_a_restart_and_deletes_the_user_when_due(
    tmp_path: Path, store_url: str
) -> None:
    home = tmp_path / "home"
    async with open_world(home, store_url) as world:
        line = f"/offboard {ADELE} --reason T-6 --delete-after 1"
        action, _ = await confirmed(world, line)
        assert await settled(world, action) is ActionState.DONE
        adele = world.user(ADELE).id
    deletion = f"{action}-delete"

    async with open_world(home, store_url) as world:
        desk = world.runtime.router.desk
        assert desk is not None
        await desk.jobs.ensure()  # as `deskhand serve` does when it starts
        status, queue, due = await _delayed(world, deletion)
        assert (status in ("DELAYED", "ENQUEUED"), queue) == (True, DELAYED_QUEUE)
        assert due > time.time() * 1000 + DAY_MS * 0.99
        assert adele in world.sandbox.tenant("contoso").directory.users

        await DBOS.set_workflow_delay_async(deletion, delay_seconds=0)

        async def deleted() -> bool:
            return adele not in world.sandbox.tenant("contoso").directory.users

        await until(deleted)  # DBOS polls the queue every 5 seconds
        assert (await _delayed(world, deletion))[0] in ("PENDING", "SUCCESS")
