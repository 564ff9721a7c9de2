"""/offboard against the sandbox with Graph's latency: how many round trips deep a full
offboarding is, and how much faster than the same steps run one after another.

Run it as `python -m bench.offboard [--latency 0.1] [--runs 1]`. Deskhand runs on its embedded
sandbox (in this process, as `bench.lookup` does) with `--latency` added to every request.
Each run seeds two identical leavers into Contoso (5 licences, 30 groups — 22 through Graph, 8
distribution lists and mail-enabled security groups through Exchange, owner of 2 of them — a
mailbox with rules, delegates, calendar permissions and 2 phones, a manager) and offboards them
with every toggle but the delayed delete:
- the real path: `/offboard` through the router (the plan, timed on its own), a console
  confirm click, and the job DBOS runs round by round, until its workflow has ended;
- the baseline: the same `Step`s (`offboard_steps` on a plan made directly) awaited one by one
  in declared order, on the second leaver.
A third leaver is offboarded first, untimed (DBOS, tokens, connections). Requests are counted
from the sandbox's request log. Goals: the job ≤ 5 round trips deep, ≥ 5x faster than one by
one. Prints a table and where the job's time went, then one line of JSON.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from rich.console import Group as Renderables
from rich.table import Table

from bench.measure import (
    BenchmarkFailed,
    Requests,
    latency_options,
    ratio,
    run_benchmark,
    shown,
)
from bot.approvals.cards import parse_action
from bot.config import load_settings
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime, open_runtime
from bot.store.jobs import StepRow, load_steps
from cards.reply import Reply
from commands.kit.context import CommandContext
from commands.kit.steps import Step, StepState, waves
from commands.offboard import OffboardArgs, plan_offboard
from commands.offboard_steps import offboard_steps
from core.identity import Actor, TenantInfo
from integrations.graph import GraphClient, user_path
from sandbox import Sandbox, SandboxOptions
from sandbox.exchange.mailboxes import (
    Delegate,
    FolderGrant,
    MailboxState,
    MobileDevice,
    Rule,
    rule_id,
)
from sandbox.seeds.builder import GroupSpec, Person, TenantBuilder, object_id
from sandbox.seeds.contoso import CONTOSO_SKUS

__all__ = ["OffboardFigures", "main", "measure_offboard", "seed_leaver"]

_ACTOR = Actor("console:bench", "Benchmark")
_TENANT = "contoso"
_MANAGER = "adele.vance"
_CO_OWNER = "megan.bowen"
_FORWARD_TO = "megan.bowen@contoso.com"
_OOO = "I have left Contoso. Please write to megan.bowen@contoso.com."
_GROUP_KINDS = (("m365", 12), ("security", 10), ("distribution", 5), ("mail-security", 3))
_OWNED = 2
_ROUND_TRIPS = 5
_DONE = (StepState.DONE, StepState.SKIPPED)
GOAL_DEPTH = 5.0
GOAL_SPEEDUP = 5.0


# -- the leavers -----------------------------------------------------------------------------


def seed_leaver(sandbox: Sandbox, key: str) -> str:
    """A leaver `key@contoso.com` in the sandbox's Contoso, as the module docstring describes;
    the demo's seed is left as it is. Returns the UPN."""
    tenant = sandbox.tenant(_TENANT)
    builder = TenantBuilder(tenant.name, tenant.domain, tenant.directory.display_name, _now())
    person = Person(
        key,
        "Bench",
        key.title(),
        job="Account Manager",
        department="Sales",
        manager=_MANAGER,
        skus=tuple(part for part, *_ in CONTOSO_SKUS),
        methods=("fido2", "microsoftAuthenticator"),
    )
    user = builder.add_person(person)
    tenant.directory.add_user(user)
    for spec in _group_specs(key):
        builder.add_group(spec)
    tenant.directory.groups.update(builder.directory.groups)
    # A colleague holds the mailbox and the calendar now; the manager is granted the mailbox.
    tenant.exchange.put(user.id, _mailbox(user.id, builder.id("user", _CO_OWNER), key))
    return user.user_principal_name


