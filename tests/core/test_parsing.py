from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, model_validator

from cards.reply import Reply
from commands.kit.arguments import MAX_LINE, bind_arguments, split_command_line, usage
from commands.kit.context import CommandContext
from commands.kit.registry import Registry, command, positional
from core.errors import UsageError


class PeopleArgs(BaseModel):
    query: str | None = positional("who", rest=True, default=None)
    tenant: str | None = None
    mfa: Literal["registered", "unregistered"] | None = None
    inactive: int | None = None
    licensed: bool = False
    unlicensed: bool = False
    columns: list[str] = []

    @model_validator(mode="after")
    def _exclusive(self) -> PeopleArgs:
        if self.licensed and self.unlicensed:
            raise ValueError("--licensed and --unlicensed cannot be used together")
        return self


registry = Registry()


@command("people", args=PeopleArgs, registry=registry)
async def people(ctx: CommandContext, args: PeopleArgs) -> Reply:
    """List people."""
    return Reply()


SPEC = registry.get("people")
assert SPEC is not None


def bind(line: str) -> PeopleArgs:
    name, words = split_command_line(line)
    assert name == "people"
    result = bind_arguments(SPEC, words)
    assert isinstance(result, PeopleArgs)
    return result


def test_slash_and_case_are_ignored_in_the_command_name() -> None:
    assert split_command_line("/People adele")[0] == "people"
    assert split_command_line("people")[0] == "people"


def test_remaining_words_form_the_rest_argument() -> None:
    assert bind("/people adele vance --tenant contoso").query == "adele vance"


def test_apostrophes_need_no_quoting() -> None:
    assert bind("/people o'brien").query == "o'brien"


@pytest.mark.parametrize(
    "quoted",
    [
        '"Microsoft 365 E3"',
        "'Microsoft 365 E3'",
        "\u201cMicrosoft 365 E3\u201d",  # smart punctuation on macOS and iOS
        "\u2018Microsoft 365 E3\u2019",
        "\u201eMicrosoft 365 E3\u201c",
    ],
)
def test_straight_single_and_curly_quotes_group_words(quoted: str) -> None:
    assert split_command_line(f"/license add adele {quoted} --tenant x")[1] == [
        "add",
        "adele",
        "Microsoft 365 E3",
        "--tenant",
        "x",
    ]


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ("/user sean.o'brien@contoso.com", "sean.o'brien@contoso.com"),
        ("/user O'Brien", "O'Brien"),
        ("/user O\u2019Brien", "O'Brien"),  # the typographic apostrophe of smart punctuation
        ("/user 'O'Brien'", "O'Brien"),
        ("/user \u2018O\u2019Brien\u2019", "O'Brien"),
        ("/user rock'n'roll", "rock'n'roll"),
    ],
)
def test_an_apostrophe_inside_a_word_stays_a_letter(line: str, word: str) -> None:
    assert split_command_line(line)[1] == [word]


def test_a_quote_opens_an_option_value_written_inline() -> None:
    assert split_command_line("/x --product='Microsoft 365 E3'")[1] == [
        "--product=Microsoft 365 E3"
    ]


def test_an_unclosed_single_quote_is_named() -> None:
    with pytest.raises(UsageError, match=r"A single quote \('\) is not closed"):
        split_command_line("/license add adele 'Microsoft 365 E3")


def test_unicode_arguments_survive() -> None:
    assert bind("/people Zoë Ångström").query == "Zoë Ångström"


def test_options_take_values_inline_or_after() -> None:
    args = bind("/people --mfa=unregistered --inactive 90 --licensed")
    assert (args.mfa, args.inactive, args.licensed) == ("unregistered", 90, True)


def test_list_options_split_on_commas_and_repeat() -> None:
    assert bind("/people --columns a,b --columns c").columns == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("line", "option"),
    [
        ("/people --tenant a --tenant b", "--tenant"),
        ("/people --tenant=a --TENANT b", "--tenant"),
        ("/people --inactive 30 --inactive 90", "--inactive"),
        ("/people --licensed --licensed", "--licensed"),
        ("/people --tenant a \u2014tenant b", "--tenant"),
    ],
)
def test_an_option_given_twice_is_refused_not_silently_overridden(line: str, option: str) -> None:
    with pytest.raises(UsageError) as caught:
        bind(line)
    assert caught.value.message == f"{option} was given twice; give it once."
    assert caught.value.usage == usage(SPEC)


