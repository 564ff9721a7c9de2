"""Commands with a secret argument (a typed password): the secret is read only after its
option, a stray word is refused without being repeated, and what is kept of a request is
rebuilt from its parse without the secret."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, SecretStr

from cards.reply import Reply
from commands import REGISTRY
from commands.kit.arguments import (
    bind_arguments,
    redacted_arguments,
    redacted_line,
    split_command_line,
)
from commands.kit.context import CommandContext
from commands.kit.registry import CommandSpec, Registry, command, positional, secret_fields
from commands.password import ResetPasswordArgs
from core.errors import UsageError

SECRET = "Hunter2Secret!x"


def _spec(name: str = "reset-password") -> CommandSpec:
    spec = REGISTRY.get(name)
    assert spec is not None
    return spec


def _bind(line: str) -> ResetPasswordArgs:
    name, words = split_command_line(line)
    spec, words = REGISTRY.find(name, words)
    assert spec is not None
    args = bind_arguments(spec, words)
    assert isinstance(args, ResetPasswordArgs)
    return args


def _refusal(line: str) -> str:
    with pytest.raises(UsageError) as caught:
        _bind(line)
    return caught.value.message


def test_the_typed_password_is_the_reset_commands_only_secret() -> None:
    assert _spec().secrets == {"password"}
    assert [spec.name for spec in REGISTRY if spec.secrets] == ["reset-password"]


@pytest.mark.parametrize("dash", ["--", "\u2014", "\u2013"])
def test_a_password_after_its_option_however_the_dashes_came_out(dash: str) -> None:
    args = _bind(f"/reset-password lynne {dash}password {SECRET}")
    assert args.user == "lynne" and args.password is not None
    assert args.password.get_secret_value() == SECRET


@pytest.mark.parametrize(
    "line",
    [
        f"/reset-password lynne {SECRET}",
        f"/reset-password lynne robbins {SECRET}",
        f"/reset-password {SECRET} lynne --no-force-change",
        f"/reset-password lynne \u2014 password {SECRET}",
        f"/reset-password lynne -password {SECRET}",
        f"/reset-password lynne --password {SECRET} {SECRET}",
    ],
)
def test_a_word_too_many_is_refused_without_being_repeated(line: str) -> None:
    message = _refusal(line)
    assert SECRET not in message and "robbins" not in message
    assert message.startswith("/reset-password takes one <user> besides its options")
    assert "put a name with spaces in quotes" in message and "only after --password" in message


def test_a_name_with_spaces_is_quoted_for_a_command_with_a_secret() -> None:
    assert _bind('/reset-password "Lynne Robbins"').user == "Lynne Robbins"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"/reset-password lynne \u2014{SECRET}", "has no option by that name"),
        (f"/reset-password lynne --{SECRET}", "has no option by that name"),
        (f"/reset-password lynne --pasword {SECRET}", "has no option by that name"),
        (f"/reset-password lynne --password {SECRET} --password x", "--password was given twice"),
        (f"/reset-password lynne --no-force-change={SECRET}", "takes no value"),
    ],
)
def test_parse_errors_of_a_command_with_a_secret_never_quote_it(line: str, expected: str) -> None:
    message = _refusal(line)
    assert expected in message and SECRET not in message


def test_what_is_kept_of_a_request_leaves_the_secret_out() -> None:
    spec = _spec()
    args = _bind(f"/reset-password 'Lynne Robbins' --password {SECRET} --no-force-change")
    assert redacted_arguments(spec, args) == {
        "user": "Lynne Robbins",
        "tenant": None,
        "reason": None,
        "no_force_change": True,
    }
    line = redacted_line(spec, args)
    assert line == '/reset-password "Lynne Robbins" --no-force-change'
    assert _bind(line).password is None  # the rebuilt line parses to the same, secretless


class _LooseArgs(BaseModel):
    who: str = positional("who")
    token: str = Field(description="a token", json_schema_extra={"secret": True})


def test_an_argument_marked_secret_must_be_a_secret_string() -> None:
    with pytest.raises(TypeError, match="marked secret but is not a SecretStr"):
        command("loose", args=_LooseArgs, registry=Registry())


class _PositionalSecretArgs(BaseModel):
    token: SecretStr = positional("a token")


def test_a_secret_is_never_a_positional_argument() -> None:
    with pytest.raises(TypeError, match="is a secret, so it must be an option"):
        command("positional", args=_PositionalSecretArgs, registry=Registry())


class _TokenArgs(BaseModel):
    words: str = positional("words", rest=True)
    token: SecretStr | None = None


def test_any_secret_string_argument_makes_its_command_refuse_stray_words() -> None:
    registry = Registry()

    @command("token", args=_TokenArgs, registry=registry)
    async def token(ctx: CommandContext, args: _TokenArgs) -> Reply:
        """Use a token."""
        return Reply()

    spec = registry.get("token")
    assert spec is not None and secret_fields(_TokenArgs) == {"token"}
    assert bind_arguments(spec, ["one", "--token", SECRET]).model_dump()["words"] == "one"
    with pytest.raises(UsageError) as caught:
        bind_arguments(spec, ["one", SECRET])
    assert SECRET not in caught.value.message and "only after --token" in caught.value.message
