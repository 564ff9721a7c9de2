"""The composition root for every way Deskhand runs: settings → store, Graph clients, the
context factory, the approvals desk, the router, and the channels on top of them.

`open_runtime` is the only place that builds these and closes them again; `slack_channel` and
`teams_channel` the only places a channel is wired to them, for the server and for the Slack
worker job (`slack_job`) alike. With no tenants
configured it starts the built-in sandbox in-process, its tenants kept under the home so that
every process on that home shares them, and points the Graph clients at it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, AuthTypes

from bot.approvals.desk import ApprovalDesk
from bot.approvals.notify import Notifiers
from bot.audit.log import AuditLog, open_audit_log
from bot.audit.post import post_head
from bot.channels.slack import SlackChannel
from bot.channels.slack_notify import SlackNotifier
from bot.channels.teams import MicrosoftHosts, TeamsChannel, TeamsOutbound
from bot.channels.teams_notify import TeamsNotifier
from bot.config import Settings
from bot.config.teams import TeamsSettings
from bot.jobs.engine import executor_id
from bot.operator.consent import ConsentCheck, GrantsCache
from bot.pipeline.access import ALL_TENANTS, AccessPolicy, Grant
from bot.pipeline.contexts import CommandContexts
from bot.pipeline.follow_ups import FollowUpButtons, StoreFollowUps
from bot.pipeline.guards import TenantGuards
from bot.pipeline.invocation import new_request_id
from bot.pipeline.middleware import AccessCheck, AuditTrail, Call, log_requests
from bot.pipeline.router import Router
from bot.process.digest_delivery import process_deliverer
from bot.process.handoff import Handoff
from bot.process.inbox import Inbox
from bot.process.lost_work import tell_lost
from bot.process.metrics import Metrics
from bot.process.periodic import repeating
from bot.process.tasks import WorkGroup
from bot.process.tenant_clients import (
    configured_tenants,
    open_clients,
    sandbox_tenants,
    service_hosts,
)
from bot.process.workers import Job
from bot.schedules.book import Schedules
from bot.schedules.delivery import Deliverer
from bot.schedules.host import DIGEST_QUEUE, serve_schedules, stop_serving_schedules
from bot.schedules.running import DigestRunner
from bot.schedules.snapshots import take_snapshots
from bot.store import AuditEntry, Store, open_store
from bot.store.audit import AuditLogReader
from bot.store.trends import StoreTrends
from commands import REGISTRY
from commands.kit.registry import Role
from core.identity import Actor
from integrations.graph.products import load_catalog
from integrations.outbound import create_http_client
from sandbox import Sandbox, SandboxOptions, start_sandbox, state_path

__all__ = [
    "Runtime",
    "StoreAuditSink",
    "open_runtime",
    "slack_channel",
    "slack_job",
    "teams_channel",
    "teams_outbound",
]


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    router: Router
    contexts: CommandContexts
    """Builds every command's context; tests change its `pacing`."""
    store: Store
    sandbox: Sandbox | None
    metrics: Metrics
    notifiers: Notifiers
    """Chat channels that can post on their own add themselves here as they start."""
    inbox: Inbox
    """Requests acknowledged and not answered yet, owned by this process's executor id."""


