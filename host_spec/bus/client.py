"""The NATS side shared by the publisher and the reader: the lazy import, the connection, the stream and bucket.

nats-py and msgpack are optional (`pip install 'host-spec[bus]'`); they are imported here, when a bus
session or publisher starts, never when plugins are listed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from host_spec.bus import names
from host_spec.errors import ConfigError, NetworkError

__all__ = ["StreamSettings", "call", "connect", "ensure_stream", "open_bucket", "require"]

log = logging.getLogger("host_spec.bus")
T = TypeVar("T")


async def call(awaitable: Awaitable[T]) -> T:
    """Await a nats-py call without losing a cancellation.

    nats-py waits for replies with asyncio.wait_for, which on Python 3.11 returns the reply and drops a
    cancellation that arrives as the reply lands (fixed in 3.12). The task is then still marked as
    cancelling: raise CancelledError here, or a cancelled publisher or stream would run on forever.
    """
    result = await awaitable
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
    return result


def require() -> Any:
    """The `nats` module, or ConfigError saying how to install the bus's libraries."""
    try:
        import msgpack  # noqa: F401
        import nats
        import nats.js  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"the NATS bus needs nats-py and msgpack ({exc.name} is missing): "
                          "pip install 'host-spec[bus]'") from None
    return nats


async def connect(url: str, name: str) -> Any:
    """A NATS connection that reconnects forever (0.5 s apart); NetworkError if the first attempt fails."""
    nats = require()

    async def on_error(exc: Exception) -> None:
        log.debug("%s: NATS error: %s", name, exc)

    async def on_disconnected() -> None:
        log.info("%s: disconnected from NATS, reconnecting", name)

    async def on_reconnected() -> None:
        log.info("%s: reconnected to NATS", name)

    try:
        return await nats.connect(
            servers=[u.strip() for u in url.split(",") if u.strip()], name=name, connect_timeout=2,
            reconnect_time_wait=0.5, max_reconnect_attempts=-1, error_cb=on_error,
            disconnected_cb=on_disconnected, reconnected_cb=on_reconnected,
        )
    except Exception as exc:  # nats-py raises NoServersError, OSError, TimeoutError...
        raise NetworkError(f"cannot reach NATS at {url}: {type(exc).__name__}: {exc}".rstrip(": ")) from None


@dataclass(frozen=True)
class StreamSettings:
    """How the publisher creates the connector's stream and bucket (ignored when they exist already)."""

    storage: str = "file"  # or "memory"
    replicas: int = 1
    max_age_s: float = 300.0
    max_msgs_per_subject: int = 10_000
    #: each reader's stream of one pair is one ephemeral consumer; nats-server 2.15 caps a stream that
    #: sets no limit at 1000 consumers (4 readers of 250 pairs' books and trades need 2000)
    max_consumers: int = 100_000

    def __post_init__(self) -> None:
        if self.storage not in ("file", "memory"):
            raise ConfigError(f"storage {self.storage!r}: expected file or memory")
        if min(self.replicas, self.max_msgs_per_subject, self.max_consumers) < 1 or self.max_age_s <= 0:
            raise ConfigError("replicas, max age, max messages per subject and max consumers must be positive")


def _exists(exc: Exception) -> bool:
    return getattr(exc, "err_code", None) == 10058  # stream name already in use with a different configuration


async def ensure_stream(js: Any, connector_id: str, settings: StreamSettings) -> None:
    """Create the connector's stream unless it exists (an existing one is used as it is)."""
    from nats.js import api

    storage = api.StorageType.FILE if settings.storage == "file" else api.StorageType.MEMORY
    config = api.StreamConfig(
        name=names.stream_name(connector_id), subjects=names.subjects(connector_id), storage=storage,
        num_replicas=settings.replicas, max_age=settings.max_age_s, max_msgs_per_subject=settings.max_msgs_per_subject,
        duplicate_window=min(120.0, settings.max_age_s), discard=api.DiscardPolicy.OLD, max_consumers=settings.max_consumers,
    )
    try:
        await call(js.add_stream(config))
    except Exception as exc:
        if not _exists(exc):
            raise
        log.info("stream %s exists with another configuration; using it as it is", config.name)


async def open_bucket(js: Any, connector_id: str, settings: StreamSettings | None = None) -> Any:
    """The connector's key-value bucket; created (with `settings`) when given, else it must exist."""
    bucket = names.bucket_name(connector_id)
    if settings is None:
        return await call(js.key_value(bucket))
    from nats.js import api

    storage = api.StorageType.FILE if settings.storage == "file" else api.StorageType.MEMORY
    try:
        return await call(js.create_key_value(bucket=bucket, history=1, storage=storage, replicas=settings.replicas))
    except Exception as exc:
        if not _exists(exc):
            raise
        return await call(js.key_value(bucket))
