"""`Counting`: the real store with every call counted, for the tests and the bench that hold
reads to a bounded number of store calls. It wraps and delegates; nothing is faked."""

from __future__ import annotations

import inspect
from collections import Counter
from typing import Any

from bot.store import Store


class Counting:
    """The real store; every coroutine call counted by name, then delegated."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not inspect.iscoroutinefunction(attr):
            return attr

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return await attr(*args, **kwargs)

        return counted
