"""A small OData `$filter` parser (recursive descent) and evaluator over Graph JSON objects.

Grammar (the subset Graph supports on directory objects):
    expr    := and ("or" and)*
    and     := unary ("and" unary)*
    unary   := "not" unary | compare
    compare := operand (("eq"|"ne"|"gt"|"ge"|"lt"|"le") operand | "in" "(" literal ("," ...)* ")")?
    operand := "(" expr ")" | function "(" path "," literal ")" | literal | path [lambda]
    lambda  := "/any(" var ":" expr ")"
String comparisons are case-insensitive, as in Microsoft Entra.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import unsupported_query
from .odata_lexer import Token, invalid_filter, parse_datetime, tokenize

__all__ = ["Filter", "parse_filter"]

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}
_FUNCTIONS: dict[str, Callable[[str, str], bool]] = {
    "startswith": str.startswith,
    "endswith": str.endswith,
}
_KEYWORDS = {"true": True, "false": False, "null": None}


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Path:
    segments: tuple[str, ...]


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class In:
    operand: Node
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Function:
    name: str
    path: Path
    argument: str


@dataclass(frozen=True)
class Any_:
    collection: Path
    variable: str
    body: Node


@dataclass(frozen=True)
class Logical:
    op: str  # "and" | "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


Node = Literal | Path | Compare | In | Function | Any_ | Logical | Not


@dataclass(frozen=True)
class Filter:
    """A parsed `$filter`; `advanced` names the constructs that need an advanced query."""

    root: Node
    source: str

    def matches(self, entity: Mapping[str, Any]) -> bool:
        return bool(_evaluate(self.root, entity, {}))

    @property
    def properties(self) -> frozenset[str]:
        return frozenset(node.segments[0] for node in _walk(self.root) if isinstance(node, Path))

    @property
    def advanced(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_advanced(node) for node in _walk(self.root) if _advanced(node)))


def parse_filter(source: str) -> Filter:
    parser = _Parser(source, tokenize(source))
    root = parser.expression()
    parser.expect_end()
    return Filter(root, source)


class _Parser:
    def __init__(self, source: str, tokens: list[Token]) -> None:
        self.source = source
        self.tokens = tokens
        self.index = 0
        self.variables: set[str] = set()

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def at_word(self, *words: str) -> bool:
        return self.current.kind == "name" and self.current.text.lower() in words

    def expect(self, text: str) -> None:
        if self.current.text.lower() != text:
            raise invalid_filter(self.source, self.current.position)
        self.advance()

    def expect_end(self) -> None:
        if self.current.kind != "end":
            raise invalid_filter(self.source, self.current.position)

    def expression(self) -> Node:
        node = self.conjunction()
        while self.at_word("or"):
            self.advance()
            node = Logical("or", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.unary()
        while self.at_word("and"):
            self.advance()
            node = Logical("and", node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at_word("not"):
            self.advance()
            return Not(self.unary())
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        if self.at_word(*_COMPARISONS):
            op = self.advance().text.lower()
            return Compare(op, left, self.operand())
        if self.at_word("in"):
            self.advance()
            return In(left, self.literal_list())
        return left

    def literal_list(self) -> tuple[Any, ...]:
        self.expect("(")
        values = [self.literal().value]
        while self.current.text == ",":
            self.advance()
            values.append(self.literal().value)
        self.expect(")")
        return tuple(values)

    def operand(self) -> Node:
        token = self.current
        if token.text == "(":
            self.advance()
            node = self.expression()
            self.expect(")")
            return node
        if token.kind == "name" and token.text.lower() in _KEYWORDS:
            return self.literal()
        if token.kind == "name" and self.tokens[self.index + 1].text == "(":
            return self.function()
        if token.kind == "name":
            return self.path()
        return self.literal()

    def literal(self) -> Literal:
        token = self.advance()
        if token.kind == "name" and token.text.lower() in _KEYWORDS:
            return Literal(_KEYWORDS[token.text.lower()])
        if token.kind in ("string", "guid", "number", "datetime"):
            return Literal(token.value)
        raise invalid_filter(self.source, token.position)

    def function(self) -> Node:
        name = self.advance().text
        if name.lower() not in _FUNCTIONS:
            raise unsupported_query(f"Unsupported Query. Function '{name}' is not supported.")
        self.expect("(")
        path = self.path()
        self.expect(",")
        argument = self.literal().value
        self.expect(")")
        if not isinstance(path, Path) or not isinstance(argument, str):
            raise invalid_filter(self.source, self.current.position)
        return Function(name.lower(), path, argument)

    def path(self) -> Node:
        segments = [self.advance().text]
        while self.current.text == "/":
            self.advance()
            if self.at_word("any"):
                return self.lambda_any(Path(tuple(segments)))
            if self.current.kind != "name":
                raise invalid_filter(self.source, self.current.position)
            segments.append(self.advance().text)
        return Path(tuple(segments))

    def lambda_any(self, collection: Path) -> Node:
        self.advance()
        self.expect("(")
        variable = self.advance().text
        self.expect(":")
        self.variables.add(variable)
        body = self.expression()
        self.expect(")")
        return Any_(collection, variable, body)


def _walk(node: Node) -> Iterator[Node]:
    yield node
    children: tuple[Node, ...] = ()
    if isinstance(node, Compare | Logical):
        children = (node.left, node.right)
    elif isinstance(node, Not | In):
        children = (node.operand,)
    elif isinstance(node, Function):
        children = (node.path,)
    elif isinstance(node, Any_):
        children = (node.collection,)  # the body's paths are relative to the lambda variable
    for child in children:
        yield from _walk(child)


def _advanced(node: Node) -> str:
    if isinstance(node, Compare) and node.op == "ne":
        return "ne"
    if isinstance(node, Compare) and Literal(None) in (node.left, node.right):
        return "eq null"
    if isinstance(node, Not):
        return "not"
    if isinstance(node, Function) and node.name == "endswith":
        return "endsWith"
    if isinstance(node, Path) and "$count" in node.segments:
        return "$count"
    return ""


def _evaluate(node: Node, entity: Mapping[str, Any], scope: dict[str, Any]) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Path):
        return _resolve(node, entity, scope)
    if isinstance(node, Logical):
        left = bool(_evaluate(node.left, entity, scope))
        return (
            (left and bool(_evaluate(node.right, entity, scope)))
            if node.op == "and"
            else (left or bool(_evaluate(node.right, entity, scope)))
        )
    if isinstance(node, Not):
        return not _evaluate(node.operand, entity, scope)
    if isinstance(node, Compare):
        left, right = _comparable(
            _evaluate(node.left, entity, scope), _evaluate(node.right, entity, scope)
        )
        return _COMPARISONS[node.op](left, right)
    if isinstance(node, In):
        value = _evaluate(node.operand, entity, scope)
        return any(
            _comparable(value, candidate)[0] == _comparable(value, candidate)[1]
            for candidate in node.values
        )
    if isinstance(node, Function):
        value = _resolve(node.path, entity, scope)
        return isinstance(value, str) and _FUNCTIONS[node.name](
            value.casefold(), node.argument.casefold()
        )
    items = _resolve(node.collection, entity, scope) or []
    return any(_evaluate(node.body, entity, {**scope, node.variable: item}) for item in items)


def _resolve(path: Path, entity: Mapping[str, Any], scope: dict[str, Any]) -> Any:
    head, *rest = path.segments
    if head in scope:
        value = scope[head]
    elif head in entity:
        value = entity[head]
    else:
        raise unsupported_query(
            f"Unsupported or invalid query filter clause specified for property '{head}'."
        )
    for segment in rest:
        if segment == "$count":
            value = len(value or [])
        elif isinstance(value, Mapping):
            value = value.get(segment)
        else:
            value = None
    return value


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Dates compare as datetimes, strings case-insensitively, numbers as floats."""
    if isinstance(right, datetime) and isinstance(left, str):
        left = parse_datetime(left) if left else None
    if isinstance(left, datetime) and isinstance(right, str):
        right = parse_datetime(right) if right else None
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold(), right.casefold()
    if (
        isinstance(left, int | float)
        and isinstance(right, int | float)
        and not isinstance(left, bool)
    ):
        return float(left), float(right)
    return left, right
