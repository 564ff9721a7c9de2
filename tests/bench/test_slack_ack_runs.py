"""The Slack ack benchmark runs end to end and ends with its figures as one line of JSON.

Nothing here times anything: the numbers belong to `python -m bench.slack_ack`, not to tests.
"""

from __future__ import annotations

import pytest
from aiohttp import web

from bench.slack_load import SECRET_VARIABLE, LoadRun, closed_loop, signed_command
from tests.bench.runs import Finished, run_benchmark

RATIOS = ["throughput_ratio", "p99_ratio", "p50_ratio"]
FIGURES = [
    "deskhand_rps",
    "bolt_rps",
    "deskhand_p50_ms",
    "deskhand_p99_ms",
    "bolt_p50_ms",
    "bolt_p99_ms",
    "deskhand_acks",
    "bolt_acks",
    "commands_answered",
    "commands_told_busy",
    "peak_backlog",
]


@pytest.fixture(scope="module")
def finished() -> Finished:
    return run_benchmark(
        "bench.slack_ack", "--senders", "2", "--seconds", "1", drop_env=(SECRET_VARIABLE,)
    )


def test_slack_ack_benchmark_ends_with_its_figures_as_json_ratios_first(
    finished: Finished,
) -> None:
    assert list(finished.figures)[: len(RATIOS)] == RATIOS
    assert set(FIGURES) <= set(finished.figures)
    assert finished.figures["senders"] == 2


def test_every_command_deskhand_acked_was_answered_or_told_busy(finished: Finished) -> None:
    figures = finished.figures
    assert figures["deskhand_acks"] > 0
    assert figures["commands_answered"] + figures["commands_told_busy"] == figures["deskhand_acks"]


def test_slack_ack_benchmark_prints_a_table_before_the_json(finished: Finished) -> None:
    table = finished.stdout.strip().splitlines()[:-1]
    assert any("bare slack-bolt" in line for line in table)
    assert any("deskhand serve" in line for line in table)


def test_signed_commands_differ_by_trigger_id() -> None:
    first, _ = signed_command("secret", response_url="http://x/r", trigger_id="1")
    second, _ = signed_command("secret", response_url="http://x/r", trigger_id="2")
    assert first != second
    assert "text=user+adele.vance%40contoso.com" in first


async def test_load_counts_refused_requests_as_failures() -> None:
    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"error": "invalid signature"}, status=401)

    app = web.Application()
    app.router.add_post("/slack/events", refuse)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        run = await closed_loop(
            f"http://{host}:{port}/slack/events",
            response_url="http://127.0.0.1:9/response",
            secret="secret",
            senders=2,
            seconds=0.2,
        )
    finally:
        await runner.cleanup()
    assert run.latencies == ()
    assert run.failures >= 2
    assert LoadRun.from_json(run.to_json()) == run
