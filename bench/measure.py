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
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console, RenderableType

from bot.process.logs import configure_logging
from core.errors import DeskhandError

__all__ = [
    "BenchmarkFailed",
    "Case",
    "json_line",
    "latency_options",
    "median_seconds",
    "ratio",
    "run_benchmark",
    "shown",
]

F = TypeVar("F")

Case = Callable[[], Awaitable[object]]


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


def latency_options(
    prog: str, description: str | None, argv: Sequence[str] | None, *, runs: int, runs_help: str
) -> argparse.Namespace:
    """`--latency` (the sandbox's, in seconds) and `--runs`, as the sandbox benchmarks take."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--latency", type=float, default=0.1, help="sandbox latency, seconds")
    parser.add_argument("--runs", type=int, default=runs, help=runs_help)
    options = parser.parse_args(argv)
    if options.runs < 1 or options.latency < 0:
        parser.error("--runs must be at least 1 and --latency not negative")
    return options
