"""Navigation and home-page panels, contributed by each blueprint for the roles that may use them.

Blueprints register here at import time; base.html and the home pages read the registry, so a
new area appears in the menu without editing shared templates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy_gettext string
    endpoint: str
    roles: frozenset[str]
    order: int = 50


@dataclass(frozen=True)
class HomePanel:
    """A section of a role's home page: a template and a function building its context."""

    template: str
    roles: frozenset[str]
    context: Callable[..., dict]
    order: int = 50


_NAV: list[NavItem] = []
_ADMIN_PAGES: list[tuple[object, str]] = []  # (label, endpoint): tabs of 系统管理 that higher areas add
_PANELS: list[HomePanel] = []


def add_nav(label, endpoint: str, roles, order: int = 50) -> None:
    if not any(i.endpoint == endpoint for i in _NAV):
        _NAV.append(NavItem(label, endpoint, frozenset(roles), order))


def add_home_panel(template: str, roles, context: Callable[..., dict], order: int = 50) -> None:
    if not any(p.template == template for p in _PANELS):
        _PANELS.append(HomePanel(template, frozenset(roles), context, order))


def nav_for(roles: set[str]) -> list[NavItem]:
    return sorted((i for i in _NAV if i.roles & roles), key=lambda i: i.order)


def panels_for(role: str) -> list[HomePanel]:
    return sorted((p for p in _PANELS if role in p.roles), key=lambda p: p.order)


def add_admin_page(label, endpoint: str) -> None:
    """A page of another area shown among the 系统管理 tabs (e.g. the certificate seal)."""
    if not any(e == endpoint for _l, e in _ADMIN_PAGES):
        _ADMIN_PAGES.append((label, endpoint))


def admin_pages() -> list[tuple[str, object]]:
    """(endpoint, label) of the added 系统管理 tabs, as the tab macro lists its own."""
    return [(endpoint, label) for label, endpoint in _ADMIN_PAGES]
