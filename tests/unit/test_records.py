"""scdiag's record decorators behave as attrs' own frozen and define classes do."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from scdiag._records import mutable_record, record


def _point(decorate: Any) -> Any:
    @decorate
    class Point:
        x: int
        label: str = ""
        note: str = attrs.field(default="", eq=False)
        secret: str = attrs.field(default="", repr=False)
        shown: str = attrs.field(default="", repr=lambda value: f"<{len(value)} chars>")
        later: int = attrs.field(init=False, default=0)

    return Point


@pytest.fixture(params=["frozen", "define"])
def twins(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    """The same class made by attrs and by the matching record decorator."""
    if request.param == "frozen":
        return _point(attrs.frozen), _point(record)
    return _point(attrs.define), _point(mutable_record)


def test_repr_is_the_one_attrs_writes(twins: tuple[Any, Any]) -> None:
    made_by_attrs, made_here = twins
    values = {"x": 3, "label": "api", "note": "n", "secret": "hunter2", "shown": "abcd"}

    assert repr(made_here(**values)) == repr(made_by_attrs(**values))


def test_repr_leaves_out_a_field_marked_repr_false(twins: tuple[Any, Any]) -> None:
    assert "hunter2" not in repr(twins[1](1, secret="hunter2"))


def test_equal_fields_make_equal_instances(twins: tuple[Any, Any]) -> None:
    made_here = twins[1]

    assert made_here(1, "a") == made_here(1, "a")
    assert made_here(1, "a") != made_here(1, "b")


def test_a_field_marked_eq_false_is_not_compared(twins: tuple[Any, Any]) -> None:
    made_here = twins[1]

    assert made_here(1, note="one") == made_here(1, note="two")


def test_another_class_with_the_same_fields_is_not_equal(twins: tuple[Any, Any]) -> None:
    made_by_attrs, made_here = twins

    assert made_here(1) != made_by_attrs(1)
    assert made_here(1).__eq__(made_by_attrs(1)) is NotImplemented


def test_equal_records_hash_alike() -> None:
    point = _point(record)

    assert hash(point(1, "a", note="one")) == hash(point(1, "a", note="two"))
    assert len({point(1, "a"), point(1, "a"), point(2, "a")}) == 2


def test_a_mutable_record_is_unhashable() -> None:
    with pytest.raises(TypeError, match="unhashable"):
        hash(_point(mutable_record)(1))


def test_a_record_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        _point(record)(1).x = 2  # type: ignore[misc]


def test_eq_false_keeps_identity_comparison() -> None:
    @record(eq=False)
    class Handle:
        name: str

    first = Handle("a")

    assert first == first
    assert first != Handle("a")
    assert repr(first) == "Handle(name='a')"


def test_a_field_hash_false_is_left_out_of_the_hash_only() -> None:
    @record
    class Tagged:
        name: str
        tag: str = attrs.field(default="", hash=False)

    assert hash(Tagged("a", "x")) == hash(Tagged("a", "y"))
    assert Tagged("a", "x") != Tagged("a", "y")


def test_a_class_writing_its_own_repr_keeps_it() -> None:
    @record
    class Named:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

    assert repr(Named("a")) == "<a>"
    assert Named("a") == Named("a")


def test_a_cycle_is_shown_once() -> None:
    @mutable_record
    class Node:
        children: list[Any] = attrs.field(factory=list)

    node = Node()
    node.children.append(node)

    assert repr(node) == "Node(children=[...])"


def test_a_field_compared_by_a_key_is_refused() -> None:
    with pytest.raises(TypeError, match="key"):

        @record
        class Folded:
            name: str = attrs.field(eq=str.lower)
