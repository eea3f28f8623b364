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

__all__ = ["InvalidExpression", "Match", "Pattern", "compile", "compile_set", "deferred", "escape"]


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

try:
    # The binding's own matcher. The public wrapper maps every offset between
    # characters and UTF-8 bytes in Python, about 10 microseconds a call; on
    # ASCII text the offsets are the same, so the matcher's spans serve as they are.
    from re2 import _re2 as _binding

    _UNANCHORED, _ANCHOR_START, _ANCHOR_BOTH = (
        _binding.RE2.Anchor.UNANCHORED,
        _binding.RE2.Anchor.ANCHOR_START,
        _binding.RE2.Anchor.ANCHOR_BOTH,
    )
except (ImportError, AttributeError):  # pragma: no cover - another build of the binding
    _binding = None
_NO_SPAN = (-1, -1)


class _Match:
    """A match in ASCII text, from the matcher's spans (character and byte offsets agree)."""

    __slots__ = ("_spans", "re", "string")

    def __init__(self, expression: _Expression, text: str, spans: list[tuple[int, int]]) -> None:
        self.re = expression
        self.string = text
        self._spans = spans

    def _one(self, group: int | str) -> str | None:
        index = group if isinstance(group, int) else self.re.groupindex.get(group, -1)
        if not 0 <= index < len(self._spans):
            raise IndexError("no such group")
        start, end = self._spans[index]
        return None if start == -1 else self.string[start:end]

    def group(self, *groups: int | str) -> Any:
        if len(groups) <= 1:
            return self._one(groups[0] if groups else 0)
        return tuple(self._one(group) for group in groups)

    def __getitem__(self, group: int | str) -> str | None:
        return self._one(group)

    def groups(self, default: Any = None) -> tuple[Any, ...]:
        return tuple(default if value is None else value for value in (self._one(i) for i in range(1, len(self._spans))))

    def groupdict(self, default: Any = None) -> dict[str, Any]:
        return {name: (default if (value := self._one(index)) is None else value) for name, index in self.re.groupindex.items()}

    def start(self, group: int = 0) -> int:
        return self._spans[group][0]

    def end(self, group: int = 0) -> int:
        return self._spans[group][1]

    def span(self, group: int = 0) -> tuple[int, int]:
        start, end = self._spans[group]
        return start, end


