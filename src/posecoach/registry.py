"""Strategies chosen by name: one registry shape and one error for every kind.

Aligners, pose-file formats, extraction backends, classifier models and skeletons are all
kept in a :class:`Registry`; asking for a name it does not hold raises the kind's own
error class with one message shape, listing the valid names (and the closest one)::

    unknown aligner 'simlarity'; expected one of ['affine', ..., 'view3d'] (did you mean
    'similarity'?)

Example
-------
>>> r = Registry("colour")
>>> _ = r.register("red", (255, 0, 0))
>>> r.get("Red"), r.names(), "blue" in r
((255, 0, 0), ['red'], False)
>>> r.get("rde")
Traceback (most recent call last):
...
posecoach.errors.InputError: unknown colour 'rde'; expected one of ['red'] (did you mean 'red'?)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Generic, TypeVar

from posecoach.errors import InputError

__all__ = ["Registry", "unknown_name"]

T = TypeVar("T")


def unknown_name(kind: str, name: object, names: list[str]) -> str:
    """The one message for a name a registry does not hold.

    Example
    -------
    >>> unknown_name("model", "svm", ["gbdt", "knn"])
    "unknown model 'svm'; expected one of ['gbdt', 'knn']"
    """
    close = difflib.get_close_matches(str(name).strip().lower(), names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {kind} {name!r}; expected one of {names}{hint}"


class Registry(Generic[T]):
    """Named items of one kind (case-insensitive names, kept sorted for listing).

    Parameters
    ----------
    kind
        What the items are, for messages ("aligner", "pose backend").
    error
        The exception class raised for an unknown name (an :class:`InputError` by
        default, so the CLI prints it as one line).
    """

    def __init__(self, kind: str, error: type[Exception] = InputError) -> None:
        self.kind = kind
        self.error = error
        self._items: dict[str, T] = {}

    @staticmethod
    def key(name: object) -> str:
        return str(name).strip().lower()

    def register(self, name: str, item: T, *, replace: bool = True) -> T:
        """Add ``item`` under ``name``; with ``replace=False`` a different item already
        there is refused."""
        key = self.key(name)
        if not replace and key in self._items and self._items[key] != item:
            raise self.error(f"a different {self.kind} named {name!r} is registered")
        self._items[key] = item
        return item

    def get(self, name: object) -> T:
        """The item registered as ``name``, else the kind's error listing the names."""
        key = self.key(name)
        if key not in self._items:
            raise self.error(unknown_name(self.kind, name, self.names()))
        return self._items[key]

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self._items)

    def items(self) -> dict[str, T]:
        """A copy of the registry as a dict."""
        return dict(self._items)

    def __contains__(self, name: object) -> bool:
        return self.key(name) in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)
