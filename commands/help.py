"""/help: the commands the caller may run, generated from the registry.

`/help mfa` explains a family of two-word commands (each one's usage and summary); `/help mfa
methods` explains one of them in full.
"""

from __future__ import annotations

from pydantic import BaseModel

from cards.reply import Facts, Reply, Table, Text
from commands.kit.arguments import usage
from commands.kit.context import CommandContext
from commands.kit.registry import CommandSpec, command, positional, positional_kind
from core.errors import NotFound

__all__ = ["HelpArgs", "help_command"]


class HelpArgs(BaseModel):
    command: str | None = positional("the command to explain", rest=True, default=None)


@command("help", args=HelpArgs, aliases=("?",))
async def help_command(ctx: CommandContext, args: HelpArgs) -> Reply:
    """Show the commands you may run, or how to use one.

    Every command takes --tenant NAME where it works on a customer tenant; /tenants lists them.
    """
    allowed = ctx.allowed_commands()
    if args.command is None:
        return Reply(
            title="Deskhand commands",
            blocks=(
                Table(
                    ("command", "what it does"), tuple((f"/{s.name}", s.summary) for s in allowed)
                ),
                Text("Type /help COMMAND for its options."),
            ),
            data=[_entry(spec) for spec in allowed],
        )
    wanted = " ".join(args.command.lstrip("/").lower().split())
    for spec in allowed:
        if wanted in (spec.name, *spec.aliases):
            return _command_help(spec, [s for s in allowed if s.name.startswith(f"{spec.name} ")])
    family = [spec for spec in allowed if spec.name.startswith(f"{wanted} ")]
    if family:
        return _family_help(wanted, family)
    raise NotFound(f"There is no command /{wanted} that you may run. Type /help to list them.")


def _command_help(spec: CommandSpec, related: list[CommandSpec]) -> Reply:
    """One command's usage, summary, help and options; `related` are the two-word commands
    it begins (/offboard begins /offboard undo)."""
    options = tuple(
        (f"--{name.replace('_', '-')}", info.description or "")
        for name, info in spec.args.model_fields.items()
        if info.description and positional_kind(info) is None
    )
    blocks: list[Facts | Text] = [Text(usage(spec)), Text(spec.summary)]
    if spec.help:
        blocks.append(Text(spec.help))
    if options:
        blocks.append(Facts(options))
    if related:
        blocks.append(
            Text("Also: " + "; ".join(f"{usage(s).removeprefix('Usage: ')}" for s in related))
        )
    data = {**_entry(spec), "help": spec.help, "options": dict(options)}
    return Reply(title=f"/{spec.name}", blocks=tuple(blocks), data=data)


def _family_help(name: str, members: list[CommandSpec]) -> Reply:
    """What `/mfa` alone, or `/help mfa`, shows: each member's usage and what it does."""
    rows = tuple((usage(spec).removeprefix("Usage: "), spec.summary) for spec in members)
    return Reply(
        title=f"/{name}",
        blocks=(
            Text(f"/{name} is followed by one more word: " + _choices(members) + "."),
            Table(("usage", "what it does"), rows),
            Text(f"Type /help {members[0].name} (or another of them) for its options."),
        ),
        data=[_entry(spec) for spec in members],
    )


def _entry(spec: CommandSpec) -> dict[str, str]:
    return {"command": f"/{spec.name}", "summary": spec.summary, "usage": usage(spec)}


def _choices(members: list[CommandSpec]) -> str:
    names = [f"/{spec.name}" for spec in members]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
