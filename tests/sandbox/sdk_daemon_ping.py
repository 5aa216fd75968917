"""A mixin for the official SDK's socket clients (bitmart-python-sdk-api) used by the compat tests."""
from __future__ import annotations

import threading
from typing import Any


class DaemonPing:
    """The SDK re-arms a non-daemon threading.Timer for its ping forever, even after stop(), which keeps
    the interpreter from exiting; ping on a daemon timer that ends with the client instead.

    Use it first among the bases: ``class Client(DaemonPing, SpotSocketClient)``.
    """

    stopped = False

    def start_send_ping(self) -> None:
        if self.stopped:
            return
        client: Any = self  # ping() and ping_interval come from the SDK client class
        client.ping()
        timer = threading.Timer(client.ping_interval, self.start_send_ping)
        timer.daemon = True
        timer.start()

    def stop(self) -> None:
        self.stopped = True
        parent: Any = super()
        parent.stop()
