"""Command lines to typed arguments, and the usage line generated from the same spec.

Words are split by `commands.lexer` (quotes as people type them); every message names an
argument as it is typed (`--message`, `<user>`) and ends as a sentence.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from commands.lexer import split_words
from commands.registry import CommandSpec, positional_kind
from core.errors import UsageError, as_sentence

__all__ = [
    "MAX_LINE",
    "MAX_WORD",
    "bind_arguments",
    "option_choices",
    "option_names",
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
            raise UsageError(f"/{spec.name} has no option {option}.", usage(spec))
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


def _bind_positionals(
    spec: CommandSpec, params: list[_Param], loose: list[str], values: dict[str, Any]
) -> None:
    for param in params:
        if param.kind == "rest" and loose:
            values[param.field_name] = " ".join(loose)
            loose = []
        elif param.kind == "positional" and loose:
            values[param.field_name] = loose.pop(0)
    if loose:
        raise UsageError(f"Unexpected argument {loose[0]!r} for /{spec.name}.", usage(spec))


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
