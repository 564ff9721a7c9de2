"""The one path every request takes: parse, resolve the tenant, run the pipeline, map errors.

Errors from the tree in `core.errors` become short messages; anything else is logged with the
request id and the user sees only that id.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from functools import partial

import structlog

from bot.access import AccessPolicy
from bot.follow_ups import FollowUpBook
from bot.invocation import Invocation
from bot.middleware import Call, Middleware, Next
from bot.tenants import TenantDirectory
from cards.reply import Reply
from commands.arguments import bind_arguments, split_command_line
from commands.audit import AuditReader
from commands.context import CommandContext, Progress, TenantInfo, silent_progress
from commands.registry import CommandSpec, Registry
from core.errors import AccessDenied, DeskhandError, NotFound, UsageError, UserError
from integrations.graph.products import ProductCatalog

__all__ = ["Router", "describe_error"]

log = structlog.get_logger("deskhand.router")


def describe_error(error: DeskhandError) -> str:
    if isinstance(error, UsageError) and error.usage:
        return f"{error.message}\n{error.usage}"
    return error.message


class Router:
    def __init__(
        self,
        *,
        registry: Registry,
        tenants: TenantDirectory,
        policy: AccessPolicy,
        products: ProductCatalog,
        middleware: Sequence[Middleware] = (),
        follow_ups: FollowUpBook | None = None,
        audit_reader: AuditReader | None = None,
    ) -> None:
        self.registry = registry
        self.tenants = tenants
        self.policy = policy
        self.products = products
        self.follow_ups = follow_ups
        self.audit_reader = audit_reader
        chain: Next = self._dispatch
        for layer in reversed(middleware):
            chain = partial(layer, next_=chain)
        self._chain = chain

    async def handle(self, invocation: Invocation, progress: Progress = silent_progress) -> Reply:
        try:
            call = self._prepare(invocation, await self._command_line(invocation), progress)
            return await self._chain(call)
        except DeskhandError as error:
            return Reply.error(describe_error(error))
        except Exception:
            log.exception("command.crashed", request_id=invocation.request_id)
            return Reply.error(
                "Something went wrong inside Deskhand. If it happens again, give your "
                f"Deskhand admin this reference: {invocation.request_id}."
            )

    async def _command_line(self, invocation: Invocation) -> str:
        """The typed line, or for a click the line its follow-up stored."""
        if not invocation.action:
            return invocation.text
        line = await self.follow_ups.command_for(invocation.action) if self.follow_ups else None
        if line is None:
            raise UserError(
                "That button or form has expired or is not Deskhand's; run the command again."
            )
        return line

    def _prepare(self, invocation: Invocation, line: str, progress: Progress) -> Call:
        name, words = split_command_line(line)
        spec = self.lookup(name)
        args = bind_arguments(spec, words)
        if spec.destructive:
            # Fails closed until destructive commands go through confirmation and approval.
            raise AccessDenied(f"/{spec.name} changes a tenant and needs a confirmation step.")
        tenant = None
        if spec.needs_tenant:
            visible = self.visible_tenants(invocation)
            tenant = self.tenants.resolve(
                getattr(args, "tenant", None), invocation.tenant_hint, among=visible
            )
        return Call(invocation, spec, args, tenant, progress)

    def lookup(self, name: str) -> CommandSpec:
        spec = self.registry.get(name)
        if spec is None:
            close = difflib.get_close_matches(name, self.registry.names(), n=1)
            hint = f"Did you mean /{close[0]}? " if close else ""
            raise NotFound(f"There is no command /{name}. {hint}Type /help to see the commands.")
        return spec

    def allowed_commands(self, call: Call) -> list[CommandSpec]:
        actor = call.invocation.actor
        return [spec for spec in self.registry if self.policy.allows(actor, spec, call.tenant)]

    def visible_tenants(self, invocation: Invocation) -> tuple[TenantInfo, ...]:
        """The tenants the actor holds a role in: no one learns of the other customers."""
        actor = invocation.actor
        return tuple(t for t in self.tenants.tenants if self.policy.roles(actor, t))

    async def _dispatch(self, call: Call) -> Reply:
        context = CommandContext(
            actor=call.invocation.actor,
            tenants=self.visible_tenants(call.invocation),
            allowed_commands=partial(self.allowed_commands, call),
            products=self.products,
            audit_reader=self.audit_reader,
            tenant=call.tenant,
            graph_client=self.tenants.client(call.tenant) if call.tenant else None,
            progress=call.progress,
            request_id=call.invocation.request_id,
        )
        return await call.spec.handler(context, call.args)
