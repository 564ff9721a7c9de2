"""What every benchmark shares: timing cases in turns, and the figures' last line of JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console, RenderableType

from bot.process.logs import configure_logging
from core.errors import DeskhandError
from sandbox import RecordedRequest

__all__ = [
    "BenchmarkFailed",
    "Case",
    "Requests",
    "json_line",
    "latency_options",
    "latency_parser",
    "median_seconds",
    "parse_latency_options",
    "ratio",
    "run_benchmark",
    "shown",
]

F = TypeVar("F")

Case = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Requests:
    """Requests the sandbox answered, by service."""

    graph: int
    exchange: int
    login: int

    @classmethod
    def of(cls, log: Sequence[RecordedRequest]) -> Requests:
        """What was sent: a `$batch` counts once, not its inner requests."""
        sent = [r for r in log if r.batch is None]
        return cls(
            graph=sum(1 for r in sent if r.path.startswith(("/v1.0/", "/beta/"))),
            exchange=sum(1 for r in sent if r.path.startswith("/adminapi/")),
            login=sum(1 for r in sent if "/oauth2/" in r.path),
        )

    @classmethod
    def by_tenant(cls, log: Sequence[RecordedRequest]) -> dict[str, Requests]:
        """`of` for each tenant the log names."""
        grouped: dict[str, list[RecordedRequest]] = {}
        for request in log:
            if request.tenant is not None:
                grouped.setdefault(request.tenant, []).append(request)
        return {name: cls.of(sent) for name, sent in sorted(grouped.items())}


class BenchmarkFailed(Exception):
    """A measured call did not do what it should; the figures would mean nothing."""


async def median_seconds(cases: Mapping[str, Case], runs: int) -> dict[str, float]:
    """The median wall time of each case over `runs` rounds.

    Every case runs once untimed first (tokens, connections, caches), then the cases take
    turns each round, so a slow spell on a noisy machine spreads over all of them instead of
    landing on one.
    """
    if runs < 1:
        raise ValueError("a benchmark needs at least one run")
    for case in cases.values():
        await case()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, case in cases.items():
            started = time.perf_counter()
            await case()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """`numerator / denominator` to two places; `None` when either side was not measured."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return round(numerator / denominator, 2)


def json_line(figures: Mapping[str, object]) -> str:
    """The one line of JSON a benchmark ends with, keys in the order given (ratios first)."""
    return json.dumps(figures, separators=(", ", ": "))


def run_benchmark(
    name: str,
    measure: Callable[[Path], Coroutine[Any, Any, F]],
    table: Callable[[F], RenderableType],
    figures: Callable[[F], Mapping[str, object]],
) -> None:
    """Measure in a fresh Deskhand home, then print the table and, last, the JSON line."""
    configure_logging(sys.stderr, level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="deskhand-bench-") as home:
        try:
            measured: F = asyncio.run(measure(Path(home)))
        except (BenchmarkFailed, DeskhandError) as failure:
            sys.exit(f"{name} failed: {failure}")
    Console().print(table(measured))
    print(json_line(figures(measured)))


def shown(value: float | None, unit: str = "") -> str:
    """A figure for a table: two decimals, or a dash when it could not be measured."""
    return "—" if value is None else f"{value:.2f}{unit}"


def latency_parser(
    prog: str, description: str | None, *, runs: int, runs_help: str
) -> argparse.ArgumentParser:
    """`--latency` (the sandbox's, in seconds) and `--runs`; add a benchmark's own options."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--latency", type=float, default=0.1, help="sandbox latency, seconds")
    parser.add_argument("--runs", type=int, default=runs, help=runs_help)
    return parser


def parse_latency_options(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None
) -> argparse.Namespace:
    options = parser.parse_args(argv)
    if options.runs < 1 or options.latency < 0:
        parser.error("--runs must be at least 1 and --latency not negative")
    return options


def latency_options(
    prog: str, description: str | None, argv: Sequence[str] | None, *, runs: int, runs_help: str
) -> argparse.Namespace:
    """`--latency` (the sandbox's, in seconds) and `--runs`, as the sandbox benchmarks take."""
    parser = latency_parser(prog, description, runs=runs, runs_help=runs_help)
    return parse_latency_options(parser, argv)
