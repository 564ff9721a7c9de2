"""The one path every request takes: parse, resolve the tenant, run the pipeline, map errors.

Errors from the tree in `core.errors` become short messages; anything else is logged with the
request id and the user sees only that id.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

import structlog
from pydantic import BaseModel

from bot.approvals.cards import parse_action
from bot.approvals.desk import ApprovalDesk
from bot.approvals.job_cards import parse_job_button
from bot.pipeline.access import ALL_TENANTS, Access, AccessPolicy
from bot.pipeline.contexts import CommandContexts
from bot.pipeline.follow_ups import FollowUpBook
from bot.pipeline.invocation import Invocation
from bot.pipeline.messages import crashed
from bot.pipeline.middleware import Call, Middleware, Next
from bot.pipeline.tenants import NoSuchTenant, TenantDirectory
from cards.reply import Reply
from commands.kit.arguments import bind_arguments, split_command_line
from commands.kit.context import CommandContext, Progress, silent_progress
from commands.kit.registry import CommandSpec, Registry, positional_kind
from core.errors import AccessDenied, DeskhandError, NotFound, UsageError, UserError
from core.identity import TenantInfo

__all__ = ["Router"]

log = structlog.get_logger("deskhand.router")


class Router:
    def __init__(
        self,
        *,
        registry: Registry,
        policy: AccessPolicy,
        contexts: CommandContexts,
        middleware: Sequence[Middleware] = (),
        follow_ups: FollowUpBook | None = None,
        desk: ApprovalDesk | None = None,
        refusals: Callable[[str, str, str], Awaitable[None]] | None = None,
    ) -> None:
        self.registry = registry
        self.policy = policy
        self.contexts = contexts
        """Builds the context each command runs in; the desk is handed the same factory."""
        self.follow_ups = follow_ups
        self.desk = desk
        """Where destructive commands are proposed; None refuses them."""
        self._refusals = refusals
        chain: Next = self._dispatch
        for layer in reversed(middleware):
            chain = partial(layer, next_=chain)
        self._chain = chain

    @property
    def tenants(self) -> TenantDirectory:
        return self.contexts.tenants

    async def handle(self, invocation: Invocation, progress: Progress = silent_progress) -> Reply:
        call: Call | None = None
        try:
            # Roles are read once per request, so a grant or revoke holds on every replica at once.
            access = await self.policy.for_actor(invocation.actor)
            line = await self._command_line(invocation)
            call = self._prepare(invocation, line, progress, access)
            return _answered(await self._chain(call), call)
        except DeskhandError as error:
            usage = error.usage if isinstance(error, UsageError) else ""
            return _answered(Reply.error(error.message, usage), call)
        except Exception:
            log.exception("command.crashed", request_id=invocation.request_id)
            return _answered(Reply.error(crashed(invocation.request_id)), call)

    async def refuse(self, channel: str, who: str, message: str) -> Reply:
        """A person the channel would not let in: audited, and told why."""
        if self._refusals is not None:
            await self._refusals(channel, who, message)
        return Reply.error(message)

    async def _command_line(self, invocation: Invocation) -> str:
        """The typed line; for a click on a pending action's card, the decision it stands for
        (`approve ID`); for any other click, the line its follow-up stored."""
        if not invocation.action:
            return invocation.text
        decision = parse_action(invocation.action)
        if decision is not None:
            action_id, verb = decision
            return f"{verb} {action_id}"
        retry = parse_job_button(invocation.action)
        if retry is not None:
            return f"job retry {retry[0]} {retry[1]}"
        line = await self.follow_ups.command_for(invocation.action) if self.follow_ups else None
        if line is None:
            raise UserError(
                "That button or form has expired or is not Deskhand's; run the command again."
            )
        return line

    def _prepare(
        self, invocation: Invocation, line: str, progress: Progress, access: Access
    ) -> Call:
        name, words = split_command_line(line)
        found, words = self.registry.find(name, words)
        if found is None and not words and self.registry.family(name):
            # `/mfa` alone asks what /mfa can do: the family's help answers it.
            found, words = self.registry.get("help"), [name]
        spec = found or self.lookup(name)
        args = bind_arguments(spec, words)
        if invocation.values and parse_action(invocation.action):
            # A submitted deny form: its reason is validated by the argument model, never
            # spliced into the command line.
            fields = {k: v for k, v in invocation.values.items() if k in spec.args.model_fields}
            args = spec.args.model_validate({**args.model_dump(), **fields})
        tenant, refusal = None, ""
        if spec.needs_tenant and not _every_tenant(spec, args):
            visible = self.visible_tenants(access)
            try:
                tenant = self.tenants.resolve(
                    spec.tenant_of(args),
                    invocation.tenant_hint,
                    among=visible,
                    addresses=_addresses(spec, args),
                )
            except NoSuchTenant as error:
                # Refused inside the pipeline (AccessCheck), so it is logged and audited like
                # any denial, whether that tenant exists or not.
                refusal = error.message
        return Call(invocation, spec, args, tenant, progress, access, refusal)

    def lookup(self, name: str) -> CommandSpec:
        spec = self.registry.get(name)
        family = self.registry.family(name)
        if spec is None and family:
            choices = " or ".join(f"/{member.name}" for member in family)
            raise UsageError(f"/{name} is followed by one more word: {choices}. Type /help {name}.")
        if spec is None:
            close = difflib.get_close_matches(name, self.registry.names(), n=1)
            hint = f"Did you mean /{close[0]}? " if close else ""
            raise NotFound(f"There is no command /{name}. {hint}Type /help to see the commands.")
        return spec

    def allowed_commands(self, call: Call) -> list[CommandSpec]:
        return [spec for spec in self.registry if call.access.allows(spec, call.tenant)]

    def visible_tenants(self, access: Access) -> tuple[TenantInfo, ...]:
        """The tenants the actor holds a role in: no one learns of the other customers."""
        return access.visible(self.tenants.tenants)

    async def _dispatch(self, call: Call) -> Reply:
        if call.refusal:  # AccessCheck refuses it first; this holds in a pipeline without one
            raise AccessDenied(call.refusal)
        context = self._context(call)
        if not call.spec.destructive:
            return await call.spec.handler(context, call.args)
        if self.desk is None:
            raise AccessDenied(
                f"/{call.spec.name} changes a tenant, and this Deskhand has no "
                "approvals desk to confirm it with."
            )
        invocation = call.invocation
        return await self.desk.propose(call.spec, call.args, context, invocation.return_address)

    def _context(self, call: Call) -> CommandContext:
        invocation = call.invocation
        return self.contexts.for_request(
            actor=invocation.actor,
            visible=self.visible_tenants(call.access),
            allowed_commands=partial(self.allowed_commands, call),
            tenant=call.tenant,
            progress=call.progress,
            request_id=invocation.request_id,
            channel=invocation.channel,
            private=invocation.private,
            approvals=self.desk,
            verify_actor=invocation.verify_actor,
            return_address=invocation.return_address,
        )


def _answered(reply: Reply, call: Call | None) -> Reply:
    """The reply, saying which command answered it, in which tenant (for `--json`)."""
    if call is None:
        return reply
    tenant = call.tenant.name if call.tenant else ""
    return dataclasses.replace(
        reply, command=reply.command or call.spec.name, tenant=reply.tenant or tenant
    )


def _addresses(spec: CommandSpec, args: BaseModel) -> list[str]:
    """The e-mail addresses typed as the command's positional arguments (its targets)."""
    values = (
        getattr(args, name)
        for name, info in spec.args.model_fields.items()
        if positional_kind(info)
    )
    return [value for value in values if isinstance(value, str) and "@" in value]


def _every_tenant(spec: CommandSpec, args: BaseModel) -> bool:
    """For commands about Deskhand itself (`CommandSpec.every_tenant`), `--tenant *`, or no
    tenant, means every tenant, and they check roles per tenant; for a command with `--all`
    (/digest), giving it means every tenant the person sees."""
    if spec.wants_all(args):
        return True
    return spec.every_tenant and spec.tenant_of(args) in (None, ALL_TENANTS)
