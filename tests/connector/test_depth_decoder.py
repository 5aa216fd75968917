"""The C decoder of the spot depth push (bitmart_plugin/_depthjson.c) against a general JSON parser.

Its contract: for any bytes it answers None or exactly what orjson reads from them, projected onto the
depth fields; and it answers for the frames BitMart sends. Streams of real-shaped and damaged frames
give the same books and counts with and without it.
"""

from __future__ import annotations

import json
import random
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from host_spec import TradingPair

from bitmart_plugin.spot.parsing import DEPTH_INCREASE
from bitmart_plugin.ws import public
from bitmart_plugin.ws.book_feed import BookFeed
from bitmart_plugin.ws.public import PublicStreams

decode = public._decode_depth
TABLE = DEPTH_INCREASE.encode()
#: shared by the property tests, and small: its slots collide and are replaced all the time
TINY = public._Spellings(slots=4) if public._Spellings is not None else None
pytestmark = pytest.mark.skipif(decode is None, reason="bitmart_plugin/_depthjson.c is not built here (no C compiler)")
ITEM_KEYS = {"symbol", "type", "version", "ms_t", "bids", "asks"}


def projection(raw: bytes, table: bytes = TABLE) -> tuple[Any, ...] | None:
    """What the decoder must answer when it answers: the depth fields of orjson's reading of `raw`."""
    try:
        msg = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not (isinstance(msg, dict) and msg.keys() == {"table", "data"} and msg["table"] == table.decode()):
        return None
    data = msg["data"]
    if not (isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict)):
        return None
    item = data[0]
    if not (item.keys() <= ITEM_KEYS and ITEM_KEYS - {"ms_t"} <= item.keys()):
        return None
    version, ms_t = item["version"], item.get("ms_t", 0)
    sides = item["bids"], item["asks"]
    if not (isinstance(item["symbol"], str) and item["type"] in ("update", "snapshot")
            and type(version) is int and version >= 0 and type(ms_t) is int and ms_t >= 0):
        return None
    if not all(isinstance(side, list) and all(isinstance(lv, list) and len(lv) == 2 and all(type(x) is str for x in lv)
                                              for lv in side) for side in sides):
        return None
    return (item["symbol"], item["type"] == "snapshot", version, ms_t, *([tuple(lv) for lv in side] for side in sides))


def frame(bids: list[list[str]], asks: list[list[str]], *, version: int = 7, kind: str = "update", ms_t: int | None = 1700000000123,
          symbol: str = "BTC_USDT", order: list[str] | None = None, space: str = "") -> bytes:
    item: dict[str, Any] = {"asks": asks, "bids": bids, "symbol": symbol, "type": kind, "version": version}
    if ms_t is not None:
        item["ms_t"] = ms_t
    if order is not None:
        item = {k: item[k] for k in order if k in item}
    sep = (", ", ": ") if space else (",", ":")
    return json.dumps({"data": [item], "table": DEPTH_INCREASE}, separators=sep).encode()


plain = st.text("0123456789.", min_size=1, max_size=12)
levels = st.lists(st.lists(plain, min_size=2, max_size=2), max_size=150)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(bids=levels, asks=levels, version=st.integers(0, 10**18 - 1), ms_t=st.none() | st.integers(0, 10**18 - 1),
       kind=st.sampled_from(["update", "snapshot"]), order=st.permutations(sorted(ITEM_KEYS)), space=st.sampled_from(["", " "]))
def test_reads_every_well_formed_push_as_orjson_does(bids: list[list[str]], asks: list[list[str]], version: int, ms_t: int | None,
                                                     kind: str, order: list[str], space: str) -> None:
    raw = frame(bids, asks, version=version, kind=kind, ms_t=ms_t, order=order, space=space)
    got = decode(raw, TABLE)
    assert got is not None
    assert got == projection(raw) == decode(raw, TABLE, TINY) == decode(raw, TABLE, TINY)
    assert all(type(lv) is tuple for side in got[4:] for lv in side)


def _mutations(raw: bytes, rnd: random.Random) -> bytes:
    b = bytearray(raw)
    for _ in range(rnd.randint(1, 3)):
        op, at = rnd.randrange(4), rnd.randrange(len(b) + 1)
        if op == 0 and at < len(b):
            b[at] = rnd.choice(b'"[]{},:.-+eE0123456789 \\\t\x00\xc3\xa9x')
        elif op == 1:
            b[at:at] = bytes([rnd.randrange(256)])
        elif op == 2 and at < len(b):
            del b[at]
        else:
            b = b[:at]
    return bytes(b)


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), bids=st.lists(st.lists(plain, min_size=2, max_size=2), max_size=4))
def test_a_damaged_push_is_read_as_orjson_does_or_left_to_it(seed: int, bids: list[list[str]]) -> None:
    raw = _mutations(frame(bids, [["10.5", "0"]]), random.Random(seed))
    got = decode(raw, TABLE)
    assert got is None or got == projection(raw), raw
    assert decode(raw, TABLE, TINY) == got


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash_it(raw: bytes) -> None:
    got = decode(raw, TABLE)
    assert got is None or got == projection(raw)
    assert decode(raw, TABLE, TINY) == got


