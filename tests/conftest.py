"""Session-wide checks."""

from __future__ import annotations

import sys
import threading

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Name any non-daemon thread still alive: it would keep the interpreter (and CI) from exiting."""
    leftovers = [t.name for t in threading.enumerate()
                 if t is not threading.main_thread() and t.is_alive() and not t.daemon]
    if leftovers:
        print(f"\nwarning: non-daemon threads still alive at exit: {leftovers}", file=sys.stderr)


# Fixtures that start a sandbox (or connect to one) over real sockets; a test using any of them is end to end.
_SOCKET_FIXTURES = frozenset({"sandbox", "venue", "busy_venue", "live"})
# Modules whose tests start their own sandbox inline.
_SOCKET_MODULES = ("test_server_", "test_compat_", "test_e2e_", "_e2e_sandbox", "test_session_restart")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that talks to a sandbox over sockets `e2e`, so `-m e2e` selects them all."""
    for item in items:
        name = item.path.name
        if _SOCKET_FIXTURES & set(getattr(item, "fixturenames", ())) or any(m in name for m in _SOCKET_MODULES):
            item.add_marker(pytest.mark.e2e)
