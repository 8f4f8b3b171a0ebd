"""Demo live contests: one set up with four teams, ready to start; one finished with its record."""

from __future__ import annotations


def seed_demo(session, ctx) -> None:
    return None