@pytest.mark.parametrize("raw", [
    b'{"data":[{"asks":[],"bids":[["1\\u0030","2"]],"symbol":"S","type":"update","version":1}],"table":"spot/depth/increase100"}',
    '{"data":[{"asks":[],"bids":[["1","2"]],"symbol":"S\u00e9","type":"update","version":1}],"table":"spot/depth/increase100"}'.encode(),
    b'{"data":[{"asks":[],"bids":[],"symbol":"S","type":"update","version":1,"version":2}],"table":"spot/depth/increase100"}',
    b'{"data":[{"asks":[],"bids":[],"symbol":"S","type":"update","version":01}],"table":"spot/depth/increase100"}',
    b'{"data":[{"asks":[],"bids":[],"symbol":"S","type":"update","version":-1}],"table":"spot/depth/increase100"}',
    b'{"data":[{"asks":[],"bids":[],"symbol":"S","type":"update","version":1.0}],"table":"spot/depth/increase100"}',
    b'{"data":[{"asks":[],"bids":[],"symbol":"S","type":"update","version":1e3}],"table":"spot/depth/increase100"}',
    b'{"data":[{"asks":[],"bids":[],"symbol":"S","type":"update","version":1234567890123456789}],"table":"spot/depth/increase100"}',
    b'{"data":[{"asks":[],"bids":[],"symbol":"S","type":"update","version":1,"extra":1}],"table":"spot/depth/increase100"}',
    b'{"data":[{"asks":[],"bids":[],"symbol":"S","type":"partial","version":1}],"table":"spot/depth/increase100"}',
    b'{"data":[{"asks":[],"bids":[],"symbol":"S","type":"update"}],"table":"spot/depth/increase100"}',
    b'{"data":[{"asks":[],"bids":[[1,"2"]],"symbol":"S","type":"update","version":1}],"table":"spot/depth/increase100"}',
    b'{"data":[{"asks":[],"bids":[["1","2","3"]],"symbol":"S","type":"update","version":1}],"table":"spot/depth/increase100"}',
    b'{"data":[{"asks":[],"bids":[],"symbol":"S","type":"update","version":1},'
    b'{"asks":[],"bids":[],"symbol":"T","type":"update","version":1}],"table":"spot/depth/increase100"}',
    b'{"data":[],"table":"spot/depth/increase100"}',
    b'{"data":[{"asks":[],"bids":[],"symbol":"S","type":"update","version":1}],"table":"spot/trade"}',
    b'{"data":[{"asks":[],"bids":[],"symbol":"S","type":"update","version":1}],"table":"spot/depth/increase100"} x',
    b'{"data":[{"asks":[],"bids":[],"symbol":"S","type":"update","version":1}],"table":"spot/depth/increase100","x":0}',
])
def test_leaves_what_it_does_not_fully_understand_to_the_json_parser(raw: bytes) -> None:
    assert decode(raw, TABLE) is None


def test_a_side_of_many_levels_keeps_every_level_in_order() -> None:
    bids = [[f"{1000 - i}.5", str(i)] for i in range(300)]
    raw = frame(bids, bids[:65])
    got = decode(raw, TABLE)
    assert got == projection(raw) and len(got[4]) == 300 and len(got[5]) == 65


def _stream(n: int) -> list[bytes]:
    from bitmart_plugin.sandbox.spot.firehose import generate_depth_stream

    return [json.dumps(payload, separators=(",", ":")).encode() for payload in generate_depth_stream(n)]


def _snapshots(frames: list[bytes]) -> list[bytes]:
    """The venue's answer to a snapshot request after each frame of the undamaged stream (its book then)."""
    sides: dict[str, dict[str, str]] = {"bids": {}, "asks": {}}
    out = []
    for raw in frames:
        item = orjson.loads(raw)["data"][0]
        for name, side in sides.items():
            if item["type"] == "snapshot":
                side.clear()
            for price, size in item[name]:
                if float(size):
                    side[price] = size
                else:
                    side.pop(price, None)
        out.append(frame([[p, s] for p, s in sides["bids"].items()], [[p, s] for p, s in sides["asks"].items()],
                         version=item["version"], kind="snapshot"))
    return out


def _run(frames: list[bytes], answers: list[bytes]) -> tuple[Any, ...]:
    """Feed `frames`; a resync request is answered after the next frame (the venue's book at that one)."""
    asked: list[bool] = []
    streams = PublicStreams("ws://127.0.0.1:9/api", cap=115)
    feed = streams.books["BTC_USDT"] = BookFeed("BTC_USDT", TradingPair("BTC", "USDT"), lambda: asked.append(True) or True)
    views = []
    for raw, answer in zip(frames, answers, strict=True):
        streams.on_payload(raw)
        if asked:
            asked.clear()
            streams.on_payload(answer)
        view = feed.view(100)
        views.append(None if view is None else (view.sequence, view.bids, view.asks))
    return streams.bad_frames, dict(feed.stats), views


