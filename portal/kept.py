"""A bounded, thread-safe map of things worked out once and reused: the least recently used
entry goes first when it is full. Rendered layout parts (portal/chrome.py) and page addresses
(portal/page_urls.py) are kept in one each per app."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock


class Kept:
    """Values by key, the least recently used dropped past ``size``."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[tuple, str] = OrderedDict()
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: tuple) -> str | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def put(self, key: tuple, value: str) -> None:
        with self._lock:
            self._kept[key] = value
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