def _group_specs(key: str) -> list[GroupSpec]:
    specs: list[GroupSpec] = []
    for kind, count in _GROUP_KINDS:
        for n in range(1, count + 1):
            owned = kind == "m365" and n <= _OWNED
            specs.append(
                GroupSpec(
                    f"{key}-{kind}-{n}",
                    f"{key} {kind} {n}",
                    kind,
                    members=(key, _CO_OWNER),
                    owners=(key, _CO_OWNER) if owned else (),
                    team=kind == "m365" and n % 2 == 0,
                )
            )
    return specs


def _mailbox(user_id: str, colleague: str, key: str) -> MailboxState:
    rules = tuple(
        Rule(rule_id(user_id, n), n, f"Rule {n}", n, sender_contains=(f"{key}-{n}",))
        for n in (1, 2, 3)
    )
    devices = tuple(
        MobileDevice(
            guid=object_id(_TENANT, "device", f"{key}:{n}"),
            device_id=f"BENCH{n}{key.upper()}"[:32],
            device_type="iPhone",
            device_model="iPhone15C2",
            friendly_name=f"{key}'s phone {n}",
            device_os="iOS 17.4.1",
            first_sync="2025-02-11T08:14:32Z",
        )
        for n in (1, 2)
    )
    return MailboxState(
        rules=rules,
        full_access=(Delegate(colleague),),
        calendar=(FolderGrant(colleague, ("Editor",)),),
        devices=devices,
    )


def _now() -> datetime:
    return datetime.now(UTC)


# -- one offboarding each way ----------------------------------------------------------------


@dataclass(frozen=True)
class RoundSpan:
    """One round of the job as its step rows tell it."""

    steps: int
    seconds: float
    slowest: str
    slowest_seconds: float


@dataclass(frozen=True)
class JobRun:
    plan_seconds: float
    plan_requests: Requests
    seconds: float
    requests: Requests
    before_steps: float
    """From the click to the first step's start: the workflow's begin and the check that
    plans again (the target unchanged?), and storing the step rows."""
    rounds: tuple[RoundSpan, ...]
    after_steps: float
    """From the last step's end to the workflow's result: settling the job, the final card."""
    steps: int


@dataclass(frozen=True)
class StepCost:
    key: str
    seconds: float
    requests: Requests


@dataclass(frozen=True)
class SequentialRun:
    seconds: float
    requests: Requests
    steps: tuple[StepCost, ...]


@dataclass(frozen=True)
class Run:
    job: JobRun
    sequential: SequentialRun
    rounds: float
    """The same steps in the job's rounds, gathered without the job engine."""


def _command(upn: str) -> str:
    return f"/offboard {upn} --forward-to {_FORWARD_TO} --ooo {_OOO!r} --reason benchmark"


async def _ask(runtime: Runtime, text: str = "", action: str = "") -> Reply:
    invocation = Invocation(channel="console", actor=_ACTOR, text=text, action=action, private=True)
    return await runtime.router.handle(invocation)


def _confirm_button(reply: Reply, upn: str) -> tuple[str, str]:
    """(action id, the Confirm button's id) of the confirmation card."""
    for button in reply.buttons:
        decision = parse_action(button.action_id)
        if decision is not None and decision[1] == "confirm":
            return decision[0], button.action_id
    raise BenchmarkFailed(f"/offboard {upn} was not offered for confirmation: {reply.title}")


async def offboard_job(runtime: Runtime, upn: str) -> JobRun:
    """`/offboard`, a confirm click, and the job to its end, through the router and DBOS."""
    sandbox, desk = _sandbox(runtime), runtime.router.desk
    assert desk is not None, "open_runtime gives the router its desk"
    mark = len(sandbox.requests)
    started = time.perf_counter()
    card = await _ask(runtime, _command(upn))
    plan_seconds = time.perf_counter() - started
    action_id, confirm = _confirm_button(card, upn)
    plan_requests = Requests.of(sandbox.requests[mark:])
    mark, clicked = len(sandbox.requests), _now()
    started = time.perf_counter()
    await _ask(runtime, action=confirm)
    outcome = await desk.jobs.outcome(action_id)
    seconds = time.perf_counter() - started
    ended = clicked + timedelta(seconds=seconds)
    async with runtime.store.engine.connect() as conn:
        rows = await load_steps(conn, action_id)
    _check_rows(rows, upn)
    if outcome.get("state") != "done":
        raise BenchmarkFailed(f"the offboarding of {upn} ended {outcome}, not done")
    return JobRun(
        plan_seconds=plan_seconds,
        plan_requests=plan_requests,
        seconds=seconds,
        requests=Requests.of(sandbox.requests[mark:]),
        before_steps=(_first_start(rows) - clicked).total_seconds(),
        rounds=_round_spans(rows),
        after_steps=(ended - _last_end(rows)).total_seconds(),
        steps=len(rows),
    )