@pytest.mark.parametrize("seed", range(4))
def test_books_are_the_same_with_and_without_it(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream with damaged frames among good ones (bad levels, gaps, garbage): same books, same counts."""
    rnd = random.Random(seed)
    frames = _stream(400)
    answers = _snapshots(frames)
    for i in rnd.sample(range(1, len(frames)), 40):
        frames[i] = _mutations(frames[i], rnd)
    for i in rnd.sample(range(1, len(frames)), 5):  # a level that fails validation: the book resyncs
        frames[i] = frames[i].replace(b'"bids":[["', b'"bids":[["-', 1)
    fast = _run(frames, answers)
    assert fast[1]["applied"] > 200 and fast[1]["requests"] >= 5 and fast[0] > 10
    monkeypatch.setattr(public, "_decode_depth", None)
    assert _run(frames, answers) == fast


def test_the_fast_path_is_taken_for_the_venues_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    frames = _stream(50)
    assert all(decode(f, TABLE) is not None for f in frames)
    answered = []
    monkeypatch.setattr(public, "_decode_depth", lambda raw, *args: answered.append(decode(raw, *args) is not None) or decode(raw, *args))
    assert _run(frames, frames)[1]["applied"] == len(frames) - 1 and answered == [True] * len(frames)


def test_spellings_answer_a_price_seen_before_as_the_same_str() -> None:
    """With a Spellings table a price (and the symbol) read again is the str answered before: the book's store finds
    it at a pointer comparison. Sizes, strings past 40 bytes, and a price whose slot another took are new strs."""
    spellings = public._Spellings(slots=64)
    long_price = "1" * 41
    raw = frame([["100.5", "1"], [long_price, "2"]], [["101", "0"]])
    first, again = decode(raw, TABLE, spellings), decode(raw, TABLE, spellings)
    assert first == again == decode(raw, TABLE)
    assert first[0] is again[0] and first[4][0][0] is again[4][0][0] and first[5][0][0] is again[5][0][0]
    assert first[4][0][1] is not again[4][0][1] and first[4][1][0] is not again[4][1][0]
    assert spellings.held() == 3  # BTC_USDT, 100.5, 101
    fresh = decode(raw, TABLE, public._Spellings(slots=64))
    assert fresh == first and fresh[4][0][0] is not first[4][0][0]
    one = public._Spellings(slots=1)  # every spelling takes the one slot: the last one read stays
    got = decode(frame([["1", "1"], ["2", "2"]], []), TABLE, one)
    assert got[4] == [("1", "1"), ("2", "2")] and one.held() == 1
    assert decode(frame([["2", "5"]], []), TABLE, one)[4][0][0] is not got[4][1][0]  # the symbol took the slot since
    assert decode(raw, TABLE, None) == first


def test_spellings_refuse_wrong_arguments() -> None:
    for slots in (0, -1, 2**24 + 1):
        with pytest.raises(ValueError, match="slots"):
            public._Spellings(slots=slots)
    with pytest.raises(TypeError):
        decode(frame([], []), TABLE, {})
    with pytest.raises(TypeError):
        decode(frame([], []), TABLE, None, None)
    assert public._Spellings(slots=3).held() == 0


def test_reads_the_recorded_pushes_and_the_documented_ones() -> None:
    """BitMart's own key order (table first, ms_t before the sides), from the recording and bitmart_api.md §8."""
    from pathlib import Path

    path = Path(__file__).parents[2] / "cassettes" / "ws" / "ws_spot_depth_increase100_gap.jsonl"
    pushes = [json.dumps(rec["data"], separators=(",", ":")).encode() for rec in map(json.loads, path.read_text().splitlines())
              if rec["dir"] == "recv" and rec["frame"] == "binary"]
    pushes.append(b'{"table":"spot/depth/increase100","data":[{"symbol":"BTC_USDT","type":"update","version":5,'
                  b'"ms_t":1698292358292,\n  "asks":[["23200","0.59959"]],"bids":[]}]}')
    assert len(pushes) >= 3
    for raw in pushes:
        assert decode(raw, TABLE) == projection(raw) is not None


def test_it_is_built_wherever_a_compiler_is() -> None:
    """A fresh install builds it (hatch_build.py); a stale one here means `pip install -e .` again."""
    import shlex
    import shutil
    import sys
    import sysconfig
    from pathlib import Path

    ldshared = sysconfig.get_config_var("LDSHARED")
    if not ldshared or shutil.which(shlex.split(ldshared)[0]) is None:
        pytest.skip("no C compiler: the JSON parser reads every frame")
    source = Path(__file__).parents[2] / "bitmart_plugin" / "_depthjson.c"
    built = Path(sys.modules["bitmart_plugin._depthjson"].__file__ or "")
    if built.parent.samefile(source.parent):  # an editable install: the module beside its source
        assert built.stat().st_mtime >= source.stat().st_mtime, "_depthjson.c changed since it was built: run `pip install -e .` again"
