"""Password hashing with Argon2id (a modern memory-hard KDF)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_PROFILES = {
    # OWASP's Argon2id baseline (19 MiB, 2 passes): ~80 ms here, so a hall of 200 staff signing in
    # at 9:00 costs seconds of CPU, not minutes.
    "default": PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1),
    # Tests and the demo seeding of thousands of users: still Argon2id, cheaper parameters.
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}
_hasher = _PROFILES["default"]
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MIN_PASSWORD_LENGTH = 8


def use_profile(name: str) -> None:
    global _hasher
    _hasher = _PROFILES.get(name, _PROFILES["default"])


_DUMMY: dict[int, str] = {}


def dummy_hash() -> str:
    """A hash of a random password with the current parameters, made once: checking an unknown name against it
    costs what checking a real account costs."""
    key = id(_hasher)
    if key not in _DUMMY:
        _DUMMY[key] = _hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY[key]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def hash_generated_password(password: str) -> str:
    """Hash a machine-generated initial password (random, ~58 bits, replaced at first sign-in).

    Slow parameters protect guessable human passwords; a random one of this length is out of reach
    even with cheap ones, so bulk imports of hundreds of accounts finish within a request.
    """
    return _PROFILES["fast"].hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def random_password(length: int = 10) -> str:
    """A random initial password without look-alike characters."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
