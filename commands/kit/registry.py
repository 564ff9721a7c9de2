"""Commands are declared once: `@command` builds a `CommandSpec` into one registry.

Usage lines and `/help` are generated from the spec, and the router, not the handler, applies
roles, confirmation and audit from it. The decorator returns the function, so tests call it
directly.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, Field, SecretStr
from pydantic.fields import FieldInfo

if TYPE_CHECKING:
    from cards.reply import Reply
    from commands.kit.plan import Planner

__all__ = [
    "ACTION_ROLES",
    "ALL_FIELD",
    "ANYONE",
    "REASON_FIELD",
    "REGISTRY",
    "TENANT_FIELD",
    "CommandSpec",
    "Handler",
    "Registry",
    "Role",
    "command",
    "positional",
    "positional_kind",
    "secret_fields",
]


class Role(StrEnum):
    READONLY = "readonly"
    TECHNICIAN = "technician"
    APPROVER = "approver"
    ADMIN = "admin"


ANYONE = frozenset(Role)

TENANT_FIELD = "tenant"
"""The argument that names the tenant (`--tenant`): a command with it needs a tenant."""
ALL_FIELD = "all"
"""The switch that asks for every tenant the person sees (`--all`): given, a command that takes
a tenant needs none, and reads `CommandContext.tenants` itself."""
REASON_FIELD = "reason"
"""The argument that says why (`--reason`): a policy may require it before an action."""
"""Every role: what read-only commands declare."""
ACTION_ROLES = frozenset({Role.TECHNICIAN, Role.ADMIN})
"""Who may ask for a change to a tenant's users: what destructive actions declare."""

Handler = Callable[..., Awaitable["Reply"]]
"""`async (ctx: CommandContext, args: <the spec's argument model>) -> Reply`."""
H = TypeVar("H", bound=Handler)

JobSteps = Callable[..., Sequence[Any]]
"""`(ctx, args, plan) -> list[Step]` (`commands.kit.steps`): a job command's steps, pure from
its confirmed plan. Typed loosely, like `Handler`, so that the kit's modules import no step."""

UndoStep = Callable[..., Awaitable[str]]
"""`(ctx, step key, the step's stored undo) -> what was restored, or why it cannot be`."""


def positional(description: str, *, rest: bool = False, default: Any = ...) -> Any:
    """A positional argument; `rest` makes it take the remaining words ("adele vance")."""
    return Field(
        default, description=description, json_schema_extra={"positional": "rest" if rest else True}
    )


def positional_kind(info: FieldInfo) -> str | None:
    """ "rest", "single" for a positional argument, None for an option."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    marker = extra.get("positional")
    return None if not marker else "rest" if marker == "rest" else "single"


def secret_fields(model: type[BaseModel]) -> frozenset[str]:
    """The arguments that hold a secret (a typed password): the fields typed `SecretStr`.

    Their values are never stored, logged or shown back, and a command that takes one refuses
    stray words (`commands.kit.arguments`), so a secret typed without its option is not read as
    something else. `json_schema_extra={"secret": True}` is allowed only on such a field, and
    such a field is an option, never a positional.
    """
    found = set()
    for name, info in model.model_fields.items():
        typed = _holds_secret(info.annotation)
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if extra.get("secret") and not typed:
            raise TypeError(f"{model.__name__}.{name} is marked secret but is not a SecretStr")
        if typed and extra.get("positional"):
            # A secret typed without its option is what the parser refuses; never ask for one.
            raise TypeError(f"{model.__name__}.{name} is a secret, so it must be an option")
        if typed:
            found.add(name)
    return frozenset(found)


def _holds_secret(annotation: Any) -> bool:
    """`SecretStr`, `SecretStr | None`, `list[SecretStr]` …"""
    if annotation is SecretStr:
        return True
    return any(_holds_secret(arg) for arg in typing.get_args(annotation))


@dataclass(frozen=True)
class CommandSpec:
    name: str
    handler: Handler
    args: type[BaseModel]
    summary: str
    help: str
    roles: frozenset[Role]
    permissions: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    planner: Planner | None = None
    """Set for destructive commands: the handler then runs only from a confirmed plan."""
    steps: JobSteps | None = None
    """Set for job commands (`commands.kit.steps`): the confirmed plan runs as these steps."""
    undo: UndoStep | None = None
    """For job commands whose steps can be undone: puts back one step's change."""
    every_tenant: bool = False
    """Commands about Deskhand itself (/grant, /grants, /guard): for them `--tenant *`, or no
    tenant, means every tenant, and the handler checks the roles per tenant."""

    @property
    def destructive(self) -> bool:
        return self.planner is not None

    @property
    def secrets(self) -> frozenset[str]:
        """The argument fields that hold a secret (`secret_fields`)."""
        return secret_fields(self.args)

    @property
    def needs_tenant(self) -> bool:
        return TENANT_FIELD in self.args.model_fields

    def tenant_of(self, args: BaseModel) -> str | None:
        """The tenant typed with `--tenant`, if the command takes one and it was given."""
        return _text_field(args, TENANT_FIELD) if self.needs_tenant else None

    def wants_all(self, args: BaseModel) -> bool:
        """Whether `--all` was given (`ALL_FIELD`)."""
        return ALL_FIELD in self.args.model_fields and getattr(args, ALL_FIELD) is True

    def reason_of(self, args: BaseModel) -> str | None:
        """The reason typed with `--reason`, if the command takes one and it was given."""
        return _text_field(args, REASON_FIELD) if REASON_FIELD in self.args.model_fields else None


