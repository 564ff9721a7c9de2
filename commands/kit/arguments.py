"""Command lines to typed arguments, and the usage line generated from the same spec.

Words are split by `commands.kit.lexer` (quotes as people type them); every message names an
argument as it is typed (`--message`, `<user>`) and ends as a sentence.

An option other than a list (`--columns a --columns b`) is given once: the second of two
`--tenant`s is refused rather than silently winning. A command with a secret argument
(`commands.kit.registry.secret_fields`, a typed password) reads each positional as one word and
refuses any other word, so a password typed without its option, or after a mistyped one, is
never read as a user name and searched for, audited or shown back; its messages never quote
what was typed. What is kept of a request is `redacted_arguments`, never the typed line.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from commands.kit.lexer import split_words
from commands.kit.registry import CommandSpec, positional_kind
from core.errors import UsageError, as_sentence

__all__ = [
    "MAX_LINE",
    "MAX_WORD",
    "bind_arguments",
    "option_choices",
    "option_names",
    "redacted_arguments",
    "redacted_line",
    "split_command_line",
    "usage",
]

MAX_LINE = 2000
MAX_WORD = 256
_POSITIONAL = ("positional", "rest")


def split_command_line(text: str) -> tuple[str, list[str]]:
    """`"/user adele --tenant contoso"` → `("user", ["adele", "--tenant", "contoso"])`."""
    if len(text) > MAX_LINE:
        raise UsageError(f"That command is {len(text)} characters long; the limit is {MAX_LINE}.")
    words = split_words(text)
    if not words:
        raise UsageError("Type a command, for example /user adele, or /help.")
    name = words[0].lstrip("/").lower()
    for word in words:
        if len(word) > MAX_WORD:
            raise UsageError(
                f"An argument is {len(word)} characters long; the limit is {MAX_WORD}."
            )
    return name, words[1:]


@dataclass(frozen=True)
class _Param:
    field_name: str
    info: FieldInfo
    kind: Literal["positional", "rest", "flag", "list", "option"]

    @property
    def option(self) -> str:
        return "--" + self.field_name.replace("_", "-")

    @property
    def label(self) -> str:
        """The argument as the usage line and the person name it: `<user>` or `--message`."""
        return f"<{self.field_name}>" if self.kind in _POSITIONAL else self.option

    @property
    def metavar(self) -> str:
        choices = _choices(self.info.annotation)
        return "|".join(choices) if choices else self.field_name.upper()


def _params(model: type[BaseModel]) -> list[_Param]:
    params = []
    for name, info in model.model_fields.items():
        marker = positional_kind(info)
        if marker == "rest":
            kind: Literal["positional", "rest", "flag", "list", "option"] = "rest"
        elif marker:
            kind = "positional"
        elif _base(info.annotation) is bool:
            kind = "flag"
        elif typing.get_origin(_base(info.annotation)) in (list, tuple):
            kind = "list"
        else:
            kind = "option"
        params.append(_Param(name, info, kind))
    return params


def _base(annotation: Any) -> Any:
    """`X | None` → `X`."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _choices(annotation: Any) -> list[str]:
    base = _base(annotation)
    if typing.get_origin(base) in (list, tuple):
        base = typing.get_args(base)[0]
    if typing.get_origin(base) is Literal:
        return [str(choice) for choice in typing.get_args(base)]
    return []


def bind_arguments(spec: CommandSpec, words: list[str]) -> BaseModel:
    """Parse the words after the command name into the spec's argument model."""
    params = _params(spec.args)
    by_option = {param.option: param for param in params if param.kind not in _POSITIONAL}
    values: dict[str, Any] = {}
    given: set[str] = set()
    loose: list[str] = []
    queue = list(words)
    while queue:
        word = queue.pop(0)
        if not word.startswith("--") or len(word) == 2:
            loose.append(word)
            continue
        option, has_value, inline = word.partition("=")
        param = by_option.get(option.lower())
        if param is None:
            raise UsageError(_no_such_option(spec, option), usage(spec))
        if param.kind != "list" and param.field_name in given:
            raise UsageError(f"{param.option} was given twice; give it once.", usage(spec))
        given.add(param.field_name)
        if param.kind == "flag":
            if has_value:
                raise UsageError(f"{option} takes no value.", usage(spec))
            values[param.field_name] = True
            continue
        if not has_value:
            if not queue or queue[0].startswith("--"):
                raise UsageError(f"{option} needs a value ({param.metavar}).", usage(spec))
            inline = queue.pop(0)
        if param.kind == "list":
            items = [item.strip() for item in inline.split(",") if item.strip()]
            values.setdefault(param.field_name, []).extend(items)
        else:
            values[param.field_name] = inline
    _bind_positionals(spec, params, loose, values)
    try:
        return spec.args.model_validate(values)
    except ValidationError as error:
        raise UsageError(_explain(error, params), usage(spec)) from None


