"""/help: the commands the caller may run, generated from the registry."""

from __future__ import annotations

from pydantic import BaseModel

from cards.reply import Facts, Reply, Table, Text
from commands.arguments import usage
from commands.context import CommandContext
from commands.registry import command, positional, positional_kind
from core.errors import NotFound

__all__ = ["HelpArgs", "help_command"]


class HelpArgs(BaseModel):
    command: str | None = positional("the command to explain", default=None)


@command("help", args=HelpArgs, aliases=("?",))
async def help_command(ctx: CommandContext, args: HelpArgs) -> Reply:
    """Show the commands you may run, or how to use one.

    Every command takes --tenant NAME where it works on a customer tenant; /tenants lists them.
    """
    allowed = ctx.allowed_commands()
    if args.command is None:
        rows = tuple((f"/{spec.name}", spec.summary) for spec in allowed)
        return Reply(
            title="Deskhand commands",
            blocks=(
                Table(("command", "what it does"), rows),
                Text("Type /help COMMAND for its options."),
            ),
        )
    wanted = args.command.lstrip("/").lower()
    for spec in allowed:
        if wanted in (spec.name, *spec.aliases):
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
            return Reply(title=f"/{spec.name}", blocks=tuple(blocks))
    raise NotFound(f"There is no command /{wanted} that you may run. Type /help to list them.")
