"""Small in-memory caches the server keeps between requests. Each is exact: an entry is used only for the
state of the data it was computed from (the catalogue's version, the search index's state), which is part
of its key, so a change to the data is never answered from before it."""

from __future__ import annotations

import threading
from collections import OrderedDict


class LruCache:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[object, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object) -> object | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def put(self, key: object, value: object) -> None:
        with self._lock:
            self._items[key] = value
            if len(self._items) > self.size:
                self._items.popitem(last=False)


class VersionedCache(LruCache):
    """An LRU cache whose keys carry the version of the data their values come from. Asking with a newer
    version than the last one seen empties it (the old entries could never be used again)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self._version: object = None

    def get_at(self, version: object, key: object) -> object | None:
        with self._lock:
            if version != self._version:
                self._items.clear()
                self._version = version
                return None
        return self.get((version, key))

    def put_at(self, version: object, key: object, value: object) -> None:
        if version == self._version:  # a value computed from a version already left behind is not kept
            self.put((version, key), value)
