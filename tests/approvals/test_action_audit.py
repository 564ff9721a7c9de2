"""An action's audit rows name who asked, why, what came of it, and Graph's ids for each
change it made, also when Graph fails half-way."""

from __future__ import annotations

from bot.invocation import Invocation
from bot.runtime import Runtime
from bot.store import AuditRecord, list_audit
from cards.reply import Level, Reply
from integrations.sandbox import Fault
from tests.plugins.runtime import OPERATOR, Ask

LYNNE = "lynne.robbins@contoso.com"


def _confirm(card: Reply) -> Invocation:
    action = next(b.action_id for b in card.buttons if b.action_id.endswith(":confirm"))
    return Invocation("console", OPERATOR, "", action=action)


async def _block_rows(runtime: Runtime) -> list[AuditRecord]:
    async with runtime.store.engine.connect() as conn:
        return [r for r in await list_audit(conn) if r.command == "block"]


def _write_ids(runtime: Runtime) -> list[tuple[str, str]]:
    assert runtime.sandbox is not None
    return [
        (r.method, r.request_id)
        for r in runtime.sandbox.requests
        if r.method in ("PATCH", "POST") and r.path.startswith("/v1.0/users/")
    ]


async def test_a_done_action_carries_its_reason_and_graphs_request_ids(
    runtime: Runtime, ask: Ask
) -> None:
    card = await ask(f"/block {LYNNE} --tenant contoso --reason T-77")
    done = await runtime.router.handle(_confirm(card))

    assert done.level is Level.SUCCESS
    rows = {r.outcome: r for r in await _block_rows(runtime)}
    assert {"proposed", "done"} <= set(rows)
    finished = rows["done"]
    assert (finished.reason, finished.target, finished.actor) == ("T-77", LYNNE, OPERATOR.id)
    sent = [request_id for _, request_id in _write_ids(runtime)]
    assert [ids.request_id for ids in finished.graph_request_ids] == sent and len(sent) == 2


async def test_graph_failing_half_way_fails_the_action_and_keeps_the_first_changes_ids(
    runtime: Runtime, ask: Ask
) -> None:
    assert runtime.sandbox is not None
    card = await ask(f"/block {LYNNE} --tenant contoso")
    runtime.sandbox.inject("contoso", Fault("unavailable", path="revokeSignInSessions"))
    failed = await runtime.router.handle(_confirm(card))

    assert failed.failed
    assert "revoking their sessions failed" in " ".join(
        getattr(b, "text", "") for b in failed.blocks
    )
    [row] = [r for r in await _block_rows(runtime) if r.outcome == "failed"]
    patch = [request_id for method, request_id in _write_ids(runtime) if method == "PATCH"]
    assert [ids.request_id for ids in row.graph_request_ids][:1] == patch
