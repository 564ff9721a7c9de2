"""Slack acks at saturation: `deskhand serve` against a bare slack-bolt app, in one run.

Run it as `python -m bench.slack_ack [--senders 32] [--seconds 10] [--rounds 2]`. Both
servers run here, on loopback ports; a second process (`bench.slack_load`) keeps `--senders`
signed `/deskhand user adele.vance@contoso.com` commands in flight, each sender sending the
next as soon as the last was acked. Each target gets `--seconds` of load in `--rounds` turns,
alternating bolt, Deskhand, Deskhand, bolt … so a noisy spell spreads over both. Deskhand
runs as `deskhand serve` does by default with configured tenants: it acks here and runs each
command after its ack in its worker process(es), at a lower CPU priority. That work is
counted (replies at the Slack Web API), its backlog watched, and it is let finish before the
next turn. The Microsoft 365 it queries is the sandbox in a process of its own, reached as a
configured tenant would be, and the Slack Web API it answers through has its own process
too, so neither's CPU lands on the event loop that acks; both run at idle CPU priority, as
the workers they answer do (`--stand-ins normal` runs them as ordinary processes, to see
what sharing two cores with them costs). Goals: throughput ≥ 0.9x bare bolt,
p99 ≤ 1.5x bare bolt. Prints a table, then one line of JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol

import aiohttp
from rich.table import Table

from bench.measure import BenchmarkFailed, ratio, run_benchmark
from bench.sandbox_process import sandbox_process
from bench.slack_load import COMMAND_TEXT, SECRET_VARIABLE, LoadRun, signed_command
from bench.slack_targets import (
    EVENTS_PATH,
    SIGNING_SECRET,
    serve_bolt,
    serve_deskhand,
)
from bench.slack_web_api import SlackWebApi, slack_web_api_process

__all__ = ["AckFigures", "Acks", "Backlog", "main", "measure_acks", "quick"]

_ROOT = Path(__file__).resolve().parents[1]
_UPN = COMMAND_TEXT.split()[-1]
_SETTLE_LIMIT = 120.0
_SAMPLE_EVERY = 0.01


class _Work(Protocol):
    @property
    def running(self) -> int:
        """Commands accepted and not finished yet."""
        ...


@dataclass(frozen=True)
class _Timed:
    """One closed-loop turn, and the CPU this process spent while it ran."""

    run: LoadRun
    cpu_seconds: float


@dataclass(frozen=True)
class Acks:
    """One target's acks over all its turns: latencies in seconds, sorted."""

    latencies: tuple[float, ...]
    failures: int
    seconds: float
    busy: int
    cpu_seconds: float
    """CPU time of the process that acked (this one), over the turns."""

    @classmethod
    def of(cls, runs: Sequence[_Timed]) -> Acks:
        latencies = tuple(sorted(latency for t in runs for latency in t.run.latencies))
        if len(latencies) < 2:
            raise BenchmarkFailed("fewer than two requests were acked; nothing to measure")
        failures = sum(t.run.failures for t in runs)
        busy = sum(t.run.busy for t in runs)
        elapsed, cpu = sum(t.run.elapsed for t in runs), sum(t.cpu_seconds for t in runs)
        return cls(latencies, failures, elapsed, busy, cpu)

    @property
    def cpu_us_per_ack(self) -> float:
        return self.cpu_seconds / len(self.latencies) * 1e6

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p99_ms(self) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[98] * 1000


@dataclass(frozen=True)
class Backlog:
    """Deskhand's work after the acks: answered under load, the backlog, the event loop."""

    answered_under_load: int
    answered: int
    peak: int
    max_loop_lag: float
    settle_seconds: float


@dataclass(frozen=True)
class AckFigures:
    deskhand: Acks
    bolt: Acks
    backlog: Backlog
    senders: int
    seconds: float
    rounds: int
    stand_ins: str


@dataclass(frozen=True)
class _Turn:
    run: _Timed
    answered_under_load: int
    answered: int
    peak: int
    max_loop_lag: float
    settle_seconds: float