class _Expression:
    """An RE2 expression with ``re``'s methods; ASCII text skips the wrapper's offset mapping."""

    __slots__ = ("_native", "_public", "groupindex", "pattern")

    def __init__(self, public: Any) -> None:
        self._public = public
        self._native: Any = getattr(public, "_regexp", None) if _binding is not None else None
        self.pattern: str = public.pattern
        self.groupindex: Mapping[str, int] = public.groupindex

    def _first(self, anchor: Any, text: str, pos: int, endpos: int | None) -> _Match | None:
        end = len(text) if endpos is None else max(0, min(endpos, len(text)))
        pos = max(0, min(pos, len(text)))
        if pos > end:
            return None
        spans = self._native.Match(anchor, text.encode("ascii"), pos, end)
        return None if spans[0] == _NO_SPAN else _Match(self, text, spans)

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> Match | None:
        if self._native is None or not text.isascii():
            return cast("Match | None", self._public.search(text, pos, endpos))
        return self._first(_UNANCHORED, text, pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> Match | None:
        if self._native is None or not text.isascii():
            return cast("Match | None", self._public.match(text, pos, endpos))
        return self._first(_ANCHOR_START, text, pos, endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int | None = None) -> Match | None:
        if self._native is None or not text.isascii():
            return cast("Match | None", self._public.fullmatch(text, pos, endpos))
        return self._first(_ANCHOR_BOTH, text, pos, endpos)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[Match]:
        if self._native is None or not text.isascii():
            return cast("Iterator[Match]", self._public.finditer(text, pos, endpos))
        return self._every(text, pos, endpos)

    def _every(self, text: str, pos: int, endpos: int | None) -> Iterator[_Match]:
        end = len(text) if endpos is None else max(0, min(endpos, len(text)))
        pos = max(0, min(pos, len(text)))
        if pos > end:
            return
        encoded = text.encode("ascii")
        while True:
            spans = self._native.Match(_UNANCHORED, encoded, pos, end)
            if spans[0] == _NO_SPAN:
                return
            yield _Match(self, text, spans)
            if pos == end:
                return
            # An empty match must not stop progress.
            pos = pos + 1 if spans[0][1] == pos else spans[0][1]

    def findall(self, text: str, pos: int = 0, endpos: int | None = None) -> list[Any]:
        if self._native is None or not text.isascii():
            return cast("list[Any]", self._public.findall(text, pos, endpos))
        groups = self._public.groups
        found: list[Any] = []
        for match in self._every(text, pos, endpos):
            if groups == 0:
                found.append(match.group())
            elif groups == 1:
                found.append(match.groups(default="")[0])
            else:
                found.append(match.groups(default=""))
        return found

    def _pieces(self, text: str, count: int, each: Callable[[Match], list[str | None]]) -> list[str | None]:
        # As the wrapper splits: the text between matches, and what ``each`` makes of every match.
        if count < 0:
            return [text]
        pieces: list[str | None] = []
        end = 0
        for number, match in enumerate(self.finditer(text)):
            if count and number >= count:
                break
            pieces.append(text[end : match.start()])
            pieces.extend(each(match))
            end = match.end()
        pieces.append(text[end:])
        return pieces

    def sub(self, repl: str | Callable[[Match], str], text: str, count: int = 0) -> str:
        if isinstance(repl, str):
            if "\\" in repl:
                # Group references in the template: the wrapper expands them.
                return cast(str, self._public.sub(repl, text, count))
            literal = repl
            return "".join(cast("list[str]", self._pieces(text, count, lambda _match: [literal])))
        function = repl
        return "".join(cast("list[str]", self._pieces(text, count, lambda match: [function(match)])))

    def split(self, text: str, maxsplit: int = 0) -> list[str]:
        groups = range(1, self._public.groups + 1)
        return cast("list[str]", self._pieces(text, maxsplit, lambda match: [match.group(g) for g in groups]))

    def __repr__(self) -> str:
        return f"regex.compile({self.pattern!r})"


def compile(pattern: str) -> Pattern:  # noqa: A001 - the name re's users expect
    """``pattern`` compiled by RE2.

    Raises:
        ValueError: the expression is not valid RE2, with RE2's reason.
    """
    try:
        return _Expression(re2.compile(pattern, _OPTIONS))
    except re2.error as error:
        raise InvalidExpression(_reason(error)) from None


_DEFERRED_ATTRIBUTES = ("search", "match", "fullmatch", "finditer", "findall", "sub", "split", "groupindex")


class _Deferred:
    """An expression compiled at its first use; from then on its compiled methods stand in the instance."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __getattr__(self, name: str) -> Any:
        # Reached only until the first use: the compiled expression's attributes then shadow this.
        if name.startswith("__"):
            raise AttributeError(name)
        compiled = compile(self.pattern)
        for attribute in _DEFERRED_ATTRIBUTES:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"regex.deferred({self.pattern!r})"


def deferred(pattern: str) -> Pattern:
    """``pattern``, compiled by RE2 when it is first used.

    For the expressions a module defines for itself: most modules hold several,
    and a run uses few of them. An expression from the user or a pattern file is
    for :func:`compile`, which says at once whether it is valid; this one raises
    :class:`InvalidExpression` at its first use.
    """
    return cast(Pattern, _Deferred(pattern))


class InvalidExpression(ValueError):
    """An expression RE2 cannot compile (look-around, back-references, a syntax error)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"not a valid RE2 expression: {reason}")
        self.reason = reason
        """RE2's own words."""


def _reason(error: Exception) -> str:
    detail = error.args[0] if error.args else error
    return detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)


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
            raise InvalidExpression(_reason(error)) from None
    compiled.Compile()

    def matching(text: str) -> list[int]:
        return sorted(compiled.Match(text) or ())

    return matching


def escape(text: str) -> str:
    """``text`` with every character that is special in an expression escaped."""
    escaped: str = re2.escape(text)
    return escaped
