"""/user against the sandbox with Graph's latency: how close to one round trip, and how much
faster than the same screen fetched one request at a time.

Run it as `python -m bench.lookup [--latency 0.1] [--runs 7]`. Measured in one run, on one
sandbox, with warm tokens: one plain GET through Deskhand's Graph client (the round trip),
`/user` by UPN and by name fragment through the router (the real path, audit log included),
and two baselines for each: Deskhand's own client sending the screen's requests one after
another, and msgraph-sdk used the obvious way. Goals: UPN ≤ 1.3 and fragment ≤ 2.3 round
trips, and at least 3x faster than each baseline. Prints a table, then one line of JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from rich.table import Table

from bench.measure import (
    BenchmarkFailed,
    Case,
    latency_options,
    median_seconds,
    ratio,
    run_benchmark,
    shown,
)
from bot.config import load_settings
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime, open_runtime
from commands.kit.context import Actor
from commands.queries.people import CANDIDATE_FIELDS, candidate_query, find_candidates
from commands.user import screen_requests
from integrations.graph import GraphClient, user_path
from sandbox import Sandbox, SandboxOptions

__all__ = ["FRAGMENT", "UPN", "LookupFigures", "main", "measure_lookup"]

UPN = "adele.vance@contoso.com"
FRAGMENT = "adele"
_ACTOR = Actor("console:bench", "Benchmark")
_ROUND_TRIP = "one round trip (a GET)"
_SEQUENTIAL = "  Deskhand client, 1 by 1"
_SDK = "  msgraph-sdk, 1 by 1"
_WAYS = {"upn": "/user by UPN", "fragment": f"/user by fragment {FRAGMENT!r}"}
_COMMANDS = {"upn": f"/user {UPN}", "fragment": f"/user {FRAGMENT}"}


@dataclass(frozen=True)
class LookupFigures:
    """Median seconds by case name; `sdk_problem` says why msgraph-sdk was not measured."""

    medians: Mapping[str, float]
    latency: float
    runs: int
    sdk_problem: str = ""


async def measure_lookup(home: Path, *, latency: float, runs: int) -> LookupFigures:
    """Start Deskhand on the sandbox in `home` and time every case."""
    settings = load_settings(home=home, tenants={})
    sandbox_options = SandboxOptions(latency=latency)
    async with (
        open_runtime(settings, operators=(_ACTOR,), sandbox_options=sandbox_options) as runtime,
        AsyncExitStack() as stack,
    ):
        if runtime.sandbox is None:
            raise BenchmarkFailed("Deskhand did not start its sandbox; configure no tenants")
        tenant = runtime.router.tenants.resolve(None)
        graph = runtime.router.tenants.client(tenant)
        if graph is None:
            raise BenchmarkFailed(f"no Graph client for tenant {tenant.name}")
        cases = _deskhand_cases(runtime, graph)
        sdk, problem = await _sdk_cases(stack, runtime.sandbox, tenant.name)
        medians = await median_seconds({**cases, **sdk}, runs)
    return LookupFigures(medians, latency, runs, problem)


def _deskhand_cases(runtime: Runtime, graph: GraphClient) -> dict[str, Case]:
    return {
        "round_trip": partial(graph.get, user_path(UPN), select=("id",)),
        "upn": partial(_ask, runtime, _COMMANDS["upn"]),
        "fragment": partial(_ask, runtime, _COMMANDS["fragment"]),
        "sequential_upn": partial(_sequential_screen, graph, UPN),
        "sequential_fragment": partial(_sequential_search, graph, FRAGMENT),
    }


async def _ask(runtime: Runtime, text: str) -> None:
    reply = await runtime.router.handle(Invocation(channel="console", actor=_ACTOR, text=text))
    if reply.failed or not reply.title.endswith(f"({UPN})"):
        raise BenchmarkFailed(f"{text!r} did not show {UPN}: {reply.title or reply.blocks}")


async def _sequential_screen(graph: GraphClient, key: str) -> None:
    """The requests of `fetch_user_screen`, awaited one by one instead of batched."""
    path = user_path(key)
    for request in screen_requests(key, path):
        await graph.get(request.path, select=(), params=request.params)
    await graph.get(f"{path}/authentication/requirements", select=(), version="beta")


async def _sequential_search(graph: GraphClient, fragment: str) -> None:
    candidates = await find_candidates(graph, fragment)
    if not candidates:
        raise BenchmarkFailed(f"no user matches {fragment!r}")
    await _sequential_screen(graph, candidates[0].id)


async def _sdk_cases(
    stack: AsyncExitStack, sandbox: Sandbox, tenant: str
) -> tuple[dict[str, Case], str]:
    """The msgraph-sdk cases, or none and the reason (it is an optional dependency)."""
    try:
        from bench.msgraph_baseline import open_sdk_lookup
    except ImportError:
        return {}, "msgraph-sdk is not installed (pip install -e '.[bench]')"
    try:
        sdk = await stack.enter_async_context(
            open_sdk_lookup(sandbox, sandbox.tenant(tenant), probe=UPN)
        )
    except BenchmarkFailed as failure:
        return {}, str(failure)
    search = {**candidate_query(FRAGMENT), "$select": ",".join(CANDIDATE_FIELDS)}

    async def fragment() -> None:
        await sdk.screen(await sdk.search(search))

    return {"sdk_upn": partial(sdk.screen, UPN), "sdk_fragment": fragment}, ""


def figures_json(figures: LookupFigures) -> dict[str, object]:
    """Ratios first, then the medians in milliseconds and the settings."""
    m = {name: seconds * 1000 for name, seconds in figures.medians.items()}
    out: dict[str, object] = {
        "upn_over_round_trip": ratio(m["upn"], m["round_trip"]),
        "fragment_over_round_trip": ratio(m["fragment"], m["round_trip"]),
    }
    for way in _WAYS:
        out[f"speedup_{way}_vs_sequential"] = ratio(m[f"sequential_{way}"], m[way])
        out[f"speedup_{way}_vs_msgraph_sdk"] = ratio(m.get(f"sdk_{way}"), m[way])
    out["round_trip_ms"] = round(m["round_trip"], 1)
    for way in _WAYS:
        out[f"{way}_ms"] = round(m[way], 1)
        out[f"sequential_{way}_ms"] = round(m[f"sequential_{way}"], 1)
        sdk = m.get(f"sdk_{way}")
        out[f"msgraph_sdk_{way}_ms"] = round(sdk, 1) if sdk is not None else None
    out["latency_ms"] = round(figures.latency * 1000, 1)
    out["runs"] = figures.runs
    if figures.sdk_problem:
        out["msgraph_sdk_unavailable"] = figures.sdk_problem
    return out


def render_table(figures: LookupFigures) -> Table:
    m = {name: seconds * 1000 for name, seconds in figures.medians.items()}
    notes = ["goals: by UPN ≤ 1.3 round trips, by fragment ≤ 2.3, speed-ups ≥ 3x"]
    if figures.sdk_problem:
        notes.append(f"msgraph-sdk unavailable: {figures.sdk_problem}")
    table = Table(
        title=f"/user {UPN}, sandbox latency {figures.latency * 1000:.0f} ms, "
        f"median of {figures.runs} runs",
        caption="\n".join(notes),
    )
    table.add_column("case", no_wrap=True)
    for column in ("median ms", "round trips", "speed-up vs 1 by 1", "vs the SDK"):
        table.add_column(column, justify="right")
    table.add_row(_ROUND_TRIP, f"{m['round_trip']:.1f}", "1.00")
    for way, label in _WAYS.items():
        rows = {label: m[way], _SEQUENTIAL: m[f"sequential_{way}"], _SDK: m.get(f"sdk_{way}")}
        for case, ms in rows.items():
            speedups = (
                [shown(ratio(rows[_SEQUENTIAL], ms), "x"), shown(ratio(rows[_SDK], ms), "x")]
                if case == label
                else []
            )
            median = "unavailable" if ms is None else f"{ms:.1f}"
            table.add_row(case, median, shown(ratio(ms, m["round_trip"])), *speedups)
    return table


def main(argv: Sequence[str] | None = None) -> None:
    options = latency_options(
        "python -m bench.lookup", __doc__, argv, runs=7, runs_help="timed runs of each case"
    )
    run_benchmark(
        "bench.lookup",
        partial(measure_lookup, latency=options.latency, runs=options.runs),
        render_table,
        figures_json,
    )


if __name__ == "__main__":
    main()
