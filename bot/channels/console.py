"""The console channel: the local operator types commands; replies are drawn with rich.

`deskhand run "/user adele"` runs one command for scripts, `deskhand console` is interactive.
Like the other adapters it only converts: text → Invocation, Reply → terminal.
"""

from __future__ import annotations

import asyncio
import getpass
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory
from rich.console import Console
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from bot.approvals.cards import action_button, parse_action
from bot.config import Settings, load_settings
from bot.operator.terminal import terminal_console
from bot.pipeline.invocation import Invocation
from bot.pipeline.router import Router
from bot.process.logs import configure_logging
from bot.process.runtime import Runtime, open_runtime
from cards.data import reply_to_json
from cards.reply import Notice, Reply, Text
from cards.text import render_text
from commands.kit.arguments import (
    bind_arguments,
    option_choices,
    option_names,
    redacted_line,
    split_command_line,
)
from commands.kit.registry import Registry
from core.errors import DeskhandError
from core.identity import Actor

_FOLLOW_EVERY = 0.5
"""Seconds between two reads of a running job's card in the console."""

__all__ = [
    "ConsoleSession",
    "RedactedHistory",
    "console_actor",
    "history_line",
    "run_command",
    "run_console",
]

BANNER = """Deskhand console. Try:
  /user adele            one user on one screen
  /users --mfa unregistered
  /licenses --tenant fabrikam
  /tenants   /help   (Ctrl-D to leave)"""


def console_actor() -> Actor:
    """The local operator: whoever runs the console on this machine."""
    user = getpass.getuser()
    return Actor(id=f"console:{user}", display_name=user)


class _BarProgress:
    """Progress drawn as a rich bar; used for long listings on big tenants."""

    def __init__(self, console: Console) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task: TaskID | None = None

    def start(self, label: str, total: int | None) -> None:
        self._bar.start()
        self._task = self._bar.add_task(label, total=total)

    def advance(self, count: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, count)

    def finish(self) -> None:
        self._bar.stop()
        self._task = None


@dataclass
class ConsoleSession:
    router: Router
    out: Console
    err: Console
    exports_dir: Path
    actor: Actor

    async def run_line(
        self,
        text: str,
        *,
        tenant: str | None = None,
        as_json: bool = False,
        terse: bool = False,
        show: bool = True,
    ) -> Reply:
        """Run one line and show the reply; `terse` puts an error on one line, for scripts."""
        invocation = Invocation(
            channel="console", actor=self.actor, text=text, tenant_hint=tenant, private=True
        )
        reply = await self.router.handle(invocation, progress=_BarProgress(self.err))
        if show:
            self._show(reply, as_json=as_json, terse=terse)
        return reply

    async def click(self, action: str, *, as_json: bool = False, terse: bool = False) -> Reply:
        """What a button does in chat: the console's answer to a confirmation prompt."""
        invocation = Invocation(
            channel="console", actor=self.actor, text="", action=action, private=True
        )
        reply = await self._follow(await self.router.handle(invocation))
        self._show(reply, as_json=as_json, terse=terse)
        return reply

    async def _follow(self, reply: Reply) -> Reply:
        """A job that started: its card drawn live until it ends, then its final card."""
        job = _running_job(reply)
        if job is None:
            return reply
        plain = not self.err.is_terminal
        with Live(render_text(reply, plain=plain), console=self.err, transient=True) as live:
            while job is not None:
                await asyncio.sleep(_FOLLOW_EVERY)
                reply = await self.run_line(f"/job {job}", show=False)
                live.update(render_text(reply, plain=plain))
                job = _running_job(reply)
        return reply

    async def settle(self, reply: Reply, *, confirm: bool | None, as_json: bool = False) -> Reply:
        """Confirmations become prompts: `confirm` answers for scripts (--yes); None asks."""
        action_id = _confirmation(reply)
        if action_id is None:
            return reply
        if confirm is None:
            answer = await PromptSession[str]().prompt_async("Confirm? Type yes to go ahead: ")
            confirm = answer.strip().lower() in ("y", "yes")
        verb = "confirm" if confirm else "cancel"
        return await self.click(action_button(action_id, verb), as_json=as_json, terse=True)

    def _show(self, reply: Reply, *, as_json: bool, terse: bool) -> None:
        if as_json:
            self.out.print_json(reply_to_json(reply))
        elif reply.failed and terse:
            message = " ".join(" ".join(_texts(reply)).split())
            self.err.print(f"error: {message}", soft_wrap=True, highlight=False, markup=False)
        else:
            console = self.err if reply.failed else self.out
            console.print(render_text(reply, plain=not console.is_terminal))
        for path in self._save_files(reply):
            self.err.print(f"Saved {path}", highlight=False)

    async def run_once(
        self, text: str, *, tenant: str | None, as_json: bool, confirm: bool = False
    ) -> int:
        """One command for scripts: exit status 0 on success, 1 on any error. A destructive
        command is confirmed with `confirm` (--yes), else left pending with how to confirm."""
        reply = await self.run_line(text, tenant=tenant, terse=True, show=False)
        if confirm and as_json and _confirmation(reply) is not None:
            # One JSON document for scripts: the outcome, not the card that was confirmed.
            reply = await self.settle(reply, confirm=True, as_json=True)
            return _status(reply)
        self._show(reply, as_json=as_json, terse=True)
        if confirm:
            reply = await self.settle(reply, confirm=True, as_json=as_json)
        return _status(reply)

    async def interactive(self, history_file: Path) -> None:
        history_file.parent.mkdir(parents=True, exist_ok=True)
        session: PromptSession[str] = PromptSession(
            history=RedactedHistory(str(history_file), self.router.registry),
            completer=_CommandCompleter(self.router),
            complete_while_typing=True,
        )
        self.out.print(BANNER, style="dim")
        while True:
            try:
                line = await session.prompt_async("deskhand> ")
            except KeyboardInterrupt:
                continue
            except EOFError:
                return
            if line.strip() in {"exit", "quit", "/exit", "/quit"}:
                return
            if line.strip():
                await self.settle(await self.run_line(line), confirm=None)

    def _save_files(self, reply: Reply) -> Iterator[Path]:
        if not reply.files:
            return
        self.exports_dir.mkdir(parents=True, exist_ok=True)
        for file in reply.files:
            yield _save_new(self.exports_dir / Path(file.filename).name, file.content)


