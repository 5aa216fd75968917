"""BitMart connector settings from `BITMART_*` environment variables or a `.env` file, and the venue to use."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from host_spec import ConfigError, SessionConfig, VenueRecords

__all__ = ["FUTURES_URLS", "SPOT_URLS", "BitmartSettings", "choose_venue", "load_settings"]

log = logging.getLogger(__name__)

LIVE_REST_URL = "https://api-cloud.bitmart.com"
LIVE_WS_PUBLIC_URL = "wss://ws-manager-compress.bitmart.com/api?protocol=1.1"
LIVE_WS_PRIVATE_URL = "wss://ws-manager-compress.bitmart.com/user?protocol=1.1"
LIVE_FUTURES_REST_URL = "https://api-cloud-v2.bitmart.com"
LIVE_FUTURES_WS_PUBLIC_URL = "wss://openapi-ws-v2.bitmart.com/api?protocol=1.1"
LIVE_FUTURES_WS_PRIVATE_URL = "wss://openapi-ws-v2.bitmart.com/user?protocol=1.1"

SPOT_URLS = ("rest_url", "ws_public_url", "ws_private_url")
FUTURES_URLS = ("futures_rest_url", "futures_ws_public_url", "futures_ws_private_url")
_CREDENTIALS = ("api_key", "secret_key", "memo")
LIVE_CLOSED = ("BitMart live trading closed on 2026-08-26 and no sandbox is running: start one with "
               "`host-spec sandbox &` (or add --sandbox, or set {urls})")

_SCHEMES = {"rest_url": ("http", "https"), "ws_public_url": ("ws", "wss"), "ws_private_url": ("ws", "wss"),
            "futures_rest_url": ("http", "https"), "futures_ws_public_url": ("ws", "wss"),
            "futures_ws_private_url": ("ws", "wss")}


class BitmartSettings(BaseSettings):
    """Credentials (secret, never shown) and endpoint overrides for the BitMart spot and perpetual connectors
    (one account, one set of keys; the futures venue has its own host and sockets)."""

    model_config = SettingsConfigDict(env_prefix="BITMART_", env_file=".env", extra="ignore", frozen=True)

    api_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    memo: SecretStr | None = None
    rest_url: str = LIVE_REST_URL
    ws_public_url: str = LIVE_WS_PUBLIC_URL
    ws_private_url: str = LIVE_WS_PRIVATE_URL
    futures_rest_url: str = LIVE_FUTURES_REST_URL
    futures_ws_public_url: str = LIVE_FUTURES_WS_PUBLIC_URL
    futures_ws_private_url: str = LIVE_FUTURES_WS_PRIVATE_URL
    rate_limit_safety: float = Field(default=0.9, gt=0, le=1)

    @field_validator("api_key", "secret_key", "memo")
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("is empty; set it to the value shown when the API key was created")
        return value

    @field_validator(*SPOT_URLS, *FUTURES_URLS)
    @classmethod
    def _url(cls, value: str, info: Any) -> str:
        schemes = _SCHEMES[info.field_name]
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.hostname:
            raise ValueError(f"{value!r} is not a {' or '.join(schemes)} URL")
        return value.rstrip("/") if info.field_name.endswith("rest_url") else value

    @property
    def has_credentials(self) -> bool:
        return self.api_key is not None and self.secret_key is not None and self.memo is not None


def load_settings(**overrides: Any) -> BitmartSettings:
    """Build settings (explicit overrides win over env and .env); bad values raise ConfigError naming the variable."""
    try:
        return BitmartSettings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            message = err["msg"].removeprefix("Value error, ")
            problems.append(f"BITMART_{field.upper()} {message}")
        raise ConfigError("invalid BitMart settings: " + "; ".join(problems), connector="bitmart") from None


def choose_venue(config: SessionConfig, records: VenueRecords | None = None,
                 urls: tuple[str, ...] = SPOT_URLS) -> SessionConfig:
    """`config` as given when it, `BITMART_*` or `.env` names a URL; else the running `host-spec sandbox`.

    `urls` are the settings the connector reads (`SPOT_URLS`, or `FUTURES_URLS` for the perpetual connector,
    whose venue the same sandbox serves). With neither, raise ConfigError before any network call: the live
    venue is closed and would only hang. On the recorded sandbox its own account is used unless credentials
    were given (config, env or .env).
    """
    settings = load_settings(**{k: config.credentials.get(k) for k in _CREDENTIALS},
                             **{k: config.options.get(k) for k in urls})
    if settings.model_fields_set & set(urls):
        return config
    venue = (records or VenueRecords()).find("bitmart")
    if venue is None:
        names = " and ".join(", ".join(f"BITMART_{k.upper()}" for k in urls).rsplit(", ", 1))
        raise ConfigError(LIVE_CLOSED.format(urls=names), connector=config.connector_id)
    if not all(venue.options.get(k) for k in urls):
        raise ConfigError(f"the running sandbox (pid {venue.pid}) does not serve {', '.join(urls)}: restart it with "
                          "this version (`host-spec sandbox &`)", connector=config.connector_id)
    own_account = not settings.model_fields_set & set(_CREDENTIALS)
    log.warning("%s: using the sandbox running at %s (pid %d, started by `host-spec sandbox`) with %s",
                config.connector_id, venue.options[urls[0]], venue.pid, "its own account" if own_account else "the credentials given")
    credentials = dict(venue.credentials) if own_account else dict(config.credentials)
    return dataclasses.replace(config, credentials=credentials,
                               options={**config.options, **{k: venue.options[k] for k in urls}})