def _text_field(args: BaseModel, name: str) -> str | None:
    value = getattr(args, name)
    return value if isinstance(value, str) else None


class Registry:
    def __init__(self) -> None:
        self._specs: dict[str, CommandSpec] = {}
        self._names: dict[str, str] = {}

    def add(self, spec: CommandSpec) -> None:
        for key in (spec.name, *spec.aliases):
            if key in self._names:
                raise ValueError(f"command name {key!r} is declared twice")
            self._names[key] = spec.name
        self._specs[spec.name] = spec

    def get(self, name: str) -> CommandSpec | None:
        canonical = self._names.get(name.lower())
        return self._specs[canonical] if canonical else None

    def find(self, name: str, words: list[str]) -> tuple[CommandSpec | None, list[str]]:
        """The command a line names, and the words left for its arguments. A two-word name
        (`/forwarding show`) wins over a one-word one."""
        if words:
            spec = self.get(f"{name} {words[0]}")
            if spec is not None:
                return spec, words[1:]
        return self.get(name), words

    def family(self, name: str) -> list[CommandSpec]:
        """The two-word commands starting with `name` ("mfa" → /mfa methods, /mfa reregister …)."""
        prefix = f"{name.lower()} "
        return [spec for spec in self if spec.name.startswith(prefix)]

    def families(self) -> list[str]:
        """The first words of the two-word commands ("forwarding", "mfa" …)."""
        return sorted({spec.name.split(" ")[0] for spec in self if " " in spec.name})

    def names(self) -> list[str]:
        """Every name and alias, for suggestions and completion."""
        return sorted(self._names)

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(sorted(self._specs.values(), key=lambda spec: spec.name))


REGISTRY = Registry()


def command(
    name: str,
    *,
    args: type[BaseModel],
    roles: frozenset[Role] = ANYONE,
    permissions: tuple[str, ...] = (),
    plan: Planner | None = None,
    steps: JobSteps | None = None,
    undo: UndoStep | None = None,
    aliases: tuple[str, ...] = (),
    every_tenant: bool = False,
    registry: Registry = REGISTRY,
) -> Callable[[H], H]:
    """Registers `handler`; with `plan`, the command is destructive and `handler` is its
    executor, `async (ctx, args, plan) -> Reply`, run only from a confirmed pending action."""

    secret_fields(args)  # a field marked secret but not typed SecretStr fails here, at import

    def register(handler: H) -> H:
        # The summary is the docstring's whole first paragraph: a sentence wrapped over two
        # lines is one sentence, never cut at the line break.
        summary, _, rest = inspect.cleandoc(handler.__doc__ or "").partition("\n\n")
        registry.add(
            CommandSpec(
                name=name,
                handler=handler,
                args=args,
                summary=" ".join(summary.split()),
                help=rest.strip(),
                roles=roles,
                permissions=permissions,
                aliases=aliases,
                planner=plan,
                steps=steps,
                undo=undo,
                every_tenant=every_tenant,
            )
        )
        return handler

    return register