@dataclass(frozen=True)
class StoreAuditSink:
    """Writes the router's audit records to the store's append-only `audit_log`."""

    audit: AuditLog

    async def record(self, call: Call, outcome: str, detail: str) -> None:
        invocation = call.invocation
        entry = AuditEntry(
            actor=invocation.actor.id,
            channel=invocation.channel,
            command=call.spec.name,
            outcome=outcome,
            correlation_id=invocation.request_id,
            tenant=call.tenant.name if call.tenant else None,
            target=call.target or None,
            detail=detail,
        )
        await self.audit.append(entry)

    async def refused(self, channel: str, who: str, detail: str) -> None:
        """Someone the channel would not let in (a guest, another organisation)."""
        entry = AuditEntry(
            actor=who,
            channel=channel,
            command="(identity)",
            outcome="denied",
            correlation_id=new_request_id(),
            detail=detail[:500],
        )
        await self.audit.append(entry)


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    *,
    operators: Sequence[Actor] = (),
    sandbox_options: SandboxOptions | None = None,
    role: str = "desk",
    deliverer: Deliverer | None = None,
) -> AsyncIterator[Runtime]:
    """Everything a channel needs to serve requests; `operators` hold every role everywhere;
    `role` names this process's kind in its executor id (`bot.jobs.engine.executor_id`), which
    its jobs and its inbox rows carry; `deliverer` sends scheduled digests (only a server,
    role "serve", runs the schedules; any process can run one now)."""
    async with AsyncExitStack() as stack:
        sandbox: Sandbox | None = None
        if settings.uses_sandbox:
            sandbox = await stack.enter_async_context(
                start_sandbox(sandbox_options, state_file=state_path(settings.home))
            )
            tenants = sandbox_tenants(sandbox)
        else:
            tenants = await asyncio.to_thread(configured_tenants, settings)
        hosts = service_hosts(settings, sandbox)
        store = await open_store(settings.store_url)
        stack.push_async_callback(store.close)
        executor = executor_id(role, settings.home)
        inbox = Inbox(store, executor)
        stack.push_async_callback(inbox.close)
        audit = await open_audit_log(settings, store)
        http = create_http_client(hosts.ca_bundle, timeout=settings.request_timeout)
        stack.push_async_callback(http.aclose)
        products = await asyncio.to_thread(load_catalog, settings.home / "products.csv")
        default = tenants[0].info.name if sandbox and tenants else None
        directory = await open_clients(stack, http, tenants, hosts, default=default)
        policy = _access_policy(settings, operators, store, sandbox=sandbox is not None)
        metrics = Metrics()
        http.event_hooks["response"].append(metrics.count_graph_response)
        follow_ups = StoreFollowUps(store)
        sink = StoreAuditSink(audit)
        guards = TenantGuards(store)
        serves_digests = role == "serve"
        trends = StoreTrends(store)
        # One context factory for the router and the desk: each is built complete, and the
        # desk runs a confirmed action without reaching back into the router.
        contexts = CommandContexts(
            tenants=directory,
            products=products,
            approval_settings=settings.approvals,
            audit_reader=AuditLogReader(store.engine),
            grants=policy,
            guards=guards,
            offboard=settings.offboard_for,
            digests=settings.digests,
            trends=trends,
        )
        notifiers = Notifiers()
        desk = ApprovalDesk(
            store=store,
            audit_log=audit,
            settings=settings.approvals,
            registry=REGISTRY,
            tenants=directory.tenants,
            access=policy,
            contexts=contexts,
            notifiers=notifiers,
            guards=guards,
            executor=executor,
            # A dead process's people hear that their requests were lost; a click handed to
            # the jobs engine is no longer the inbox's to report, whatever becomes of it.
            on_lost=partial(tell_lost, store, notifiers),
            on_handed=inbox.answered,
            queues=(DIGEST_QUEUE,) if serves_digests else (),
        )
        # Unwound after the desk's DBOS stops: a digest step still running at shutdown is
        # cancelled and resumed by the next start, not failed for want of a host.
        stack.callback(stop_serving_schedules)
        stack.push_async_callback(desk.close)
        schedules = Schedules(
            desk.jobs, store, serves_digests, settings.schedules, digests=settings.digests
        )
        # The book needs the desk's jobs engine, and the desk the contexts: the one field set
        # after construction, before any request can read it.
        contexts.schedules = schedules
        router = Router(
            registry=REGISTRY,
            policy=policy,
            contexts=contexts,
            middleware=(
                log_requests,
                metrics.count_commands,
                AuditTrail(sink),
                AccessCheck(),
                ConsentCheck(GrantsCache(directory)),
                FollowUpButtons(follow_ups),
            ),
            follow_ups=follow_ups,
            desk=desk,
            refusals=sink.refused,
        )
        deliverer = deliverer or process_deliverer(settings, directory, notifiers)
        snapshots = partial(take_snapshots, directory, trends, settings.digests, products.name)
        serve_schedules(DigestRunner(router, store, deliverer, notifiers, snapshots))
        if serves_digests:
            # Catches up the schedules' missed slots, and resumes its own jobs and the dead's.
            await schedules.start(datetime.now(UTC))
        elif role == "serve" or await desk.jobs.engine.dead_left_work():
            # A server resumes its own jobs and the dead's at once; anything else only when a
            # dead process left some, so a reading command never waits for DBOS.
            await desk.jobs.ensure()
        await stack.enter_async_context(repeating(desk.sweep, every=30, name="approvals"))
        if settings.audit.destinations:
            post = partial(post_head, store, notifiers, settings.audit)
            every = settings.audit.post_every_minutes * 60
            await stack.enter_async_context(repeating(post, every=every, name="audit head"))
        yield Runtime(settings, router, contexts, store, sandbox, metrics, notifiers, inbox)