def _no_such_option(spec: CommandSpec, option: str) -> str:
    if spec.secrets:
        # `—Hunter2x` is read as an option: the word may be a password, so it is not repeated.
        return f"/{spec.name} has no option by that name; its options are below."
    return f"/{spec.name} has no option {option}."


def _bind_positionals(
    spec: CommandSpec, params: list[_Param], loose: list[str], values: dict[str, Any]
) -> None:
    # With a secret argument a "rest" positional takes one word: `lynne Hunter2x` must not
    # become a user name to search the directory for.
    one_word = bool(spec.secrets)
    for param in params:
        if param.kind == "rest" and loose and not one_word:
            values[param.field_name] = " ".join(loose)
            loose = []
        elif param.kind in _POSITIONAL and loose:
            values[param.field_name] = loose.pop(0)
    if loose and one_word:
        raise UsageError(_stray_words(spec, params), usage(spec))
    if loose:
        raise UsageError(f"Unexpected argument {loose[0]!r} for /{spec.name}.", usage(spec))


def _stray_words(spec: CommandSpec, params: list[_Param]) -> str:
    """The refusal of a word too many for a command with a secret: it never quotes the words."""
    takes = " and ".join(f"one {param.label}" for param in params if param.kind in _POSITIONAL)
    secrets = " or ".join(param.option for param in params if param.field_name in spec.secrets)
    return (
        f"/{spec.name} takes {takes or 'no words'} besides its options; put a name with spaces "
        f"in quotes. Type a password only after {secrets}, in a direct message with Deskhand "
        "or in the console; if others can read this conversation, do not use the one you typed."
    )


def redacted_arguments(spec: CommandSpec, args: BaseModel) -> dict[str, Any]:
    """The parsed arguments as JSON, secrets left out: what may be kept of a request."""
    return args.model_dump(mode="json", exclude=set(spec.secrets))


def redacted_line(spec: CommandSpec, args: BaseModel) -> str:
    """The request as a command line rebuilt from its parse, with only the arguments that were
    given and never a secret: `/reset-password lynne --no-force-change`."""
    given = redacted_arguments(spec, args)
    parts = [f"/{spec.name}"]
    params = sorted(_params(spec.args), key=lambda param: param.kind not in _POSITIONAL)
    for param in params:
        if param.field_name not in args.model_fields_set or param.field_name not in given:
            continue
        value = given[param.field_name]
        if param.kind in _POSITIONAL:
            parts.append(_quoted(str(value)))
        elif param.kind == "flag":
            parts += [param.option] if value else []
        elif param.kind == "list":
            parts += [param.option, _quoted(",".join(str(item) for item in value))]
        elif value is not None:
            parts += [param.option, _quoted(str(value))]
    return " ".join(parts)


def _quoted(value: str) -> str:
    if (
        value
        and value[0] not in "-\u2014\u2013"
        and not any(c.isspace() or c in "\"'" for c in value)
    ):
        return value
    return f"'{value}'" if '"' in value else f'"{value}"'


def _explain(error: ValidationError, params: list[_Param]) -> str:
    names = {param.field_name: param for param in params}
    problems = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        param = names.get(str(item["loc"][0])) if item["loc"] else None
        if param is None:
            problems.append(as_sentence(message[:1].upper() + message[1:]))
        elif item["type"] == "missing":
            problems.append(f"{param.label} is missing.")
        else:
            problems.append(as_sentence(f"{param.label}: {message}"))
    return " ".join(problems)


def usage(spec: CommandSpec) -> str:
    parts = [f"/{spec.name}"]
    # Positionals first, as people type them: `/ooo set adele --internal …`.
    params = sorted(_params(spec.args), key=lambda param: param.kind not in _POSITIONAL)
    for param in params:
        required = param.info.is_required()
        if param.kind in _POSITIONAL:
            text = f"<{param.field_name}>" if required else f"[{param.field_name}]"
        elif param.kind == "flag":
            text = f"[{param.option}]"
        else:
            text = f"{param.option} {param.metavar}"
            text = text if required else f"[{text}]"
        parts.append(text)
    return "Usage: " + " ".join(parts)


def option_names(spec: CommandSpec) -> list[str]:
    """The spec's `--options`, for completion."""
    return [param.option for param in _params(spec.args) if param.kind not in _POSITIONAL]


def option_choices(spec: CommandSpec, option: str) -> list[str]:
    """The values an option accepts when they are a fixed set, for completion."""
    for param in _params(spec.args):
        if param.option == option:
            return _choices(param.info.annotation)
    return []
