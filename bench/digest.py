"""The three digests of many tenants against the sandbox with Graph's latency: Graph requests
against the fewest the documented page sizes allow, wall time against the critical path, peak
memory, and the speed-up over the obvious per-user reading with msgraph-sdk.

Run it as `python -m bench.digest [--tenants 100] [--users 1000] [--latency 0.05] [--runs 1]`.
The sandbox runs in this process with generated tenants and `--latency` added to every request.
Every tenant's MFA, inactivity and licence digests are read as `/digest … --all` reads them (4
tenants at a time, `bench.digest_read`), with warm tokens:
- requests per tenant, from the sandbox's request log, against `digest_bound.minimum_requests`
  of that tenant's generated data (goal ≤ 1.05x);
- wall time against the critical-path bound: each tenant's longest chain of dependent round
  trips (`digest_bound.chain`), tenants 4 at a time, times the latency (goal ≤ 1.2x). The
  sandbox serves in this process, so its CPU counts in the wall time: the process's CPU time
  during the read is shown beside (`cpu_over_wall` near 1: the read waited on CPU, not Graph).
  So the first tenant is also read alone at `--depth-latency` (1 s), where CPU hardly counts:
  its time in round trips against its own chain (`depth_over_chain`) is the read's shape;
- peak memory, in a process of its own (`bench.digest_memory`) so the sandbox's allocations are
  not counted: the whole read, and one tenant at `--memory-users` and twice as many users, for
  the bytes each further user costs (the read streams pages: it should stay small);
- the baseline, msgraph-sdk one call after another (`bench.msgraph_digest`): on
  `--baseline-tenants` tenants it lists the users and reads what every tenant shares, then
  `--baseline-users` users' details, and is scaled to every user of every tenant, since at
  50 ms the real thing would take hours. The scaled figure is compared both with tenants one
  after another (as the obvious loop goes) and 4 at a time (as the real read goes).
Prints tables, then one line of JSON.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from rich.console import Group as Renderables
from rich.table import Table

from bench.digest_bound import TenantShape, chain, makespan, minimum_requests
from bench.digest_memory import Probe, peak_bytes
from bench.digest_read import TENANTS_AT_ONCE, Clients, Registration, read_all, tenant_clients
from bench.digest_shapes import shape_of
from bench.measure import (
    BenchmarkFailed,
    Requests,
    latency_parser,
    parse_latency_options,
    ratio,
    run_benchmark,
    shown,
)
from commands.kit.formatting import counted
from commands.queries.digests import TenantDigest
from integrations.graph import GraphClient
from sandbox import Sandbox, SandboxOptions, start_sandbox

__all__ = ["DigestFigures", "Setup", "figures_json", "main", "measure_digest", "quick", "render"]

GOAL_REQUESTS = 1.05
GOAL_WALL = 1.2
_ROUND_TRIPS = 5
_MEMORY = ("memory-1x", "memory-2x")


@dataclass(frozen=True)
class Setup:
    tenants: int
    users: int
    latency: float
    runs: int
    baseline_tenants: int
    baseline_users: int
    memory_users: int
    depth_latency: float

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f"tenant{n:03d}" for n in range(1, self.tenants + 1))


@dataclass(frozen=True)
class Baseline:
    """msgraph-sdk one call after another, timed on a few tenants and users (means per tenant)."""

    tenants: int
    users_timed: int
    shared_seconds: float
    """The users listing and the tenant-wide reads."""
    per_user_seconds: float
    shared_requests: float
    per_user_requests: float

    @property
    def timed(self) -> str:
        return f"{counted(self.tenants, 'tenant')} x {counted(self.users_timed, 'user')}"

    def tenant_seconds(self, users: int) -> float:
        return self.shared_seconds + self.per_user_seconds * users

    def tenant_requests(self, users: int) -> float:
        return self.shared_requests + self.per_user_requests * users


@dataclass(frozen=True)
class Memory:
    all_tenants: int
    one_tenant: int
    twice_the_users: int
    users: int

    @property
    def per_user(self) -> float:
        """Bytes each further user of a tenant costs at the peak."""
        return (self.twice_the_users - self.one_tenant) / self.users


@dataclass(frozen=True)
class DigestFigures:
    setup: Setup
    shapes: Mapping[str, TenantShape]
    requests: Mapping[str, Requests]
    """Per tenant, in the last run."""
    seconds: tuple[float, ...]
    cpu_seconds: tuple[float, ...]
    round_trip: float
    memory: Memory
    depth: float
    """Round trips one tenant's read took alone at `depth_latency`, where CPU hardly counts."""
    baseline: Baseline | None
    baseline_problem: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpu_seconds)

    @property
    def minimum(self) -> int:
        return sum(minimum_requests(shape) for shape in self.shapes.values())

    @property
    def sent(self) -> int:
        return sum(self.requests[name].graph for name in self.shapes)

    @property
    def worst(self) -> tuple[str, float]:
        """The tenant whose requests are furthest over its minimum, and by how much."""
        over = {
            name: self.requests[name].graph / minimum_requests(shape)
            for name, shape in self.shapes.items()
        }
        name = max(over, key=over.__getitem__)
        return name, over[name]

    @property
    def first_chain(self) -> int:
        """The critical path of the tenant read alone for `depth`."""
        return chain(self.shapes[self.setup.names[0]])

    @property
    def bound_round_trips(self) -> float:
        chains = [chain(shape) for shape in self.shapes.values()]
        return makespan(chains, TENANTS_AT_ONCE)

    def baseline_seconds(self, slots: int) -> float | None:
        """The baseline scaled to every tenant, `slots` tenants at a time."""
        if self.baseline is None:
            return None
        per_tenant = [self.baseline.tenant_seconds(s.users) for s in self.shapes.values()]
        return makespan(per_tenant, slots)


