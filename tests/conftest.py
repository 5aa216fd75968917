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
