"""Start-up-cheap stand-ins for ``typing.NamedTuple``, ``typing.Protocol`` and functools' caches.

Importing ``typing`` brings ``re``, ``collections``, ``functools``, ``contextlib`` and
``warnings`` with it; ``functools`` brings ``collections``. Together they were a third of
what ``wasmshell db "select 1"`` took to start. The modules a batch run imports use these
instead; a type checker sees the real ones (``TYPE_CHECKING`` is a plain ``False`` here,
so that not even ``typing`` is imported to read it).

``Record`` is a tuple with named fields, declared as a ``NamedTuple`` is::

    class Point(Record):
        x: int
        y: int = 0

with ``_fields``, ``_field_defaults``, ``_make``, ``_replace``, ``_asdict`` and a
``repr`` as a ``NamedTuple``'s. No source is generated and run (``namedtuple`` runs
``exec`` for each class).
"""

from __future__ import annotations

from _collections import _tuplegetter  # the C field getter namedtuple itself uses

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Protocol, TypeVar
    from typing import NamedTuple as Record

    F = TypeVar("F", bound=Callable[..., Any])
else:
    Protocol = object  # a Protocol's methods are only for the type checker

    class _RecordType(type):
        """Makes each ``Record`` subclass a tuple whose fields are its annotations."""

        def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
            if namespace.get("_root"):
                return super().__new__(mcls, name, (tuple,), namespace)
            fields = tuple(namespace.get("__annotations__", {}))
            defaults = {field: namespace.pop(field) for field in fields if field in namespace}
            first_default = len(fields) - len(defaults)
            if tuple(defaults) != fields[first_default:]:
                raise TypeError(f"{name}: a field without a default follows one with a default")
            namespace["__slots__"] = ()
            namespace["_fields"] = namespace["__match_args__"] = fields
            namespace["_field_defaults"] = defaults
            namespace["__new__"] = _constructor(name, fields, tuple(defaults.values()))
            for index, field in enumerate(fields):
                namespace[field] = _tuplegetter(index, f"Field {index}: {field}")
            return super().__new__(mcls, name, bases, namespace)

    def _constructor(name: str, fields: tuple[str, ...], defaults: tuple[Any, ...]) -> Any:
        count, first_default = len(fields), len(fields) - len(defaults)

        def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
            if len(args) == count and not kwargs:
                return tuple.__new__(cls, args)
            if len(args) > count:
                raise TypeError(f"{name}() takes {count} arguments but {len(args)} were given")
            values = list(args)
            for index in range(len(args), count):
                field = fields[index]
                if field in kwargs:
                    values.append(kwargs.pop(field))
                elif index >= first_default:
                    values.append(defaults[index - first_default])
                else:
                    raise TypeError(f"{name}() missing required argument: {field!r}")
            if kwargs:
                unexpected = next(iter(kwargs))
                given = "multiple values for" if unexpected in fields else "an unexpected keyword"
                raise TypeError(f"{name}() got {given} argument {unexpected!r}")
            return tuple.__new__(cls, values)

        return __new__

    class Record(metaclass=_RecordType):
        """The base of a tuple with named fields (see the module's text)."""

        _root = True
        __slots__ = ()
        _fields: tuple[str, ...] = ()

        @classmethod
        def _make(cls, iterable: Any) -> Any:
            made = tuple.__new__(cls, iterable)
            if len(made) != len(cls._fields):
                raise TypeError(f"Expected {len(cls._fields)} arguments, got {len(made)}")
            return made

        def _replace(self, **changes: Any) -> Any:
            values = [changes.pop(field, value) for field, value in zip(self._fields, self, strict=True)]
            if changes:
                raise ValueError(f"Got unexpected field names: {list(changes)!r}")
            return tuple.__new__(type(self), values)

        def _asdict(self) -> dict[str, Any]:
            return dict(zip(self._fields, self, strict=True))

        def __repr__(self) -> str:
            shown = ", ".join(f"{field}={value!r}" for field, value in zip(self._fields, self, strict=True))
            return f"{type(self).__name__}({shown})"

        def __getnewargs__(self) -> tuple[Any, ...]:
            return tuple(self)


def cache(function: F) -> F:
    """``functools.cache``: remember each result by the (hashable, positional) arguments."""
    return bounded_cache(None)(function)


def bounded_cache(size: int | None) -> Callable[[F], F]:
    """``functools.lru_cache(size)``, but forgetting everything when full rather than the
    least recently used: the caches here are small and their keys few."""

    def decorate(function: F) -> F:
        results: dict[Any, Any] = {}

        def cached(*args: Any) -> Any:
            try:
                return results[args]
            except KeyError:
                pass
            result = function(*args)
            if size is not None and len(results) >= size:
                results.clear()
            results[args] = result
            return result

        cached.__name__, cached.__doc__ = function.__name__, function.__doc__
        cached.__qualname__ = function.__qualname__
        cached.cache_clear = results.clear  # type: ignore[attr-defined]
        return cached  # type: ignore[return-value]

    return decorate