def _check_rows(rows: Sequence[StepRow], upn: str) -> None:
    unfinished = [f"{r.key}: {r.state.value} {r.error}" for r in rows if r.state not in _DONE]
    if not rows or unfinished:
        raise BenchmarkFailed(f"the offboarding of {upn} left steps: {unfinished or 'none ran'}")


def _first_start(rows: Sequence[StepRow]) -> datetime:
    return min(r.started_at or r.finished_at or _now() for r in rows)


def _last_end(rows: Sequence[StepRow]) -> datetime:
    return max(r.finished_at or _now() for r in rows)


def _round_spans(rows: Sequence[StepRow]) -> tuple[RoundSpan, ...]:
    """Rows grouped as the job ran them (`waves`: a row comes after its predecessors)."""
    depth: dict[str, int] = {}
    for row in rows:
        depth[row.key] = 1 + max((depth[key] for key in row.after), default=0)
    spans = []
    for number in range(1, max(depth.values()) + 1):
        ran = [row for row in rows if depth[row.key] == number]
        took = {row.label: _took(row) for row in ran}
        slowest = max(took, key=took.__getitem__)
        seconds = (_last_end(ran) - _first_start(ran)).total_seconds()
        spans.append(RoundSpan(len(ran), seconds, slowest, took[slowest]))
    return tuple(spans)


def _took(row: StepRow) -> float:
    if row.started_at is None or row.finished_at is None:
        return 0.0
    return (row.finished_at - row.started_at).total_seconds()


@dataclass
class _Delivered:
    """A step's `StepContext` outside the job: the password is kept from the output."""

    command: CommandContext
    secrets: list[str] = field(default_factory=list)

    async def deliver_secret(self, title: str, secret: str) -> bool:
        self.secrets.append(title)
        return True


async def _planned_steps(runtime: Runtime, upn: str) -> tuple[list[Step], _Delivered]:
    """The job's steps for `upn`, planned directly in the context a job runs in (untimed)."""
    ctx = runtime.contexts.for_action(
        _ACTOR, _contoso(runtime), request_id=f"bench-{upn}", channel="console", private=True
    )
    args = OffboardArgs.model_validate(
        {"user": upn, "forward_to": _FORWARD_TO, "ooo": _OOO, "reason": "benchmark"}
    )
    return list(offboard_steps(ctx, args, await plan_offboard(ctx, args))), _Delivered(ctx)


async def one_by_one(runtime: Runtime, upn: str) -> SequentialRun:
    """The job's steps for `upn` awaited one after another in declared order."""
    sandbox = _sandbox(runtime)
    steps, running = await _planned_steps(runtime, upn)
    costs: list[StepCost] = []
    mark = len(sandbox.requests)
    for step in steps:
        before, started = len(sandbox.requests), time.perf_counter()
        await step.run(running)
        took = time.perf_counter() - started
        costs.append(StepCost(step.label, took, Requests.of(sandbox.requests[before:])))
    return SequentialRun(
        sum(c.seconds for c in costs), Requests.of(sandbox.requests[mark:]), tuple(costs)
    )


async def in_rounds(runtime: Runtime, upn: str) -> float:
    """Seconds for the job's steps for `upn` in the job's rounds (`waves`), gathered here: the
    job without DBOS, step rows, audit or cards, to tell the engine's cost from the requests'."""
    steps, running = await _planned_steps(runtime, upn)
    started = time.perf_counter()
    for wave in waves(steps):
        await asyncio.gather(*(step.run(running) for step in wave))
    return time.perf_counter() - started


def _sandbox(runtime: Runtime) -> Sandbox:
    if runtime.sandbox is None:
        raise BenchmarkFailed("Deskhand did not start its sandbox; configure no tenants")
    return runtime.sandbox


