"""Navigation and dashboard panels, registered by each app in its AppConfig.ready.

Apps add their own entries so no shared template has to change when an app grows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    allowed: Callable  # a rules predicate of the user (accounts/rules.py)
    order: int = 100


@dataclass(frozen=True)
class DashboardPanel:
    template: str
    allowed: Callable  # a rules predicate of the user
    context: Callable  # (request) -> dict | None; None hides the panel
    order: int = 100
    # Who sees the same panel: "role", "agency" (role and agency) or "user". Given,
    # the rendered panel is kept per data revision and minute (core/fragments.py):
    # only for panels whose figures come from audited writes. "" renders every time.
    scope: str = ""


NAV: list[NavItem] = []
PANELS: list[DashboardPanel] = []


def register_nav(item: NavItem) -> None:
    if item not in NAV:
        NAV.append(item)
        NAV.sort(key=lambda i: i.order)


def register_panel(panel: DashboardPanel) -> None:
    if panel not in PANELS:
        PANELS.append(panel)
        PANELS.sort(key=lambda p: p.order)
