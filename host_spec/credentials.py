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

__all__ = ["CredentialStore"]


class CredentialStore:
    """Reads and writes `<home>/credentials/<connector>.json` with mode 0600 (folder 0700)."""

    def __init__(self, home: Path | None = None, env: Mapping[str, str] | None = None) -> None:
        self.env = os.environ if env is None else env
        default = Path(self.env.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "host-spec"
        self.home = Path(self.env.get("HOST_SPEC_HOME") or home or default)

    def path(self, connector_id: str) -> Path:
        return self.home / "credentials" / f"{connector_id}.json"

    def save(self, connector_id: str, values: Mapping[str, SecretStr]) -> Path:
        folder = self.home / "credentials"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        path = self.path(connector_id)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump({k: v.get_secret_value() for k, v in values.items()}, out)
        os.replace(tmp, path)
        os.chmod(path, 0o600)
        return path

    def load(self, info: ConnectorInfo) -> dict[str, SecretStr]:
        """Stored values overlaid by environment variables; only the connector's declared fields."""
        from pydantic import SecretStr

        stored: dict[str, str] = {}
        path = self.path(info.id)
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

    def forget(self, connector_id: str) -> bool:
        path = self.path(connector_id)
        if path.exists():
            path.unlink()
            return True
        return False
