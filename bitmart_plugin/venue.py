"""The one bridge from the connector to the sandbox: start it in-process for `--sandbox` and tests.

Nothing else in the connector imports `bitmart_plugin.sandbox`; the connector's logic shares no code
with it (the sandbox is the oracle the connector is checked against).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from host_spec import LocalVenue

__all__ = ["BitmartLocalVenue", "start_local_venue"]

# Agent actions per second when the caller does not say: enough for books and trades to move visibly.
LIVELY_AGENT_RATE = 20.0


class BitmartLocalVenue(LocalVenue):
    """A running sandbox: `credentials` for its funded account, `options` with its spot and futures URLs (one
    port serves both venues), `sandbox` itself.

    An async context manager (from LocalVenue): leaving the block stops the sandbox.
    """

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        cred = sandbox.credentials
        self.credentials: dict[str, SecretStr] = {
            "api_key": SecretStr(cred.api_key), "secret_key": SecretStr(cred.secret_key), "memo": SecretStr(cred.memo),
        }
        self.options: dict[str, Any] = {
            "rest_url": sandbox.rest_url, "ws_public_url": sandbox.ws_public_url, "ws_private_url": sandbox.ws_private_url,
            "futures_rest_url": sandbox.futures_rest_url, "futures_ws_public_url": sandbox.futures_ws_public_url,
            "futures_ws_private_url": sandbox.futures_ws_private_url,
        }

    def __repr__(self) -> str:
        return f"BitmartLocalVenue(rest_url={self.options['rest_url']!r})"

    async def close(self) -> None:
        await self.sandbox.stop()


async def start_local_venue(options: Mapping[str, Any]) -> BitmartLocalVenue:
    """Start the sandbox on loopback with `SandboxConfig` fields taken from `options` (seed, pairs, agent_rate, ...)."""
    from bitmart_plugin.sandbox.config import SandboxConfig
    from bitmart_plugin.sandbox.server import Sandbox

    names = {f.name for f in dataclasses.fields(SandboxConfig)}  # other options (rest_url, ...) are not the sandbox's
    kwargs = {k: v for k, v in options.items() if k in names and v is not None}
    kwargs.setdefault("agent_rate", LIVELY_AGENT_RATE)
    if kwargs.get("host", "127.0.0.1") not in ("127.0.0.1", "::1", "localhost"):
        raise ValueError("the sandbox only listens on loopback addresses")
    sandbox = Sandbox(SandboxConfig(**kwargs))
    await sandbox.start()
    return BitmartLocalVenue(sandbox)