class RedactedHistory(FileHistory):
    """The prompt's history, in memory and in its file, without a typed secret: see
    `history_line`."""

    def __init__(self, filename: str, registry: Registry) -> None:
        super().__init__(filename)
        self._registry = registry

    def append_string(self, string: str) -> None:
        kept = history_line(self._registry, string)
        if kept is not None:
            super().append_string(kept)


def history_line(registry: Registry, line: str) -> str | None:
    """What the console's history keeps of a typed line: the line itself for a command that
    takes no secret; for one that does (/reset-password), the line rebuilt from its parse
    without the secret; nothing for a line that names no command or does not parse, since a
    password typed in the wrong place may be in it."""
    try:
        name, words = split_command_line(line)
        spec, words = registry.find(name, words)
        if spec is None:
            return None
        return redacted_line(spec, bind_arguments(spec, words)) if spec.secrets else line
    except DeskhandError:
        return None


class _CommandCompleter(Completer):
    """Command names first, then the command's options, tenant names and option choices."""

    def __init__(self, router: Router) -> None:
        self._router = router

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        words = document.text_before_cursor.split(" ")
        current = words[-1]
        if len(words) == 1:
            names = (f"/{name}" for name in self._router.registry.names())
            yield from _matching(names, current)
            return
        spec = self._router.registry.get(words[0].lstrip("/").lower())
        if spec is None:
            return
        previous = words[-2]
        if previous == "--tenant":
            yield from _matching((t.name for t in self._router.tenants.tenants), current)
        elif current.startswith("-"):
            yield from _matching(option_names(spec), current)
        else:
            yield from _matching(option_choices(spec, previous), current)


def _save_new(path: Path, content: bytes) -> Path:
    """Writes a file that did not exist (never overwriting an earlier export): `name-2.csv`
    when `name.csv` is taken, and so on; readable by the operator only."""
    for number in itertools.count(1):
        candidate = path if number == 1 else path.with_stem(f"{path.stem}-{number}")
        try:
            with open(candidate, "xb", opener=_private) as out:
                out.write(content)
        except FileExistsError:
            continue
        return candidate
    raise AssertionError("unreachable")


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def _running_job(reply: Reply) -> str | None:
    """The id of the job a reply shows running, if it does."""
    data = reply.data
    if isinstance(data, Mapping) and "steps" in data and data.get("state") == "running":
        return str(data.get("action"))
    return None


def _status(reply: Reply) -> int:
    """1 for an error, and for a job that ended with any step failed."""
    data = reply.data
    ended = data.get("state") if isinstance(data, Mapping) and "steps" in data else None
    return 1 if reply.failed or ended in ("partial", "failed", "unknown") else 0


def _confirmation(reply: Reply) -> str | None:
    """The pending action behind a confirmation card's Confirm button, if the reply is one."""
    for button in reply.buttons:
        decision = parse_action(button.action_id)
        if decision is not None and decision[1] == "confirm":
            return decision[0]
    return None


def _texts(reply: Reply) -> list[str]:
    return [block.text for block in reply.blocks if isinstance(block, Notice | Text)]


def _matching(candidates: Iterable[str], prefix: str) -> Iterator[Completion]:
    for candidate in candidates:
        if candidate.startswith(prefix):
            yield Completion(candidate, start_position=-len(prefix))


async def run_command(
    text: str, tenant: str | None, as_json: bool, *, confirm: bool = False
) -> int:
    """`deskhand run`: one command; the exit status says whether it worked."""
    settings = load_settings()
    async with AsyncExitStack() as stack:
        runtime = await stack.enter_async_context(_runtime(settings, stack))
        session = _session(runtime, settings, terminal_console(), terminal_console(stderr=True))
        status = await session.run_once(text, tenant=tenant, as_json=as_json, confirm=confirm)
    return status


async def run_console() -> None:
    """`deskhand console`: the interactive prompt."""
    settings = load_settings()
    out = terminal_console()
    async with AsyncExitStack() as stack:
        with out.status(
            "Starting Deskhand" + (" and the sandbox" if settings.uses_sandbox else "")
        ):
            runtime = await stack.enter_async_context(_runtime(settings, stack))
        session = _session(runtime, settings, out, terminal_console(stderr=True))
        await session.interactive(settings.home / "console_history")


def _runtime(settings: Settings, stack: AsyncExitStack) -> AbstractAsyncContextManager[Runtime]:
    """Logs go to a file so they never mix with what the operator reads."""
    settings.home.mkdir(parents=True, exist_ok=True)
    log_file = stack.enter_context((settings.home / "deskhand.log").open("a", encoding="utf-8"))
    configure_logging(log_file)
    return open_runtime(settings, operators=(console_actor(),))


def _session(runtime: Runtime, settings: Settings, out: Console, err: Console) -> ConsoleSession:
    """The session, once the operator has read how the sandbox started (a state file
    replaced, say)."""
    for note in runtime.sandbox.notes if runtime.sandbox else ():
        err.print(note, soft_wrap=True, highlight=False, markup=False)
    return ConsoleSession(runtime.router, out, err, settings.home / "exports", console_actor())
