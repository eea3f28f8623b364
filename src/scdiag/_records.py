"""The decorators scdiag's own attrs classes are made with.

attrs writes and ``compile()``\\ s the source of every class's generated
methods when the class is created (python-attrs/attrs#575). For a frozen class
of five fields that takes about 0.7 ms, of which ``__repr__`` and ``__eq__``
are about 0.4 ms, and the command line creates over a hundred classes before
it reads a file. So :func:`record` and :func:`mutable_record` let attrs
generate ``__init__`` only, and give each class an ``__eq__``, ``__hash__`` and
``__repr__`` made of shared functions over its fields, which behave as the ones
attrs documents:

* ``==`` holds between instances of the same class whose fields with
  ``eq=True`` are equal, and is ``NotImplemented`` for any other class;
* a :func:`record` hashes those fields (those with ``hash=True`` when a field
  says so); a :func:`mutable_record` is unhashable;
* the repr is ``Name(field=value, ...)`` over the fields with ``repr=True``, a
  field's own repr callable used where it has one, ``...`` for an instance
  already being shown.

A type checker sees :func:`attrs.frozen` and :func:`attrs.define` themselves.
A class that writes one of these methods itself, or passes any option but
``eq``, is left to attrs entirely; a field with ``eq=`` a key function is
refused.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

__all__ = ["mutable_record", "record"]

_OWN_METHODS = ("__eq__", "__hash__", "__repr__")
_showing = threading.local()


def _key(names: list[str]) -> Callable[[Any], Any]:
    if not names:
        return lambda _instance: ()
    return operator.attrgetter(*names)


def _methods(cls: type, hashable: bool) -> Iterator[tuple[str, Any]]:
    fields = attrs.fields(cls)
    compared = [field.name for field in fields if field.eq]
    key = _key(compared)

    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return key(self) == key(other)

    yield "__eq__", __eq__
    if not hashable:
        yield "__hash__", None
    else:
        hashed = [field.name for field in fields if field.hash is not False and (field.hash or field.eq)]
        hash_key = key if hashed == compared else _key(hashed)

        def __hash__(self: Any) -> int:
            return hash(hash_key(self))

        yield "__hash__", __hash__


def _repr_method(cls: type) -> Callable[[Any], str]:
    shown = [
        (field.name, repr if field.repr is True else field.repr)
        for field in attrs.fields(cls)
        if field.repr is not False
    ]

    def __repr__(self: Any) -> str:
        active: set[int] = _showing.__dict__.setdefault("ids", set())
        if id(self) in active:
            return "..."
        active.add(id(self))
        try:
            name = self.__class__.__qualname__.rsplit(">.", 1)[-1]
            parts = ", ".join(f"{field}={show(getattr(self, field, attrs.NOTHING))}" for field, show in shown)
            return f"{name}({parts})"
        finally:
            active.discard(id(self))

    return __repr__


def _decorate(make: Any, maybe_cls: type | None, options: dict[str, Any], hashable: bool) -> Any:
    def wrap(cls: type) -> type:
        if any(name in cls.__dict__ for name in _OWN_METHODS) or set(options) - {"eq"}:
            return make(cls, **options)  # type: ignore[no-any-return]
        compare = options.get("eq", True)
        built: type = make(cls, eq=False, repr=False)
        keyed = [field.name for field in attrs.fields(built) if field.eq_key is not None]
        if keyed:
            raise TypeError(f"{cls.__qualname__}: a record compares fields as they are, not by a key ({', '.join(keyed)})")
        methods = dict(_methods(built, hashable)) if compare else {}
        methods["__repr__"] = _repr_method(built)
        for name, method in methods.items():
            if method is not None:
                method.__qualname__ = f"{built.__qualname__}.{name}"
            setattr(built, name, method)
        return built

    return wrap if maybe_cls is None else wrap(maybe_cls)


if TYPE_CHECKING:
    from attrs import define as mutable_record
    from attrs import frozen as record
else:

    def record(maybe_cls=None, /, **options):
        """:func:`attrs.frozen`, with no ``__eq__``, ``__hash__`` or ``__repr__`` compiled for the class."""
        return _decorate(attrs.frozen, maybe_cls, options, hashable=True)

    def mutable_record(maybe_cls=None, /, **options):
        """:func:`attrs.define`, with no ``__eq__`` or ``__repr__`` compiled for the class."""
        return _decorate(attrs.define, maybe_cls, options, hashable=False)
