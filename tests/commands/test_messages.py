"""Every message the parser can give for a real command names arguments as they are typed and
ends as a sentence."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from cards.reply import Notice, Reply
from commands import REGISTRY
from commands.kit.arguments import bind_arguments, option_choices, option_names
from commands.kit.registry import CommandSpec
from core.errors import DeskhandError, UsageError, as_sentence

SENTENCE_END = re.compile("[.!?\u2026][)\\]\"'\u201d\u2019\u00bb]*\\Z")


def _bad_lines(spec: CommandSpec) -> Iterator[list[str]]:
    yield []
    yield ["--no-such-option"]
    yield ["a", "b", "c", "d", "e", "f"]
    for option in option_names(spec):
        yield ["someone", option]
        yield ["someone", f"{option}=x"]
        yield ["someone", option, "not-a-choice-or-number"]
        for choice in option_choices(spec, option)[:1]:
            yield ["someone", option, choice]


def _parse_errors() -> Iterator[tuple[str, str]]:
    for spec in REGISTRY:
        for words in _bad_lines(spec):
            try:
                bind_arguments(spec, words)
            except UsageError as error:
                yield f"/{spec.name} {' '.join(words)}", error.message


PARSE_ERRORS = list(_parse_errors())


def test_the_walk_meets_many_parse_errors() -> None:
    assert len(PARSE_ERRORS) > 100


@pytest.mark.parametrize(("line", "message"), PARSE_ERRORS, ids=[line for line, _ in PARSE_ERRORS])
def test_every_parse_error_ends_as_a_sentence(line: str, message: str) -> None:
    assert SENTENCE_END.search(message), message


@pytest.mark.parametrize(("line", "message"), PARSE_ERRORS, ids=[line for line, _ in PARSE_ERRORS])
def test_every_parse_error_names_arguments_as_typed(line: str, message: str) -> None:
    spec = REGISTRY.find(line.split(" ")[0].lstrip("/"), line.split(" ")[1:])[0]
    assert spec is not None
    options = set(option_names(spec))
    for name in re.findall(r"<(\w+)>", message):
        assert f"--{name.replace('_', '-')}" not in options, (
            f"{message!r} names an option as <{name}>"
        )


def test_every_missing_required_option_is_named_as_its_option() -> None:
    ooo = REGISTRY.get("ooo set")
    assert ooo is not None
    with pytest.raises(UsageError) as caught:
        bind_arguments(ooo, ["adele"])
    assert caught.value.message == "--internal is missing."
    assert caught.value.usage.startswith("Usage: /ooo set <user> ")


@pytest.mark.parametrize(
    "message",
    ["No user matches adele", "Bad input (see /help)", "Try /tenants:", "Stop here"],
)
def test_every_error_message_ends_as_a_sentence_whoever_raised_it(message: str) -> None:
    assert SENTENCE_END.search(DeskhandError(message).message)
    assert SENTENCE_END.search(as_sentence(message))


def test_the_error_reply_ends_its_message_as_a_sentence_and_keeps_the_usage() -> None:
    reply = Reply.error("--internal is missing", "Usage: /ooo set <user>")
    notice = reply.blocks[0]
    assert isinstance(notice, Notice)
    assert notice.text == "--internal is missing.\nUsage: /ooo set <user>"