async def measure_acks(
    home: Path, *, senders: int, seconds: float, rounds: int, stand_ins: str = "idle"
) -> AckFigures:
    """Start both targets, the Slack Web API and the sandbox Microsoft 365, check each target
    answers, then load them in turns."""
    turn_seconds = seconds / rounds
    async with (
        sandbox_process(home, idle=stand_ins == "idle") as sandbox,
        slack_web_api_process(idle=stand_ins == "idle") as slack,
        serve_bolt(slack) as bolt_url,
        serve_deskhand(home, slack, sandbox) as server,
    ):
        deskhand_url = server.url + EVENTS_PATH
        # Where the commands run: `deskhand serve`'s worker processes by default.
        work: _Work = server.workers or server.work
        await _check_answer(deskhand_url, slack, work)
        await _check_answer(bolt_url, slack, None)
        bolt_runs: list[_Timed] = []
        turns: list[_Turn] = []
        for round_number in range(rounds):
            for target in ("bolt", "deskhand")[:: 1 if round_number % 2 == 0 else -1]:
                if target == "bolt":
                    bolt_runs.append(await _load(bolt_url, slack, senders, turn_seconds))
                else:
                    turn = await _deskhand_turn(deskhand_url, slack, work, senders, turn_seconds)
                    turns.append(turn)
    backlog = Backlog(
        answered_under_load=sum(t.answered_under_load for t in turns),
        answered=sum(t.answered for t in turns),
        peak=max(t.peak for t in turns),
        max_loop_lag=max(t.max_loop_lag for t in turns),
        settle_seconds=max(t.settle_seconds for t in turns),
    )
    deskhand = Acks.of([t.run for t in turns])
    bolt = Acks.of(bolt_runs)
    return AckFigures(deskhand, bolt, backlog, senders, seconds, rounds, stand_ins)


async def _check_answer(url: str, slack: SlackWebApi, work: _Work | None) -> None:
    """One command, untimed: connections and caches warm, and proof the target works."""
    before = await slack.tally()
    body, headers = signed_command(
        SIGNING_SECRET, response_url=slack.response_url, trigger_id="check"
    )
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        if response.status != 200:
            raise BenchmarkFailed(f"{url} answered a signed command with {response.status}")
    if work is None:
        return
    await _settle(work)
    # One reply per command, or counting replies would not count commands.
    after = await slack.tally()
    if after.replies != before.replies + 1 or _UPN not in after.last_reply:
        raise BenchmarkFailed(f"Deskhand did not answer /deskhand {COMMAND_TEXT} with one reply")


async def _deskhand_turn(
    url: str, slack: SlackWebApi, work: _Work, senders: int, seconds: float
) -> _Turn:
    replies = (await slack.tally()).replies
    stop = asyncio.Event()
    watch = asyncio.create_task(_watch(work, stop))
    try:
        run = await _load(url, slack, senders, seconds)
    finally:
        stop.set()
        peak, lag = await watch
    under_load = (await slack.tally()).replies - replies
    settle_seconds = await _settle(work)
    answered = (await slack.tally()).replies - replies
    return _Turn(run, under_load, answered, peak, lag, settle_seconds)


async def _watch(work: _Work, stop: asyncio.Event) -> tuple[int, float]:
    """The most commands running at once, and the longest the event loop was late to wake."""
    peak, lag = 0, 0.0
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(_SAMPLE_EVERY)
        lag = max(lag, time.perf_counter() - started - _SAMPLE_EVERY)
        peak = max(peak, work.running)
    return peak, lag


async def _settle(work: _Work) -> float:
    """Seconds until the commands in the background have finished."""
    started = time.perf_counter()
    while work.running:
        if time.perf_counter() - started > _SETTLE_LIMIT:
            raise BenchmarkFailed(
                f"{work.running} commands still ran {_SETTLE_LIMIT:.0f} s after the load stopped"
            )
        await asyncio.sleep(_SAMPLE_EVERY)
    return time.perf_counter() - started


async def _load(url: str, slack: SlackWebApi, senders: int, seconds: float) -> _Timed:
    """One closed-loop turn from the load generator's own process."""
    cpu = time.process_time()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.slack_load",
        url,
        f"--response-url={slack.response_url}",
        f"--senders={senders}",
        f"--seconds={seconds}",
        cwd=_ROOT,
        env={**os.environ, SECRET_VARIABLE: SIGNING_SECRET},
        stdout=asyncio.subprocess.PIPE,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise BenchmarkFailed(f"the load generator stopped with status {process.returncode}")
    return _Timed(LoadRun.from_json(output.decode()), time.process_time() - cpu)


