"""Venue records: a local venue running in one process tells later processes where it listens.

A plugin's sandbox command publishes `<home>/venues/<connector>.json` (owner-only: it holds the venue
account's keys) and withdraws it when it stops. A record is trusted only while its process is alive and
its address accepts a connection, so a venue killed without clean-up never makes a command hang.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from host_spec.credentials import config_home, write_private_json

if TYPE_CHECKING:
    from pydantic import SecretStr

__all__ = ["RecordedVenue", "VenueRecords"]

PROBE_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class RecordedVenue:
    """A venue another process runs: its pid, connection options (URLs) and its account's credentials."""

    connector_id: str
    pid: int
    options: Mapping[str, Any]
    credentials: Mapping[str, SecretStr] = field(repr=False)
    path: Path


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows; rely on the probe
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def _answers(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class VenueRecords:
    """`<home>/venues/<connector>.json`: publish, find (live ones only) and withdraw venue records."""

    def __init__(self, home: Path | None = None, env: Mapping[str, str] | None = None) -> None:
        self.home = home if home is not None else config_home(env)

    def path(self, connector_id: str) -> Path:
        return self.home / "venues" / f"{connector_id}.json"

    def publish(self, connector_id: str, credentials: Mapping[str, SecretStr], options: Mapping[str, Any], *,
                address: tuple[str, int], pid: int | None = None) -> Path:
        """Record a venue that `pid` (default: this process) runs and that accepts connections at `address`."""
        return write_private_json(self.path(connector_id), {
            "connector": connector_id,
            "pid": os.getpid() if pid is None else pid,
            "address": [address[0], address[1]],
            "options": dict(options),
            "credentials": {k: v.get_secret_value() for k, v in credentials.items()},
        })

    def withdraw(self, connector_id: str, pid: int | None = None) -> bool:
        """Remove the record if `pid` (default: this process) published it; another venue's record stays."""
        path = self.path(connector_id)
        data = self._read(path)
        if data is None or data.get("pid") != (os.getpid() if pid is None else pid):
            return False
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return True

    def find(self, connector_id: str, timeout: float = PROBE_TIMEOUT_S) -> RecordedVenue | None:
        """The recorded venue if its process is alive and its address answers; None otherwise (never hangs)."""
        from pydantic import SecretStr

        path = self.path(connector_id)
        data = self._read(path)
        if data is None:
            return None
        try:
            pid, (host, port) = int(data["pid"]), data["address"]
            host, port = str(host), int(port)
            options, credentials = dict(data["options"]), {k: SecretStr(str(v)) for k, v in data["credentials"].items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if not _pid_alive(pid) or not _answers(host, port, timeout):
            return None
        return RecordedVenue(connector_id, pid, options, credentials, path)

    @staticmethod
    def _read(path: Path) -> dict[str, Any] | None:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None
