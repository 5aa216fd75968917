"""What a host hands a plugin to open a connector, and what the plugin hands back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

from host_spec.errors import ConfigError

if TYPE_CHECKING:
    from pydantic import SecretStr

__all__ = ["ConnectorSession", "LocalVenue", "SessionConfig"]


def option_flag(options: Mapping[str, Any], name: str) -> bool:
    """The on/off option `name` (False when absent): a bool, or yes/no, true/false, on/off, 1/0 as text.

    Raises ConfigError for any other value, so `-o quantize=no` never turns a switch on.
    """
    raw = options.get(name, False)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off", "none"):
        return False
    raise ConfigError(f"option {name}: {raw!r} is not true or false (yes/no, true/false, on/off, 1/0)")


@dataclass(frozen=True)
class SessionConfig:
    """Credentials (secrets only as SecretStr), free-form options, and the host itself.

    `host` lets a derived connector (such as a paper-trade variant) drive its base connector through
    the host's public API rather than calling hooks itself.
    """

    connector_id: str
    credentials: Mapping[str, SecretStr] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    host: Any = None

    def flag(self, name: str) -> bool:
        """The on/off option `name` (False when absent); see `option_flag`."""
        return option_flag(self.options, name)

    def __repr__(self) -> str:
        names = ", ".join(sorted(self.credentials))
        return f"SessionConfig(connector_id={self.connector_id!r}, credentials=[{names}], options={dict(self.options)!r})"


@runtime_checkable
class ConnectorSession(Protocol):
    """A plugin's live state for one connector (clients, sockets, caches). The host closes it."""

    connector_id: str

    async def close(self) -> None:
        """Release every socket and task; safe to call twice."""


@runtime_checkable
class LocalVenue(Protocol):
    """A running local imitation of an exchange: credentials for a funded account and connection options.

    An async context manager that stops the venue on exit: `async with await host.start_sandbox(id) as venue:`.
    A plugin's class may subclass this Protocol to inherit `__aenter__`/`__aexit__`, which use `close`.
    """

    credentials: Mapping[str, SecretStr]
    options: Mapping[str, Any]

    async def close(self) -> None:
        """Stop the venue."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
