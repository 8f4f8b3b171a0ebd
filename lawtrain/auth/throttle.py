"""Login throttling counted in shared storage (Redis across workers, memory in one process).

Only *failures* are counted, and they earn waits that grow exponentially rather than a lock-out anyone could
trigger (see LoginThrottle). The default store is Redis on this machine when it answers (shared by every
worker), else this process's memory.
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


AUTO = "auto"  # the default: Redis on this machine when it answers, else memory


def _redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=0.3, socket_connect_timeout=0.3).ping())
    except Exception:  # noqa: BLE001 - not installed, refused, timed out: no Redis here
        return False


def make_store(uri: str, *, local_redis: str = "redis://127.0.0.1:6379/0") -> CounterStore:
    """The counter store for a storage URI: redis://, memory://, or auto (Redis when it answers, else memory)."""
    if uri == AUTO:
        uri = local_redis if _redis_answers(local_redis) else "memory://"
    if uri.startswith("redis://") or uri.startswith("rediss://"):
        return RedisStore(uri)
    return MemoryStore()


def delay_for(excess: int, *, first: int = 5, cap: int = 300) -> int:
    """Seconds to wait after the `excess`-th failure beyond the free ones: 5, 10, 20, 40 ... up to `cap`."""
    if excess <= 0:
        return 0
    return min(cap, first * 2 ** min(excess - 1, 20))


class LoginThrottle:
    """Decides whether a sign-in attempt may be checked now, and counts failures.

    - Per (address, account): a few free failures, then an exponentially growing wait (5 s, 10 s, 20 s ... 5 min).
    - Per account, from any address: beyond `max_account` failures, the same growing wait — but only for the
      addresses that have themselves failed on this account. Someone elsewhere typing a colleague's name
      cannot lock the colleague out: an address without failures is never held by the account's count.
    - Per address: only failures against existing accounts count (unknown names can never sign in), and the
      limit is sized for a hall of 200 people behind one NAT address.
    Blocked attempts are not checked and not counted, so hammering does not lengthen the wait by itself."""

    PAIR_FREE = 3

    def __init__(self, store: CounterStore, max_account: int, max_address: int, window: int, *,
                 max_delay: int = 300) -> None:
        self.store, self.max_account, self.max_address, self.window = store, max_account, max_address, window
        self.max_delay = max_delay

    @staticmethod
    def _pair(login: str, address: str) -> str:
        return f"lt:pair:{address}:{login}"

    def is_blocked(self, login: str, address: str) -> bool:
        if self.store.get(f"lt:addr:{address}") >= self.max_address:
            return True
        if self.store.get(f"lt:hold:{address}:{login}"):
            return True
        return bool(self.store.get(f"lt:acct-hold:{login}")) and self.store.get(self._pair(login, address)) > 0

    def _hold(self, key: str, seconds: int) -> None:
        if seconds > 0:
            self.store.reset(key)
            self.store.incr(key, seconds)

    def failed(self, login: str, address: str, *, known: bool = True) -> None:
        """A failed check of `login` from `address`; `known`: the name is an existing account."""
        pair = self.store.incr(self._pair(login, address), self.window)
        self._hold(f"lt:hold:{address}:{login}", delay_for(pair - self.PAIR_FREE, cap=self.max_delay))
        if not known:
            return
        account = self.store.incr(f"lt:acct:{login}", self.window)
        self._hold(f"lt:acct-hold:{login}", delay_for(account - self.max_account, cap=self.max_delay))
        self.store.incr(f"lt:addr:{address}", self.window)

    def succeeded(self, login: str, address: str | None = None) -> None:
        self.store.reset(f"lt:acct:{login}")
        self.store.reset(f"lt:acct-hold:{login}")
        if address is not None:
            self.store.reset(self._pair(login, address))
            self.store.reset(f"lt:hold:{address}:{login}")
