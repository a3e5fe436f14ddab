"""The one place compiled artifacts live: a bounded store keyed by (kind, model, extra key).

A `Model` never changes and compares by identity, so an artifact built from it stays right for
as long as the model lives; the store keeps the most recently used `size` artifacts (and with them
their models) and drops the oldest. Nothing is cached on the objects themselves.

>>> store = Store(size=2)
>>> store.get("double", 1, lambda: 2), store.get("double", 1, lambda: "not called")
(2, 2)
>>> _ = store.get("double", 2, lambda: 4); _ = store.get("double", 3, lambda: 6)
>>> len(store), store.get("double", 1, lambda: "rebuilt")
(2, 'rebuilt')
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")


class Store:
    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple, object] = OrderedDict()

    def get(self, kind: str, key: Hashable, build: Callable[[], T]) -> T:
        k = (kind, key)
        if k in self._items:
            self._items.move_to_end(k)
            return self._items[k]  # type: ignore[return-value]
        made = build()
        self._items[k] = made
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return made

    def forget(self, kind: str, key: Hashable) -> None:
        self._items.pop((kind, key), None)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class Identity:
    """A key that stands for one particular object, not for any equal one: for keys whose hash
    is dear (a deep expression). The stored key holds the object, so its id cannot be reused
    while the entry is stored.

    >>> e = ("deep",)
    >>> Identity(e) == Identity(e), Identity(e) == Identity(("deep",))
    (True, False)
    """
    __slots__ = ("obj",)

    def __init__(self, obj: object):
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Identity) and other.obj is self.obj


# every engine's compilations share this store: per model, a handful of artifacts (the evaluator's
# code, the z3 runner, proof queries, the clingo abstraction). Coverage and mutation analyses run
# one model per mutant over and over (814 on the shipped spec): they must all stay compiled
STORE = Store(size=4096)