# -- measuring ---------------------------------------------------------------------------------


async def measure_digest(_home: Path, *, setup: Setup) -> DigestFigures:
    """Seed the sandbox, read every tenant's digests `setup.runs` times, then the baseline and
    the memory probes."""
    generated = {name: setup.users for name in setup.names}
    generated.update(zip(_MEMORY, (setup.memory_users, 2 * setup.memory_users), strict=True))
    async with start_sandbox(SandboxOptions(generated=generated)) as sandbox:
        tenants = [sandbox.tenant(name) for name in setup.names]
        shapes = {t.name: shape_of(t) for t in tenants}
        now = datetime.now(UTC)
        registrations = [Registration.of(t) for t in tenants]
        async with tenant_clients(sandbox.url, sandbox.ca_file, registrations) as clients:
            for each in clients.values():
                await each.sign_in()
            sandbox.options.latency = setup.latency
            round_trip = await _round_trip(next(iter(clients.values())).graph)
            runs = [await _timed_read(sandbox, clients, now) for _ in range(setup.runs)]
            sandbox.options.latency = setup.depth_latency
            first = setup.names[0]
            alone = await _timed_read(sandbox, {first: clients[first]}, now)
            sandbox.options.latency = setup.latency
        baseline, problem = await _baseline(sandbox, setup)
        sandbox.options.latency = 0.0
        memory = await _memory(sandbox, setup, now)
    return DigestFigures(
        setup=setup,
        shapes=shapes,
        requests=runs[-1].requests,
        seconds=tuple(run.seconds for run in runs),
        cpu_seconds=tuple(run.cpu_seconds for run in runs),
        round_trip=round_trip,
        memory=memory,
        depth=alone.seconds / setup.depth_latency,
        baseline=baseline,
        baseline_problem=problem,
    )


async def _round_trip(graph: GraphClient) -> float:
    """The median of a few plain GETs through Deskhand's Graph client, warm."""
    samples = []
    for _ in range(_ROUND_TRIPS):
        started = time.perf_counter()
        await graph.get("/organization", select=("id",))
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


