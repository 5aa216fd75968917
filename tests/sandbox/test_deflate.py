"""The sandbox's push framing: every frame is raw deflate that plain zlib reads back exactly.

The sandbox deflates with ISA-L where isal is installed and the connector inflates with ISA-L too,
so these tests read every frame back with zlib (what ccxt, the SDK and most clients use), on both of
the sandbox's compressors; the JSON must be what ``json.dumps`` writes.
"""
from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitmart_plugin.sandbox import deflate


def _zlib_inflate(frame: bytes) -> bytes:
    d = zlib.decompressobj(-15)
    out = d.decompress(frame) + d.flush()
    assert d.eof and not d.unused_data, "one complete raw-deflate stream, nothing after it"
    return out


@pytest.fixture(params=["default", "zlib"])
def compressor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "zlib":
        monkeypatch.setattr(deflate, "_isal", None)
    return str(request.param)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=20_000), st.binary(max_size=64).map(lambda b: b * 200)))
def test_frames_inflate_with_zlib(compressor: str, data: bytes) -> None:
    assert _zlib_inflate(deflate.compress(data)) == data


_levels = st.lists(st.tuples(st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False),
                             st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False)),
                   max_size=100).map(lambda rows: [[f"{p:f}", f"{s:f}"] for p, s in rows])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(asks=_levels, bids=_levels, version=st.integers(0, 2**53), symbol=st.from_regex(r"[A-Z0-9]{1,10}_[A-Z]{3,4}", fullmatch=True))
def test_push_is_compact_json(compressor: str, asks: list[list[str]], bids: list[list[str]], version: int,
                              symbol: str) -> None:
    payload: dict[str, Any] = {"table": "spot/depth/increase100", "data": [
        {"symbol": symbol, "type": "update", "version": version, "ms_t": 1764583200123, "asks": asks, "bids": bids}]}
    frame = deflate.encode_push(payload)
    assert _zlib_inflate(frame) == json.dumps(payload, separators=(",", ":")).encode()


def test_payload_orjson_refuses_goes_through_json(compressor: str) -> None:
    payload = {"table": "t", "data": [{"big": 2**70, "text": "caf\u00e9"}]}
    assert json.loads(_zlib_inflate(deflate.encode_push(payload))) == payload
