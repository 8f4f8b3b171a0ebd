"""Login throttling counted in shared storage (Redis across workers, memory in one process).

Only *failures* are counted. Per account a few failures lock that account for the window;
per address the limit is high, so 200 staff signing in behind one NAT address all succeed
while a password-guessing script from that address is still stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol


class CounterStore(Protocol):
    def incr(self, key: str, window: int) -> int: ...
    def get(self, key: str) -> int: ...
    def reset(self, key: str) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self._data: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def incr(self, key: str, window: int) -> int:
        now = time.monotonic()
        with self._lock:
            count, expires = self._data.get(key, (0, now + window))
            if expires <= now:
                count, expires = 0, now + window
            self._data[key] = (count + 1, expires)
            return count + 1

    def get(self, key: str) -> int:
        with self._lock:
            count, expires = self._data.get(key, (0, 0.0))
            return count if expires > time.monotonic() else 0

    def reset(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)


class RedisStore:
    """Counters shared by every worker and server. While Redis cannot be reached, counting falls back to
    this process's memory (logged): sign-in keeps working and is still throttled per worker."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._errors = (redis.RedisError, OSError)
        self._fallback = MemoryStore()

    def _down(self, exc: Exception) -> None:
        logging.getLogger(__name__).warning("login throttle: Redis unavailable, counting in memory (%s)", exc)

    def incr(self, key: str, window: int) -> int:
        try:
            pipe = self._redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, window, nx=True)
            count, _ = pipe.execute()
            return int(count)
        except self._errors as exc:
            self._down(exc)
            return self._fallback.incr(key, window)

    def get(self, key: str) -> int:
        try:
            value = self._redis.get(key)
        except self._errors as exc:
            self._down(exc)
            return self._fallback.get(key)
        return max(int(value) if value else 0, self._fallback.get(key))

    def reset(self, key: str) -> None:
        self._fallback.reset(key)
        try:
            self._redis.delete(key)
        except self._errors as exc:
            self._down(exc)


def make_store(uri: str) -> CounterStore:
    if uri.startswith("redis://") or uri.startswith("rediss://"):
        return RedisStore(uri)
    return MemoryStore()


class LoginThrottle:
    """Decides whether a sign-in attempt may be checked at all, and counts failures."""

    def __init__(self, store: CounterStore, max_account: int, max_address: int, window: int) -> None:
        self.store, self.max_account, self.max_address, self.window = store, max_account, max_address, window

    def is_blocked(self, login: str, address: str) -> bool:
        return (
            self.store.get(f"lt:acct:{login}") >= self.max_account
            or self.store.get(f"lt:addr:{address}") >= self.max_address
        )

    def failed(self, login: str, address: str) -> None:
        self.store.incr(f"lt:acct:{login}", self.window)
        self.store.incr(f"lt:addr:{address}", self.window)

    def succeeded(self, login: str) -> None:
        self.store.reset(f"lt:acct:{login}")