@dataclass(frozen=True)
class TimedRead:
    seconds: float
    cpu_seconds: float
    """This process's CPU time meanwhile: Deskhand's and the sandbox's, which serves in it."""
    requests: Mapping[str, Requests]


async def _timed_read(sandbox: Sandbox, clients: Mapping[str, Clients], now: datetime) -> TimedRead:
    mark = len(sandbox.requests)
    started, cpu = time.perf_counter(), time.process_time()
    digests = await read_all(clients, now)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    _check(digests)
    return TimedRead(seconds, cpu, Requests.by_tenant(sandbox.requests[mark:]))


def _check(digests: Mapping[str, TenantDigest]) -> None:
    for name, digest in digests.items():
        if digest.mfa is None or digest.inactive is None or digest.licenses is None:
            raise BenchmarkFailed(f"{name}: a digest is missing ({'; '.join(digest.unknown)})")


async def _memory(sandbox: Sandbox, setup: Setup, now: datetime) -> Memory:
    def probe(names: Sequence[str]) -> Probe:
        tenants = tuple(Registration.of(sandbox.tenant(name)) for name in names)
        return Probe(sandbox.url, str(sandbox.ca_file), now.isoformat(), tenants)

    return Memory(
        all_tenants=await peak_bytes(probe(setup.names)),
        one_tenant=await peak_bytes(probe(_MEMORY[:1])),
        twice_the_users=await peak_bytes(probe(_MEMORY[1:])),
        users=setup.memory_users,
    )


async def _baseline(sandbox: Sandbox, setup: Setup) -> tuple[Baseline | None, str]:
    """The SDK baseline, or none and the reason (msgraph-sdk is an optional dependency)."""
    try:
        from bench.msgraph_baseline import SDK_ERRORS
        from bench.msgraph_digest import sdk_baseline
    except ImportError:
        return None, "msgraph-sdk is not installed (pip install -e '.[bench]')"
    names = setup.names[: setup.baseline_tenants]
    try:
        timed = [await sdk_baseline(sandbox, name, setup.baseline_users) for name in names]
    except SDK_ERRORS as error:
        return None, f"msgraph-sdk could not read from the sandbox ({type(error).__name__})"
    return Baseline(
        tenants=len(timed),
        users_timed=setup.baseline_users,
        shared_seconds=statistics.mean(t.shared_seconds for t in timed),
        per_user_seconds=statistics.mean(t.per_user_seconds for t in timed),
        shared_requests=statistics.mean(t.shared_requests for t in timed),
        per_user_requests=statistics.mean(t.per_user_requests for t in timed),
    ), ""


# -- output ------------------------------------------------------------------------------------


