"""Where `host-spec connect` keeps credentials: one owner-only JSON file per connector.

Environment variables named by each CredentialField win over the stored file. Values are handed
out only as pydantic SecretStr.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from host_spec.errors import ConfigError
from host_spec.models import ConnectorInfo

if TYPE_CHECKING:
    from pydantic import SecretStr

__all__ = ["CredentialStore", "config_home", "write_private_json"]


def config_home(env: Mapping[str, str] | None = None) -> Path:
    """host-spec's own folder: $HOST_SPEC_HOME, else $XDG_CONFIG_HOME/host-spec, else ~/.config/host-spec."""
    env = os.environ if env is None else env
    if env.get("HOST_SPEC_HOME"):
        return Path(env["HOST_SPEC_HOME"])
    return Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "host-spec"


def write_private_json(path: Path, data: object) -> Path:
    """Write `data` as JSON to `path` atomically, readable by the owner only (its folder 0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out)
    os.replace(tmp, path)
    os.chmod(path, 0o600)
    return path


class CredentialStore:
    """Reads and writes `<home>/credentials/<key>.json` with mode 0600 (folder 0700).

    The key is a connector's `credentials_key`: its id, or the id of the connector whose keys it shares
    (so `bitmart_perpetual` reads what `host-spec connect bitmart` stored). A str is taken as the key itself.
    """

    def __init__(self, home: Path | None = None, env: Mapping[str, str] | None = None) -> None:
        self.env = os.environ if env is None else env
        self.home = Path(self.env.get("HOST_SPEC_HOME") or home or config_home(self.env))

    def path(self, connector: ConnectorInfo | str) -> Path:
        key = connector.credentials_key if isinstance(connector, ConnectorInfo) else connector
        return self.home / "credentials" / f"{key}.json"

    def save(self, connector: ConnectorInfo | str, values: Mapping[str, SecretStr]) -> Path:
        return write_private_json(self.path(connector), {k: v.get_secret_value() for k, v in values.items()})

    def load(self, info: ConnectorInfo) -> dict[str, SecretStr]:
        """Stored values overlaid by environment variables; only the connector's declared fields."""
        from pydantic import SecretStr

        stored: dict[str, str] = {}
        path = self.path(info)
        if path.exists():
            try:
                stored = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise ConfigError(f"cannot read stored credentials {path}: {exc}", connector=info.id) from None
        found: dict[str, SecretStr] = {}
        for field in info.credentials:
            value = self.env.get(field.env_var) if field.env_var else None
            value = value if value else stored.get(field.name)
            if value:
                found[field.name] = SecretStr(value)
        return found

    def forget(self, connector: ConnectorInfo | str) -> bool:
        path = self.path(connector)
        if path.exists():
            path.unlink()
            return True
        return False
