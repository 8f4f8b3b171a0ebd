"""Hooks other areas register with: called inside the grading transaction.

ATTEMPT_GRADED_LISTENERS: `fn(session, attempt, *, previous_passed: bool | None, now)`, called whenever an
attempt is graded or regraded, after its score fields are set and before the commit (certificates
re-evaluate here). A listener must not commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

ATTEMPT_GRADED_LISTENERS: list[Callable] = []


def attempt_graded(session, attempt, *, previous_passed: bool | None, now: datetime) -> None:
    """Tell every registered listener that `attempt` has (new) grades."""
    for listener in list(ATTEMPT_GRADED_LISTENERS):
        listener(session, attempt, previous_passed=previous_passed, now=now)
