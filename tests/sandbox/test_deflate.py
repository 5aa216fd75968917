"""The sandbox's push framing: every frame is raw deflate that plain zlib reads back exactly.

The sandbox deflates with its own encoder (``_deflate.c``) where it was compiled, else ISA-L where isal
is installed, else zlib; the connector inflates with ISA-L. So these tests read every frame back with
zlib (what ccxt, the SDK and most clients use), on each of the sandbox's compressors; the JSON must be
what ``json.dumps`` writes.
"""
from __future__ import annotations

import json
import random
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


@pytest.fixture(params=["_deflate.c", "isal", "zlib"])
def compressor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "_deflate.c" and deflate._small_compress is None:
        pytest.skip("bitmart_plugin/sandbox/_deflate.c was not compiled (no C compiler at install)")
    if request.param == "isal" and deflate._isal_compress is None:
        pytest.skip("isal is not installed here")
    if request.param != "_deflate.c":
        monkeypatch.setattr(deflate, "_small_compress", None)
    if request.param == "zlib":
        monkeypatch.setattr(deflate, "_isal_compress", None)
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


def _zlib6(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _fibonacci_bytes(symbols: int) -> bytes:
    """Symbol counts 1, 1, 2, 3, 5, ...: the Huffman tree is as deep as there are symbols (> 15 needs limiting)."""
    counts = [1, 1]
    while len(counts) < symbols:
        counts.append(counts[-1] + counts[-2])
    data = bytearray()
    for i, n in enumerate(counts):
        data += bytes([(i * 37) % 256]) * n
    rng = random.Random(symbols)  # shuffled, so LZ77 leaves most of them literals
    out = bytearray(data)
    rng.shuffle(out)
    return bytes(out)


@pytest.mark.skipif(deflate._small_compress is None, reason="_deflate.c was not compiled")
@pytest.mark.parametrize("data", [b"", b"a", b"ab", b"abc" * 100, bytes(65535), bytes(range(256)) * 255 + bytes(255),
                                  _fibonacci_bytes(18), _fibonacci_bytes(22), random.Random(5).randbytes(65535)],
                         ids=["empty", "one", "two", "repeats", "zeros-max", "all-bytes-max", "fib18", "fib22", "random-max"])
def test_small_encoder_edges(data: bytes) -> None:
    from bitmart_plugin.sandbox._deflate import compress

    frame = compress(data)
    assert _zlib_inflate(frame) == data
    assert len(frame) <= len(data) + 5  # never worse than one stored block


@pytest.mark.skipif(deflate._small_compress is None, reason="_deflate.c was not compiled")
def test_small_encoder_refuses_what_one_block_cannot_hold_and_compress_falls_back() -> None:
    from bitmart_plugin.sandbox._deflate import compress

    big = random.Random(6).randbytes(70_000)
    with pytest.raises(OverflowError):
        compress(big)
    assert _zlib_inflate(deflate.compress(big)) == big


@pytest.mark.skipif(deflate._small_compress is None, reason="_deflate.c was not compiled")
@settings(max_examples=200, deadline=None)
@given(asks=_levels, bids=_levels, version=st.integers(0, 2**53))
def test_small_encoder_frames_are_about_zlib_level_6_size(asks: list[list[str]], bids: list[list[str]], version: int) -> None:
    """Faithful sizes too: a client sees frames about as big as a zlib-deflating exchange sends."""
    from bitmart_plugin.sandbox._deflate import compress

    text = json.dumps({"table": "spot/depth/increase100", "data": [
        {"symbol": "BTC_USDT", "type": "update", "version": version, "ms_t": 1764583200123, "asks": asks, "bids": bids}]},
        separators=(",", ":")).encode()
    ours, theirs = len(compress(text)), len(_zlib6(text))
    assert ours <= theirs * 1.08 + 4, (ours, theirs)
