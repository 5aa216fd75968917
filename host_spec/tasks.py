"""Stopping asyncio tasks without losing the caller's own cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

__all__ = ["cancel_and_wait"]


async def cancel_and_wait(tasks: Iterable[asyncio.Future[Any] | None]) -> None:
    """Cancel `tasks` (None entries are skipped) and wait until each has ended, whatever it raised.

    Unlike `with suppress(CancelledError): await task`, a cancellation of the caller itself while it
    waits is not taken for the task's and swallowed: it propagates (the tasks are cancelled already),
    so a close() cancelled from outside does not let its caller run on.
    """
    pending = [t for t in tasks if t is not None]
    for task in pending:
        task.cancel()
    if not pending:
        return
    await asyncio.wait(pending)
    for task in pending:
        if not task.cancelled():
            task.exception()  # retrieved: asyncio does not log it as never retrieved