def figures_json(figures: DigestFigures) -> dict[str, object]:
    """The issue's figures first, then the details and the settings."""
    setup, memory = figures.setup, figures.memory
    bound = figures.bound_round_trips * setup.latency
    requests_ratio = ratio(figures.sent, figures.minimum)
    wall_ratio = ratio(figures.wall, bound)
    one_by_one = figures.baseline_seconds(1)
    side_by_side = figures.baseline_seconds(TENANTS_AT_ONCE)
    worst, worst_ratio = figures.worst
    baseline = figures.baseline
    out: dict[str, object] = {
        "bench": "digest",
        "requests_over_minimum": requests_ratio,
        "wall_over_bound": wall_ratio,
        "depth_over_chain": ratio(figures.depth, figures.first_chain),
        "peak_bytes": memory.all_tenants,
        "bytes_per_user": round(memory.per_user),
        "speedup_vs_msgraph_sdk": ratio(side_by_side, figures.wall),
        "speedup_vs_msgraph_sdk_one_tenant_at_a_time": ratio(one_by_one, figures.wall),
        "goal_requests_met": requests_ratio is not None and requests_ratio <= GOAL_REQUESTS,
        "goal_wall_met": wall_ratio is not None and wall_ratio <= GOAL_WALL,
        "requests_per_tenant": round(figures.sent / setup.tenants, 1),
        "minimum_per_tenant": round(figures.minimum / setup.tenants, 1),
        "worst_tenant": worst,
        "worst_tenant_over_minimum": round(worst_ratio, 2),
        "wall_ms": round(figures.wall * 1000, 1),
        "bound_ms": round(bound * 1000, 1),
        "bound_round_trips": figures.bound_round_trips,
        "depth_round_trips": round(figures.depth, 1),
        "chain_round_trips": figures.first_chain,
        "depth_latency_ms": round(setup.depth_latency * 1000, 1),
        "rtt_ms": round(figures.round_trip * 1000, 1),
        "wall_over_bound_at_measured_rtt": ratio(
            figures.wall, figures.bound_round_trips * figures.round_trip
        ),
        "cpu_ms": round(figures.cpu * 1000, 1),
        "cpu_over_wall": ratio(figures.cpu, figures.wall),
        "exchange_requests_per_tenant": round(
            sum(r.exchange for r in figures.requests.values()) / setup.tenants, 1
        ),
        "token_requests": sum(r.login for r in figures.requests.values()),
        "peak_one_tenant_bytes": memory.one_tenant,
        "peak_twice_the_users_bytes": memory.twice_the_users,
        "memory_users": memory.users,
        "msgraph_sdk_ms_scaled": _ms(side_by_side),
        "msgraph_sdk_one_tenant_at_a_time_ms_scaled": _ms(one_by_one),
        "msgraph_sdk_requests_per_tenant_scaled": (
            round(baseline.tenant_requests(setup.users), 1) if baseline else None
        ),
        "msgraph_sdk_scaled_from": (baseline.timed if baseline else None),
        "tenants": setup.tenants,
        "users": setup.users,
        "latency_ms": round(setup.latency * 1000, 1),
        "runs": len(figures.seconds),
    }
    if figures.baseline_problem:
        out["msgraph_sdk_unavailable"] = figures.baseline_problem
    return out


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def render(figures: DigestFigures) -> Renderables:
    return Renderables(_requests_table(figures), _time_table(figures), _memory_table(figures))


def _requests_table(figures: DigestFigures) -> Table:
    setup = figures.setup
    table = Table(
        title=f"Graph requests, {setup.tenants} tenants x {setup.users} users, all three digests",
        caption=f"goal: ≤ {GOAL_REQUESTS:g}x the minimum the documented page sizes allow",
    )
    for column in ("", "requests", "minimum", "over the minimum"):
        table.add_column(column, justify="left" if not column else "right")
    table.add_row(
        "all tenants",
        str(figures.sent),
        str(figures.minimum),
        shown(ratio(figures.sent, figures.minimum), "x"),
    )
    worst, over = figures.worst
    table.add_row(
        f"worst tenant ({worst})",
        str(figures.requests[worst].graph),
        str(minimum_requests(figures.shapes[worst])),
        shown(over, "x"),
    )
    if figures.baseline is not None:
        per_tenant = figures.baseline.tenant_requests(setup.users)
        table.add_row("msgraph-sdk 1 by 1, per tenant (scaled)", f"{per_tenant:.0f}")
    return table