# -- measuring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OffboardFigures:
    round_trip: float
    runs: tuple[Run, ...]
    latency: float

    @property
    def job(self) -> float:
        return statistics.median([r.job.seconds for r in self.runs])

    @property
    def sequential(self) -> float:
        return statistics.median([r.sequential.seconds for r in self.runs])

    @property
    def rounds(self) -> float:
        return statistics.median([r.rounds for r in self.runs])

    @property
    def plan(self) -> float:
        return statistics.median([r.job.plan_seconds for r in self.runs])

    @property
    def last(self) -> Run:
        """The run whose details are shown: the one with the median job time."""
        ranked = sorted(self.runs, key=lambda r: r.job.seconds)
        return ranked[(len(ranked) - 1) // 2]


async def measure_offboard(home: Path, *, latency: float, runs: int) -> OffboardFigures:
    """Start Deskhand on the sandbox in `home`, warm it with one offboarding, then time `runs`
    offboardings each way, taking turns which goes first."""
    settings = load_settings(home=home, tenants={})
    options = SandboxOptions(latency=latency)
    async with open_runtime(settings, operators=(_ACTOR,), sandbox_options=options) as runtime:
        sandbox = _sandbox(runtime)
        warm = seed_leaver(sandbox, "leaver.warm")
        leavers = [
            tuple(seed_leaver(sandbox, f"leaver.{way}{n}") for way in ("job", "seq", "gather"))
            for n in range(1, runs + 1)
        ]
        await offboard_job(runtime, warm)
        round_trip = await _round_trip(_graph(runtime), warm)
        measured = [
            await _run(runtime, (job, sequential, gathered), job_first=n % 2 == 0)
            for n, (job, sequential, gathered) in enumerate(leavers)
        ]
    return OffboardFigures(round_trip, tuple(measured), latency)


async def _run(runtime: Runtime, leavers: tuple[str, str, str], *, job_first: bool) -> Run:
    job_leaver, sequential_leaver, rounds_leaver = leavers
    if job_first:
        job = await offboard_job(runtime, job_leaver)
        sequential = await one_by_one(runtime, sequential_leaver)
    else:
        sequential = await one_by_one(runtime, sequential_leaver)
        job = await offboard_job(runtime, job_leaver)
    return Run(job, sequential, await in_rounds(runtime, rounds_leaver))


def _contoso(runtime: Runtime) -> TenantInfo:
    directory = runtime.router.tenants
    return next(tenant for tenant in directory.tenants if tenant.name == _TENANT)


def _graph(runtime: Runtime) -> GraphClient:
    graph = runtime.router.tenants.client(_contoso(runtime))
    if graph is None:
        raise BenchmarkFailed(f"no Graph client for {_TENANT}")
    return graph


async def _round_trip(graph: GraphClient, upn: str) -> float:
    """The median of a few plain GETs through Deskhand's Graph client, warm."""
    samples = []
    for _ in range(_ROUND_TRIPS):
        started = time.perf_counter()
        await graph.get(user_path(upn), select=("id",))
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


# -- output ----------------------------------------------------------------------------------


def figures_json(figures: OffboardFigures) -> dict[str, object]:
    """The figures the issue asks for first, then the details and the settings."""
    rtt, last = figures.round_trip, figures.last
    depth = ratio(figures.job, rtt)
    speedup = ratio(figures.sequential, figures.job)
    out: dict[str, object] = {
        "bench": "offboard",
        "rtt_ms": round(rtt * 1000, 1),
        "job_ms": round(figures.job * 1000, 1),
        "depth": depth,
        "sequential_ms": round(figures.sequential * 1000, 1),
        "speedup": speedup,
        "graph_requests": last.job.requests.graph,
        "exchange_requests": last.job.requests.exchange,
        "plan_ms": round(figures.plan * 1000, 1),
        "goal_depth_met": depth is not None and depth <= GOAL_DEPTH,
        "goal_speedup_met": speedup is not None and speedup >= GOAL_SPEEDUP,
        "plan_depth": ratio(figures.plan, rtt),
        "plan_graph_requests": last.job.plan_requests.graph,
        "plan_exchange_requests": last.job.plan_requests.exchange,
        "token_requests": last.job.requests.login,
        "sequential_depth": ratio(figures.sequential, rtt),
        "sequential_graph_requests": last.sequential.requests.graph,
        "sequential_exchange_requests": last.sequential.requests.exchange,
        "rounds_without_engine_ms": round(figures.rounds * 1000, 1),
        "rounds_without_engine_depth": ratio(figures.rounds, rtt),
        "steps": last.job.steps,
        "before_steps_depth": ratio(last.job.before_steps, rtt),
        "round_depths": [ratio(span.seconds, rtt) for span in last.job.rounds],
        "after_steps_depth": ratio(last.job.after_steps, rtt),
        "latency_ms": round(figures.latency * 1000, 1),
        "runs": len(figures.runs),
    }
    return out


def render(figures: OffboardFigures) -> Renderables:
    return Renderables(_summary(figures), _where(figures), _costliest(figures))


def _summary(figures: OffboardFigures) -> Table:
    rtt, last = figures.round_trip, figures.last
    table = Table(
        title=f"/offboard, {last.job.steps} steps, sandbox latency "
        f"{figures.latency * 1000:.0f} ms, median of {len(figures.runs)} runs",
        caption=f"goals: the job ≤ {GOAL_DEPTH:g} round trips deep, "
        f"≥ {GOAL_SPEEDUP:g}x faster than 1 by 1",
    )
    table.add_column("case", no_wrap=True)
    for column in ("ms", "round trips", "speed-up", "Graph", "Exchange", "token"):
        table.add_column(column, justify="right")
    table.add_row("one round trip (a GET)", f"{rtt * 1000:.1f}", "1.00")
    rows: tuple[tuple[str, float, Requests | None], ...] = (
        ("plan (before confirming)", figures.plan, last.job.plan_requests),
        ("job (confirm → end)", figures.job, last.job.requests),
        ("  same steps 1 by 1", figures.sequential, last.sequential.requests),
        ("  job's rounds, no engine", figures.rounds, None),
    )
    for label, seconds, requests in rows:
        counts = (requests.graph, requests.exchange, requests.login) if requests else ()
        table.add_row(
            label,
            f"{seconds * 1000:.0f}",
            shown(ratio(seconds, rtt)),
            shown(ratio(figures.sequential, seconds), "x") if label.startswith("job") else "",
            *(str(count) for count in counts),
        )
    return table


def _where(figures: OffboardFigures) -> Table:
    rtt, job = figures.round_trip, figures.last.job
    table = Table(
        title="where the job's time went (the median run)",
        caption="before: begin, plan again (the target unchanged?), store the step rows; "
        "after: settle the job, its card",
    )
    for column in ("part", "steps", "round trips", "slowest step", "its round trips"):
        table.add_column(column, justify="left" if column in ("part", "slowest step") else "right")
    table.add_row("before the steps", "", shown(ratio(job.before_steps, rtt)))
    for number, span in enumerate(job.rounds, start=1):
        table.add_row(
            f"round {number}",
            str(span.steps),
            shown(ratio(span.seconds, rtt)),
            span.slowest,
            shown(ratio(span.slowest_seconds, rtt)),
        )
    table.add_row("after the steps", "", shown(ratio(job.after_steps, rtt)))
    return table


def _costliest(figures: OffboardFigures, count: int = 8) -> Table:
    rtt, steps = figures.round_trip, figures.last.sequential.steps
    table = Table(title=f"the {count} slowest steps run alone (1 by 1)")
    for column in ("step", "round trips", "Graph", "Exchange"):
        table.add_column(column, justify="left" if column == "step" else "right")
    for cost in sorted(steps, key=lambda c: c.seconds, reverse=True)[:count]:
        table.add_row(
            cost.key,
            shown(ratio(cost.seconds, rtt)),
            str(cost.requests.graph),
            str(cost.requests.exchange),
        )
    return table


def main(argv: Sequence[str] | None = None) -> None:
    options = latency_options(
        "python -m bench.offboard", __doc__, argv, runs=1, runs_help="offboardings each way"
    )
    run_benchmark(
        "bench.offboard",
        partial(measure_offboard, latency=options.latency, runs=options.runs),
        render,
        figures_json,
    )


if __name__ == "__main__":
    main()
