"""A command line split into words the way people type them in chat.

Straight, single and curly quotes (the ones macOS and iOS smart punctuation puts into Slack and
Teams) group words, but only a quote that opens a word opens a group, and only one that ends a
word closes it: the apostrophe in `O'Brien` or `sean.o'brien@contoso.com` stays a letter, and the
typographic apostrophe (U+2019) becomes the plain one, which is what directories hold.

The same smart punctuation turns a typed `--` into an em dash (U+2014) or, on some keyboards, an
en dash (U+2013): a word that starts with one of them followed directly by a letter, outside
quotes, is read as an option (`—password` is `--password`). Any other dash stays text: alone
(`a — b`), before a digit (`—5`), inside a word (`a—b`) or quoted (`"—draft"`).
"""

from __future__ import annotations

import re

from core.errors import UsageError

__all__ = ["split_words"]

_DOUBLE = '"\u201c\u201d\u201e\u201f'
_SINGLE = "'\u2018\u2019\u201a\u201b"
_APOSTROPHE = "\u2019"
_DASHES = "\u2014\u2013"
"""Em and en dash: what smart punctuation makes of a typed `--`."""
_OPTION_VALUE = re.compile(r"--[A-Za-z][\w-]*=\Z")
"""`--product=` : a quote right after it opens the option's value."""


def split_words(text: str) -> list[str]:
    """`/license add adele 'Microsoft 365 E3'` → `/license`, `add`, `adele`, `Microsoft 365 E3`."""
    words: list[str] = []
    at, end = 0, len(text)
    while at < end:
        if text[at].isspace():
            at += 1
            continue
        word = ""
        if _is_dashed_option(text, at):
            word, at = "--", at + 1
        while at < end and not text[at].isspace():
            char = text[at]
            family = _DOUBLE if char in _DOUBLE else _SINGLE if char in _SINGLE else ""
            if family and (not word or _OPTION_VALUE.match(word)):
                closing = _closing_quote(text, at + 1, family)
                if closing is None:
                    kind = "double" if family is _DOUBLE else "single"
                    raise UsageError(
                        f"A {kind} quote ({char}) is not closed: close it, or leave it out."
                    )
                word += _plain(text[at + 1 : closing])
                at = closing + 1
                continue
            word += _plain(char)
            at += 1
        words.append(word)
    return words


def _is_dashed_option(text: str, at: int) -> bool:
    """`—password` at `at`: a dash smart punctuation made, then the letter an option starts with."""
    return (
        text[at] in _DASHES
        and at + 1 < len(text)
        and text[at + 1].isascii()
        and text[at + 1].isalpha()
    )


def _closing_quote(text: str, start: int, family: str) -> int | None:
    """The first quote of `family` from `start` that ends a word."""
    for at in range(start, len(text)):
        if text[at] in family and (at + 1 == len(text) or text[at + 1].isspace()):
            return at
    return None


def _plain(text: str) -> str:
    return text.replace(_APOSTROPHE, "'")