@pytest.mark.parametrize("dash", ["\u2014", "\u2013"])
def test_an_em_or_en_dash_before_an_option_name_reads_as_two_hyphens(dash: str) -> None:
    # What macOS and iOS smart punctuation make of a typed `--`.
    assert split_command_line(f"/people adele {dash}tenant contoso {dash}mfa=registered")[1] == [
        "adele",
        "--tenant",
        "contoso",
        "--mfa=registered",
    ]
    args = bind(f"/people {dash}tenant contoso {dash}licensed {dash}columns='a b'")
    assert (args.tenant, args.licensed, args.columns) == ("contoso", True, ["a b"])


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("/people adele \u2014 vance", ["adele", "\u2014", "vance"]),
        ("/people \u2013 5", ["\u2013", "5"]),
        ("/people \u20135 \u20145", ["\u20135", "\u20145"]),
        ("/people smith\u2014jones 2020\u20132021", ["smith\u2014jones", "2020\u20132021"]),
        ('/people "\u2014draft" \u2018\u2013final\u2019', ["\u2014draft", "\u2013final"]),
        ("/people --message='\u2014tenant'", ["--message=\u2014tenant"]),
        ("/people \u2014\u2014tenant -tenant", ["\u2014\u2014tenant", "-tenant"]),
    ],
)
def test_a_dash_anywhere_but_before_an_option_name_stays_text(line: str, words: list[str]) -> None:
    assert split_command_line(line)[1] == words


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("/people --bogus", "has no option --bogus"),
        ("/people --mfa", "--mfa needs a value (registered|unregistered)"),
        ("/people --mfa sometimes", "--mfa: Input should be 'registered' or 'unregistered'"),
        ("/people --inactive soon", "--inactive: Input should be a valid integer"),
        ("/people --licensed --unlicensed", "cannot be used together"),
        ("/people --licensed=yes", "--licensed takes no value"),
        ('/people "adele', "double quote"),
        ("/people " + "x" * 300, "the limit is 256"),
        ("/people " + "x " * MAX_LINE, f"the limit is {MAX_LINE}"),
        ("   ", "Type a command"),
    ],
)
def test_malformed_lines_are_usage_errors(line: str, fragment: str) -> None:
    with pytest.raises(UsageError) as caught:
        _, words = split_command_line(line)
        bind_arguments(SPEC, words)
    assert fragment in caught.value.message


class NoteArgs(BaseModel):
    who: str = positional("who")
    message: str
    start: int | None = None

    @model_validator(mode="after")
    def _positive(self) -> NoteArgs:
        if self.start is not None and self.start < 0:
            raise ValueError("give --start as a positive number")
        return self


@command("note", args=NoteArgs, registry=registry)
async def note(ctx: CommandContext, args: NoteArgs) -> Reply:
    """Leave a note."""
    return Reply()


def test_a_missing_option_is_named_as_typed_with_the_usage() -> None:
    spec = registry.get("note")
    assert spec is not None
    with pytest.raises(UsageError) as caught:
        bind_arguments(spec, ["adele"])
    assert caught.value.message == "--message is missing."
    assert caught.value.usage == "Usage: /note <who> --message MESSAGE [--start START]"
    with pytest.raises(UsageError) as caught:
        bind_arguments(spec, ["--message", "hi"])
    assert caught.value.message == "<who> is missing."


def test_a_validator_message_becomes_a_sentence() -> None:
    spec = registry.get("note")
    assert spec is not None
    with pytest.raises(UsageError) as caught:
        bind_arguments(spec, ["adele", "--message", "hi", "--start", "-1"])
    assert caught.value.message == "Give --start as a positive number."


def test_usage_errors_carry_the_generated_usage_line() -> None:
    with pytest.raises(UsageError) as caught:
        bind_arguments(SPEC, ["--bogus"])
    assert caught.value.usage == usage(SPEC)


def test_usage_line_is_generated_from_the_model() -> None:
    assert usage(SPEC) == (
        "Usage: /people [query] [--tenant TENANT] [--mfa registered|unregistered] "
        "[--inactive INACTIVE] [--licensed] [--unlicensed] [--columns COLUMNS]"
    )
