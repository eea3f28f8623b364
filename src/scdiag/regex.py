"""Regular expressions for scdiag and its adapters, on RE2 like the failure patterns.

RE2 matches in time linear in the input, whatever the expression and the
text: a hostile or merely unlucky capture cannot make a reader, a report or
the redaction backtrack for minutes. Its dialect has no lookarounds and no
backreferences; flags are written inline (``(?m)``, ``(?i)``, ``(?s)``).
The compiled expressions offer ``search``, ``match``, ``fullmatch``,
``finditer``, ``findall``, ``sub`` and ``split`` as Python's ``re`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol, cast

import re2

__all__ = ["Match", "Pattern", "compile", "compile_set", "escape"]


class Match(Protocol):
    """A match, as Python's ``re.Match`` (groups by number; by name through ``groupindex``)."""

    @property
    def re(self) -> Pattern: ...

    def group(self, *groups: int | str) -> Any: ...

    def groupdict(self) -> dict[str, Any]: ...

    def start(self, group: int = 0) -> int: ...

    def end(self, group: int = 0) -> int: ...

    def span(self, group: int = 0) -> tuple[int, int]: ...


class Pattern(Protocol):
    """A compiled expression, as Python's ``re.Pattern``."""

    @property
    def pattern(self) -> str: ...

    @property
    def groupindex(self) -> Mapping[str, int]: ...

    def search(self, text: str, pos: int = ..., endpos: int = ...) -> Match | None: ...

    def match(self, text: str, pos: int = ..., endpos: int = ...) -> Match | None: ...

    def fullmatch(self, text: str, pos: int = ..., endpos: int = ...) -> Match | None: ...

    def finditer(self, text: str, pos: int = ..., endpos: int = ...) -> Iterator[Match]: ...

    def findall(self, text: str, pos: int = ..., endpos: int = ...) -> list[Any]: ...

    def sub(self, repl: str | Callable[[Match], str], text: str, count: int = 0) -> str: ...

    def split(self, text: str, maxsplit: int = 0) -> list[str]: ...

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # the reason is in the exception; RE2 would also print it to stderr


def compile(pattern: str) -> Pattern:  # noqa: A001 - the name re's users expect
    """``pattern`` compiled by RE2.

    Raises:
        ValueError: the expression is not valid RE2, with RE2's reason.
    """
    try:
        return cast(Pattern, re2.compile(pattern, _OPTIONS))
    except re2.error as error:
        raise ValueError(f"not a valid RE2 expression: {error}") from None


def compile_set(patterns: list[str]) -> Callable[[str], list[int]]:
    """A test of which of ``patterns`` match somewhere in a text, in one RE2 pass: indexes in order.

    Raises:
        ValueError: an expression is not valid RE2.
    """
    if not patterns:
        return lambda _text: []
    compiled = re2.Set.SearchSet(_OPTIONS)
    for pattern in patterns:
        try:
            compiled.Add(pattern)
        except re2.error as error:
            raise ValueError(f"not a valid RE2 expression: {error}") from None
    compiled.Compile()

    def matching(text: str) -> list[int]:
        return sorted(compiled.Match(text) or ())

    return matching


def escape(text: str) -> str:
    """``text`` with every character that is special in an expression escaped."""
    escaped: str = re2.escape(text)
    return escaped
