"""In-memory object collections: insertion-ordered, so newest first is simply reversed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from vitrina.stripe_emulator.errors import not_found

StripeObject = dict[str, Any]


class Collection:
    """Objects of one type keyed by id. The clock never runs backwards, so insertion order is
    creation order."""

    def __init__(self, kind: str, param: str = "id") -> None:
        self.kind = kind
        self.param = param
        self._objects: dict[str, StripeObject] = {}

    def __contains__(self, object_id: object) -> bool:
        return object_id in self._objects

    def __len__(self) -> int:
        return len(self._objects)

    def add(self, obj: StripeObject) -> StripeObject:
        self._objects[obj["id"]] = obj
        return obj

    def get(self, object_id: str, *, param: str | None = None) -> StripeObject:
        """The live object (mutable), or Stripe's 404 `resource_missing`."""
        try:
            return self._objects[object_id]
        except KeyError:
            raise not_found(self.kind, object_id, param=param or self.param) from None

    def find(self, object_id: str) -> StripeObject | None:
        return self._objects.get(object_id)

    def remove(self, object_id: str) -> None:
        del self._objects[object_id]

    def newest_first(self) -> list[StripeObject]:
        return list(reversed(self._objects.values()))

    def __iter__(self) -> Iterator[StripeObject]:
        return iter(self._objects.values())

    def clear(self) -> None:
        self._objects.clear()


@contextmanager
def atomic(obj: StripeObject) -> Iterator[StripeObject]:
    """Apply an update all or nothing: on any error the object gets its old fields back.
    Yields the snapshot taken before the update."""
    before = snapshot(obj)
    try:
        yield before
    except BaseException:
        obj.clear()
        obj.update(before)
        raise


def snapshot(obj: StripeObject) -> StripeObject:
    """A deep copy: what a response or an event carries must not change afterwards. Objects
    are JSON data, and a JSON round trip copies them several times faster than deepcopy."""
    copied: StripeObject = json.loads(json.dumps(obj))
    return copied