def _time_table(figures: DigestFigures) -> Table:
    setup = figures.setup
    bound = figures.bound_round_trips * setup.latency
    notes = [
        f"goal: ≤ {GOAL_WALL:g}x the critical path ({figures.bound_round_trips:g} round trips "
        f"of {setup.latency * 1000:.0f} ms, {TENANTS_AT_ONCE} tenants at a time)"
    ]
    if figures.baseline is not None:
        notes.append(
            f"msgraph-sdk timed on {figures.baseline.timed}, "
            f"scaled to {setup.tenants} x {setup.users}"
        )
    else:
        notes.append(f"msgraph-sdk unavailable: {figures.baseline_problem}")
    table = Table(
        title=f"wall time, median of {len(figures.seconds)} runs", caption="\n".join(notes)
    )
    for column in ("case", "ms", "over the bound", "speed-up"):
        table.add_column(column, justify="left" if column == "case" else "right")
    table.add_row("one round trip (a GET)", f"{figures.round_trip * 1000:.1f}")
    table.add_row("critical-path bound", f"{bound * 1000:.0f}", "1.00")
    table.add_row(
        "digest read (--all)", f"{figures.wall * 1000:.0f}", shown(ratio(figures.wall, bound), "x")
    )
    table.add_row("  CPU meanwhile (Deskhand and the sandbox)", f"{figures.cpu * 1000:.0f}")
    table.add_row(
        f"one tenant alone at {setup.depth_latency * 1000:.0f} ms latency, in round trips",
        f"{figures.depth:.1f}",
        shown(ratio(figures.depth, figures.first_chain), "x"),
    )
    for slots, label in (
        (TENANTS_AT_ONCE, f"{TENANTS_AT_ONCE} tenants at a time"),
        (1, "tenant by tenant"),
    ):
        seconds = figures.baseline_seconds(slots)
        if seconds is not None:
            table.add_row(
                f"msgraph-sdk 1 by 1, {label} (scaled)",
                f"{seconds * 1000:.0f}",
                shown(ratio(seconds, bound), "x"),
                shown(ratio(seconds, figures.wall), "x"),
            )
    return table


def _memory_table(figures: DigestFigures) -> Table:
    memory = figures.memory
    table = Table(
        title="peak memory of the read (tracemalloc, in a process of its own)",
        caption=f"per further user: {memory.per_user:.0f} bytes",
    )
    table.add_column("read")
    table.add_column("peak MiB", justify="right")
    rows = (
        (f"all {figures.setup.tenants} tenants", memory.all_tenants),
        (f"one tenant, {memory.users} users", memory.one_tenant),
        (f"one tenant, {2 * memory.users} users", memory.twice_the_users),
    )
    for label, peak in rows:
        table.add_row(label, f"{peak / 2**20:.2f}")
    return table


def main(argv: Sequence[str] | None = None) -> None:
    parser = latency_parser("python -m bench.digest", __doc__, runs=1, runs_help="timed reads")
    parser.set_defaults(latency=0.05)
    parser.add_argument("--tenants", type=int, default=100, help="generated tenants")
    parser.add_argument("--users", type=int, default=1000, help="users per tenant")
    parser.add_argument("--baseline-tenants", type=int, default=2, help="msgraph-sdk's tenants")
    parser.add_argument("--baseline-users", type=int, default=30, help="users it reads in each")
    parser.add_argument("--memory-users", type=int, default=300, help="users of the memory probe")
    parser.add_argument(
        "--depth-latency", type=float, default=1.0, help="latency of the one-tenant read, seconds"
    )
    options = parse_latency_options(parser, argv)
    if min(options.tenants, options.users, options.memory_users) < 1 or options.depth_latency <= 0:
        parser.error("tenants and users must be at least 1, --depth-latency above 0")
    setup = Setup(
        tenants=options.tenants,
        users=options.users,
        latency=options.latency,
        runs=options.runs,
        baseline_tenants=min(options.baseline_tenants, options.tenants),
        baseline_users=min(options.baseline_users, options.users),
        memory_users=options.memory_users,
        depth_latency=options.depth_latency,
    )
    run_benchmark("bench.digest", partial(measure_digest, setup=setup), render, figures_json)


def quick(argv: Sequence[str] | None = None) -> None:
    """`python -m bench`'s variant: a few small tenants."""
    main(["--tenants", "8", "--users", "200", "--memory-users", "100", *(argv or ())])


if __name__ == "__main__":
    main()
