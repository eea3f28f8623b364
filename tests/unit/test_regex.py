"""scdiag.regex answers as RE2's own wrapper does, on ASCII and on any other text."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from scdiag import regex
from scdiag.redaction import builtin_rules

EXPRESSIONS = [
    r"^([A-Z][A-Za-z -]*[A-Za-z]):(?:\s+(.*))?$",
    r"(?i)oom(killed)?",
    r"(\d+) (desired|updated|total)",
    r"(?P<key>\w+)=(?P<value>\S*)",
    r"",
    r"x*",
    r"\bexit code (\d+)",
    r"(a)|(b)",
]
TEXT = st.text(alphabet=st.sampled_from("aAbx OOMkilled=:-1234 \tExit code é€\n"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(EXPRESSIONS) - 1), text=TEXT, pos=st.integers(0, 70), endpos=st.one_of(st.none(), st.integers(0, 70)))
def test_search_match_and_fullmatch_agree_with_re2(index: int, text: str, pos: int, endpos: int | None) -> None:
    ours, theirs = regex.compile(EXPRESSIONS[index]), re2.compile(EXPRESSIONS[index])
    for method in ("search", "match", "fullmatch"):
        mine, other = getattr(ours, method)(text, pos, endpos), getattr(theirs, method)(text, pos, endpos)
        assert (mine is None) == (other is None), method
        if mine is not None:
            assert [mine.span(g) for g in range(theirs.groups + 1)] == [other.span(g) for g in range(theirs.groups + 1)]
            assert [mine.group(g) for g in range(theirs.groups + 1)] == [other.group(g) for g in range(theirs.groups + 1)]
            assert mine.groupdict() == other.groupdict()


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(EXPRESSIONS) - 1), text=TEXT)
def test_finditer_and_findall_agree_with_re2(index: int, text: str) -> None:
    ours, theirs = regex.compile(EXPRESSIONS[index]), re2.compile(EXPRESSIONS[index])
    assert [m.span() for m in ours.finditer(text)] == [m.span() for m in theirs.finditer(text)]
    assert ours.findall(text) == theirs.findall(text)


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(EXPRESSIONS) - 1), text=TEXT, count=st.integers(-1, 3))
def test_split_and_sub_agree_with_re2(index: int, text: str, count: int) -> None:
    ours, theirs = regex.compile(EXPRESSIONS[index]), re2.compile(EXPRESSIONS[index])
    assert ours.split(text, count) == theirs.split(text, count)
    assert ours.sub("<m>", text, max(count, 0)) == theirs.sub("<m>", text, max(count, 0))
    assert ours.sub(lambda m: m.group(0).upper(), text) == theirs.sub(lambda m: m.group(0).upper(), text)
    assert ours.sub(r"[\\0]", text) == theirs.sub(r"[\\0]", text)


def test_a_named_group_is_read_by_name() -> None:
    found = regex.compile(r"(?P<key>\w+)=(?P<value>\S*)").search("limit memory=512Mi")
    assert found is not None
    assert (found.group("key"), found.group("value")) == ("memory", "512Mi")


def test_an_expression_that_is_not_re2_is_refused_with_the_reason() -> None:
    try:
        regex.compile(r"(?<=a)b")
    except ValueError as error:
        assert "not a valid RE2 expression" in str(error)
    else:
        raise AssertionError("a lookbehind compiled")


@settings(max_examples=100, deadline=None)
@given(index=st.integers(0, len(EXPRESSIONS) - 1), text=TEXT)
def test_a_deferred_expression_answers_as_a_compiled_one(index: int, text: str) -> None:
    later, now = regex.deferred(EXPRESSIONS[index]), regex.compile(EXPRESSIONS[index])
    assert [m.span() for m in later.finditer(text)] == [m.span() for m in now.finditer(text)]
    assert later.sub("-", text) == now.sub("-", text)
    assert later.groupindex == now.groupindex
    assert later.pattern == EXPRESSIONS[index]


def test_a_deferred_expression_that_is_not_re2_is_refused_at_its_first_use() -> None:
    expression = regex.deferred(r"(?<=a)b")

    with pytest.raises(regex.InvalidExpression, match="not a valid RE2 expression"):
        expression.search("ab")


def _deferred_in(module: ModuleType) -> Iterator[tuple[str, regex.Pattern]]:
    for name, value in vars(module).items():
        if repr(value).startswith("regex.deferred("):
            yield f"{module.__name__}.{name}", value


def _modules() -> Iterator[ModuleType]:
    for root in ("scdiag", "scdiag_aws", "scdiag_gcp", "scdiag_k8s", "scdiag_azure"):
        package = importlib.import_module(root)
        yield package
        for found in pkgutil.walk_packages(package.__path__, f"{root}."):
            if not found.name.endswith(".__main__"):
                yield importlib.import_module(found.name)


def test_every_expression_a_module_defers_is_valid_re2() -> None:
    found = dict(item for module in _modules() for item in _deferred_in(module))
    found.update((f"masking rule {rule.name}", rule.pattern) for rule in builtin_rules())
    refused = {}
    for name, expression in found.items():
        try:
            regex.compile(expression.pattern)
        except regex.InvalidExpression as error:
            refused[name] = error.reason

    assert len(found) > 50
    assert refused == {}
