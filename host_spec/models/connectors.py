"""What a connector declares about itself: its info, credential fields and component table."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from host_spec.models.orders import OrderType

__all__ = [
    "PERPETUAL_CAPABILITIES",
    "Instrument",
    "ComponentStatus",
    "ConnectorInfo",
    "CredentialField",
]


@dataclass(frozen=True, slots=True)
class CredentialField:
    """One secret a connector needs, with the prompt a CLI shows for it."""

    name: str
    prompt: str
    secret: bool = True
    env_var: str = ""


@dataclass(frozen=True, slots=True)
class ComponentStatus:
    """One row of a connector's components table (e.g. `spot candles feed`: built or not)."""

    name: str
    built: bool


class Instrument(str, enum.Enum):
    """What a connector trades: spot pairs, or perpetual contracts on them."""

    SPOT = "spot"
    PERPETUAL = "perpetual"


#: Capabilities only a perpetual connector may declare; the conformance kit checks each one declared.
PERPETUAL_CAPABILITIES = frozenset({"positions", "position_mode", "leverage", "funding"})


@dataclass(frozen=True, slots=True)
class ConnectorInfo:
    """What a connector is and what it can do, declared as data.

    `market_type` is the market's structure (`CLOB` or `AMM`); `instrument` is what is traded on it
    (`Instrument.SPOT` or `Instrument.PERPETUAL`). They are separate fields because they vary
    independently (a perpetual venue is still a CLOB), and `instrument` defaults to SPOT so every
    connector declared before perpetuals existed keeps its meaning. A perpetual connector declares
    the `PERPETUAL_CAPABILITIES` it offers among its `capabilities`.
    """

    id: str
    plugin: str
    display_name: str
    exchange_type: str
    market_type: str
    connection_type: str
    order_types: tuple[OrderType, ...]
    components: tuple[ComponentStatus, ...] = ()
    credentials: tuple[CredentialField, ...] = ()
    paper_trade: str | None = None
    base_connector: str | None = None
    capabilities: frozenset[str] = frozenset()
    description: str = ""
    #: the session options the connector reads (keys of `options` in `Host.open`, `-o KEY=VALUE` on the CLI)
    options: tuple[str, ...] = ()
    instrument: Instrument = Instrument.SPOT
    #: the id of the connector whose credentials this one uses (one exchange account, one set of keys, such as a
    #: perpetual connector beside its spot one): `host-spec connect` on either stores them once. "" = its own.
    shares_credentials_with: str = ""

    @property
    def credentials_key(self) -> str:
        """The name its credentials are stored under: `shares_credentials_with`, else its own id."""
        return self.shares_credentials_with or self.id

    def to_json(self) -> dict[str, object]:
        """The JSON object `host-spec connectors --json` prints."""
        return {
            "id": self.id,
            "plugin": self.plugin,
            "display_name": self.display_name,
            "exchange_type": self.exchange_type,
            "market_type": self.market_type,
            "instrument": self.instrument.value,
            "connection_type": self.connection_type,
            "order_types": [t.value for t in self.order_types],
            "components": {c.name: c.built for c in self.components},
            "paper_trade": self.paper_trade,
            "base_connector": self.base_connector,
            "credentials": [c.name for c in self.credentials],
            "shares_credentials_with": self.shares_credentials_with or None,
            "capabilities": sorted(self.capabilities),
            "options": list(self.options),
        }