def figures_json(figures: AckFigures) -> dict[str, object]:
    """Ratios first, then each target's figures, Deskhand's background work and the settings."""
    deskhand, bolt, backlog = figures.deskhand, figures.bolt, figures.backlog
    out: dict[str, object] = {
        "throughput_ratio": ratio(deskhand.per_second, bolt.per_second),
        "p99_ratio": ratio(deskhand.p99_ms, bolt.p99_ms),
        "p50_ratio": ratio(deskhand.p50_ms, bolt.p50_ms),
    }
    for name, acks in (("deskhand", deskhand), ("bolt", bolt)):
        out[f"{name}_rps"] = round(acks.per_second, 1)
        out[f"{name}_p50_ms"] = round(acks.p50_ms, 2)
        out[f"{name}_p99_ms"] = round(acks.p99_ms, 2)
        out[f"{name}_acks"] = len(acks.latencies)
        out[f"{name}_failures"] = acks.failures
        out[f"{name}_cpu_us_per_ack"] = round(acks.cpu_us_per_ack)
    out["commands_answered"] = backlog.answered
    out["commands_told_busy"] = deskhand.busy
    out["commands_answered_under_load"] = backlog.answered_under_load
    out["peak_backlog"] = backlog.peak
    out["max_loop_lag_ms"] = round(backlog.max_loop_lag * 1000, 1)
    out["settle_s"] = round(backlog.settle_seconds, 2)
    out["senders"] = figures.senders
    out["seconds"] = figures.seconds
    out["rounds"] = figures.rounds
    out["stand_ins"] = figures.stand_ins
    return out


def render_table(figures: AckFigures) -> Table:
    deskhand, bolt, backlog = figures.deskhand, figures.bolt, figures.backlog
    table = Table(
        title=f"Slack slash-command acks, {figures.senders} senders, closed loop, "
        f"{figures.seconds:g} s per target in {figures.rounds} turns; Microsoft 365 and Slack "
        f"stand-ins at {figures.stand_ins} CPU priority",
        caption="goals: throughput ≥ 0.9x bare bolt, p99 ≤ 1.5x bare bolt\n"
        f"Deskhand answered {backlog.answered} of {len(deskhand.latencies)} acked commands "
        f"({backlog.answered_under_load} under load; the rest within {backlog.settle_seconds:.1f} s"
        f" after) and told {deskhand.busy} it was busy; peak backlog {backlog.peak}; event loop "
        "up to "
        f"{backlog.max_loop_lag * 1000:.0f} ms late; CPU of the acking process per ack: "
        f"Deskhand {deskhand.cpu_us_per_ack:.0f} µs, bolt {bolt.cpu_us_per_ack:.0f} µs",
    )
    table.add_column("target", no_wrap=True)
    for column in ("acks", "failed", "acks/s", "p50 ms", "p99 ms"):
        table.add_column(column, justify="right")
    for name, acks in (("bare slack-bolt", bolt), ("deskhand serve", deskhand)):
        table.add_row(
            name,
            str(len(acks.latencies)),
            str(acks.failures),
            f"{acks.per_second:.0f}",
            f"{acks.p50_ms:.1f}",
            f"{acks.p99_ms:.1f}",
        )
    figures_ratios = figures_json(figures)
    table.add_row(
        "Deskhand / bolt",
        "",
        "",
        _shown(figures_ratios["throughput_ratio"]),
        _shown(figures_ratios["p50_ratio"]),
        _shown(figures_ratios["p99_ratio"]),
    )
    return table


def _shown(value: object) -> str:
    return "—" if value is None else f"{value}x"


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.slack_ack", description=__doc__)
    parser.add_argument("--senders", type=int, default=32, help="concurrent senders")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per target, seconds")
    parser.add_argument("--rounds", type=int, default=2, help="turns per target")
    parser.add_argument(
        "--stand-ins",
        choices=("idle", "normal"),
        default="idle",
        help="CPU priority of the sandbox Microsoft 365 and Slack Web API processes",
    )
    options = parser.parse_args(argv)
    if options.senders < 1 or options.seconds <= 0 or options.rounds < 1:
        parser.error("--senders and --rounds must be at least 1 and --seconds positive")
    return options


def main(argv: Sequence[str] | None = None) -> None:
    options = _parse(argv)
    measure = partial(
        measure_acks,
        senders=options.senders,
        seconds=options.seconds,
        rounds=options.rounds,
        stand_ins=options.stand_ins,
    )
    run_benchmark("bench.slack_ack", measure, render_table, figures_json)


def quick(argv: Sequence[str]) -> None:
    """`make bench`'s shorter run."""
    main(["--seconds=4", *argv])


if __name__ == "__main__":
    main()