def _access_policy(
    settings: Settings, operators: Sequence[Actor], store: Store, *, sandbox: bool
) -> AccessPolicy:
    """Configured grants, every role for the local operators, the grants stored with /grant,
    and on the embedded sandbox the technician role for any verified chat user, so a fresh
    install can be tried at once."""
    grants = [Grant(g.who, g.tenant, role) for g in settings.grants for role in g.roles]
    grants += [
        Grant(actor.id, ALL_TENANTS, role, origin="operator")
        for actor in operators
        for role in Role
    ]
    everyone = frozenset({Role.TECHNICIAN}) if sandbox else frozenset()
    return AccessPolicy(grants, everyone=everyone, store=store)


# -- the channels ------------------------------------------------------------------------------


def slack_channel(
    runtime: Runtime, *, work: WorkGroup, handoff: Handoff | None = None
) -> SlackChannel:
    """Slack on this runtime; it posts approvals and outcomes once `SlackNotifier` is added."""
    return SlackChannel(
        settings=runtime.settings.slack,
        router=runtime.router,
        store=runtime.store,
        inbox=runtime.inbox,
        work=work,
        handoff=handoff,
    )


def teams_channel(runtime: Runtime, outbound: TeamsOutbound | None = None) -> TeamsChannel:
    """Teams on this runtime; `outbound` signs and checks its calls (`teams_outbound`)."""
    settings = runtime.settings.teams
    return TeamsChannel(
        settings=settings,
        router=runtime.router,
        store=runtime.store,
        inbox=runtime.inbox,
        outbound=outbound or teams_outbound(settings),
    )


def teams_outbound(settings: TeamsSettings) -> TeamsOutbound:
    """msal with the bot's own credential, to Microsoft's channel service hosts only, on
    HTTPS's port 443."""
    if settings.app_password is not None:
        configuration = AgentAuthConfiguration(
            AuthTypes.client_secret,
            settings.app_id,
            settings.app_tenant_id,
            settings.app_password.get_secret_value(),
        )
    else:
        configuration = AgentAuthConfiguration(
            AuthTypes.certificate,
            settings.app_id,
            settings.app_tenant_id,
            cert_pfx_file=str(settings.certificate_file),
        )
    return TeamsOutbound(
        MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": configuration}),
        MicrosoftHosts(enabled=True),
    )


@asynccontextmanager
async def slack_job(settings: Settings) -> AsyncIterator[Job]:
    """A worker's half of the Slack channel: its own runtime, serving handed-off requests."""
    async with open_runtime(settings) as runtime:
        slack = slack_channel(runtime, work=WorkGroup())
        async with AsyncExitStack() as stack:
            stack.push_async_callback(slack.close)
            await slack.start()
            runtime.notifiers.add(SlackNotifier(slack.api))
            if settings.teams.enabled:
                # A Slack request may need to post an approval card in Teams, or tell a
                # requester who asked there.
                teams = teams_channel(runtime)
                stack.push_async_callback(teams.close)
                runtime.notifiers.add(TeamsNotifier(teams))
            yield Job(slack.serve, runtime.metrics.registry)
