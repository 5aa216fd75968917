"""The order book's C hot loop (host_spec/_levels.c): built where a compiler is, and it stores exactly what the Python loop stores.

The book's own tests (test_book_l2.py) run through both loops; this file checks the C function on its own
against a reference written from its contract, and the build hook's fallback when no compiler works.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import sys
import sysconfig
import types
from bisect import bisect_left
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from host_spec import orderbook

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "host_spec" / "_levels.c"


class Str(str):
    """A str subclass: never stored by the C loop (the exact path decides it)."""


def reference(side: dict[Any, Any], levels: list[Any], start: int, top: Any = None) -> int:
    """store()'s contract, in Python: store held-price levels with a plain ASCII decimal size until the first other one;
    with a `top`, a level it holds also resizes its row, or stops the loop (a zero size, a row not found)."""
    for i in range(max(start, 0), len(levels)):
        level = levels[i]
        if type(level) not in (list, tuple) or len(level) != 2:
            return i
        price, size = level
        if type(price) is not str or type(size) is not str or not size.isascii() or not size.replace(".", "", 1).isdigit():
            return i
        if price not in side:
            return i
        if top is not None and price in top.held:
            key, keys, rows = top.held[price], top.keys, top.rows
            j = bisect_left(keys, key)
            if not size.strip("0.") or j >= len(keys) or j >= len(rows) or type(rows[j]) is not tuple or len(rows[j]) != 2 or keys[j] != key:
                return i
            rows[j] = (rows[j][0], Decimal(size))
            top.levels = None
        side[price] = size
    return len(levels)


HELD = ["100", "100.5", "7", "0.001"]
PRICE = st.sampled_from([*HELD, "101", "100.50", "1E+2", Str("100")])
SIZE = st.one_of(
    st.from_regex(r"[0-9]{0,4}\.?[0-9]{0,4}", fullmatch=True),  # "", "." and every plain spelling
    st.sampled_from(["1.2.3", "1..2", "1e5", "-1", "+1", " 1", "1_0", "NaN", "\u0661", "\u00b2", "1\u0661", Str("5")]),
    st.sampled_from([1, 1.5, True, None, Decimal("2"), b"1"]),
)
LEVEL = st.one_of(
    st.tuples(PRICE, SIZE).map(list),
    st.tuples(PRICE, SIZE),
    st.sampled_from([["100"], ["100", "1", "2"], (), "12", None, 5, {"100": "1", "7": "2"}]),
)


@pytest.mark.skipif(orderbook._store is None, reason="host_spec/_levels.c is not built here")
@settings(max_examples=400, deadline=None)
@given(st.lists(LEVEL, max_size=12), st.integers(-1, 13))
def test_c_loop_stores_what_its_contract_says(levels: list[Any], start: int) -> None:
    store = orderbook._store
    assert store is not None
    side = {price: "1" for price in HELD}
    model = dict(side)
    assert store(side, levels, start) == reference(model, levels, start)
    assert side == model and list(side) == list(model) and all(type(k) is str for k in side)  # a new price left no trace


KEYS = [Decimal(x) for x in ("-100.5", "-100", "0.001", "7", "100", "100.5", "101", "250")]


def _top(held: dict[str, int], count: int, pad: bool, copies: bool, short: int, odd_row: bool) -> Any:
    """A stand-in TopLevels: `held` maps spellings to some of `count` ascending keys (the same objects, or equal copies);
    `pad` puts 70 lower keys first (past the identity scan); rows may be shorter than keys or hold a list."""
    keys = ([Decimal(-10_000 - i) for i in range(70, 0, -1)] if pad else []) + KEYS[:count]
    rows: list[Any] = [(-key, Decimal(-1)) for key in keys[: max(0, len(keys) + short)]]
    if odd_row and rows:
        rows[-1] = [rows[-1][0], Decimal(-1)]
    real = keys[len(keys) - count:]
    mapped = {sp: (Decimal(str(real[k % count])) if copies else real[k % count]) for sp, k in held.items()} if count else {}
    return types.SimpleNamespace(held=mapped, keys=keys, rows=rows, levels="built")


@pytest.mark.skipif(orderbook._store is None, reason="host_spec/_levels.c is not built here")
@settings(max_examples=500, deadline=None)
@given(st.lists(LEVEL, max_size=12), st.integers(-1, 13), st.dictionaries(st.sampled_from([*HELD, "101"]), st.integers(0, 7), max_size=4),
       st.integers(0, len(KEYS)), st.booleans(), st.booleans(), st.integers(-2, 0), st.booleans())
def test_c_loop_keeps_the_rows_of_a_kept_top(
    levels: list[Any], start: int, held: dict[str, int], count: int, pad: bool, copies: bool, short: int, odd_row: bool
) -> None:
    store = orderbook._store
    assert store is not None
    side = {price: "1" for price in HELD}
    model = dict(side)
    top, expected = _top(held, count, pad, copies, short, odd_row), _top(held, count, pad, copies, short, odd_row)
    assert store(side, levels, start, top) == reference(model, levels, start, expected)
    assert side == model and list(side) == list(model) and top.rows == expected.rows and top.levels == expected.levels
    assert all(type(row[1]) is Decimal for row in top.rows)


@pytest.mark.skipif(orderbook._store is None, reason="host_spec/_levels.c is not built here")
def test_c_loop_refuses_wrong_arguments() -> None:
    store = orderbook._store
    assert store is not None
    for args in [({}, (), 0), ([], [], 0), ({}, [], "0"), ({}, []), ({}, [], 0, None, None)]:
        with pytest.raises(TypeError):
            store(*args)  # type: ignore[arg-type,call-overload]
    with pytest.raises(TypeError):
        store({"1": "1"}, [["1", "2"]], 0, types.SimpleNamespace(held=[], keys=[], rows=[], levels=None))  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        store({"1": "1"}, [["1", "2"]], 0, object())  # type: ignore[arg-type]
    assert store({"1": "1"}, [["1", "2"]], 0, None) == 1


def _compiler() -> str | None:
    ldshared = sysconfig.get_config_var("LDSHARED")
    return shutil.which(shlex.split(ldshared)[0]) if ldshared else None


def test_c_loop_is_built_wherever_a_compiler_is() -> None:
    """A fresh install builds it (hatch_build.py); a missing or stale one here means `pip install -e .` again."""
    if _compiler() is None:
        pytest.skip("no C compiler: the book runs its Python loop")
    assert orderbook._store is not None, "host_spec/_levels.c is not built: run `pip install -e .` again"
    built = Path(sys.modules["host_spec._levels"].__file__ or "")
    if built.parent.samefile(ROOT / "host_spec"):  # an editable install: the module beside its source
        assert built.stat().st_mtime >= SOURCE.stat().st_mtime, "host_spec/_levels.c changed since it was built: run `pip install -e .` again"


def _hook_module() -> types.ModuleType:
    """hatch_build.py, imported with a stand-in for hatchling's hook base class (hatchling is only a build requirement)."""
    stub = types.ModuleType("hatchling.builders.hooks.plugin.interface")
    stub.BuildHookInterface = object  # type: ignore[attr-defined]
    names = ["hatchling", "hatchling.builders", "hatchling.builders.hooks", "hatchling.builders.hooks.plugin"]
    saved = {name: sys.modules.get(name) for name in [*names, stub.__name__]}
    sys.modules.update({name: types.ModuleType(name) for name in names})
    sys.modules[stub.__name__] = stub
    try:
        spec = importlib.util.spec_from_file_location("hatch_build_under_test", ROOT / "hatch_build.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "host_spec").mkdir()
    shutil.copy(SOURCE, tmp_path / "host_spec" / "_levels.c")
    return tmp_path


def test_build_hook_without_a_compiler_stays_pure_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hook = _hook_module()
    root = _tree(tmp_path)
    real = sysconfig.get_config_var
    monkeypatch.setattr(hook.sysconfig, "get_config_var", lambda name: "no-such-cc -shared" if name == "LDSHARED" else real(name))
    built, why = hook.compile_levels(str(root))
    assert built is None and "no-such-cc" in why
    assert sorted(os.listdir(root / "host_spec")) == ["_levels.c"]  # no half-built file left behind


def test_build_hook_builds_an_importable_module(tmp_path: Path) -> None:
    if _compiler() is None:
        pytest.skip("no C compiler")
    built, why = _hook_module().compile_levels(str(_tree(tmp_path)))
    assert built is not None, why
    spec = importlib.util.spec_from_file_location("host_spec._levels", built)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    side = {"100": "1"}
    assert module.store(side, [["100", "2.5"], ["101", "1"]], 0) == 1 and side == {"100": "2.5"}


def test_build_hook_builds_the_depth_decoder_too(tmp_path: Path) -> None:
    if _compiler() is None:
        pytest.skip("no C compiler")
    (tmp_path / "bitmart_plugin").mkdir()
    shutil.copy(ROOT / "bitmart_plugin" / "_depthjson.c", tmp_path / "bitmart_plugin" / "_depthjson.c")
    hook = _hook_module()
    assert os.path.join("bitmart_plugin", "_depthjson.c") in hook.SOURCES
    built, why = hook.compile_extension(str(tmp_path), os.path.join("bitmart_plugin", "_depthjson.c"))
    assert built is not None, why
    spec = importlib.util.spec_from_file_location("bitmart_plugin._depthjson", built)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.decode(b'{"table":"t","data":[{"symbol":"S","type":"update","version":2,"bids":[["1","2"]],"asks":[]}]}', b"t") == (
        "S", False, 2, 0, [("1", "2")], [])


def test_views_are_built_with_every_field_of_order_book_view() -> None:
    """The book builds views through the slots' setters (orderbook._new_view): the same fields, the same object."""
    import dataclasses

    from host_spec import OrderBookView, TradingPair

    assert [f.name for f in dataclasses.fields(OrderBookView)] == ["pair", "timestamp_ms", "sequence", "bids", "asks"]
    args = (TradingPair("BTC", "USDT"), 5, 7, ((Decimal(1), Decimal(2)),), ())
    made = orderbook._new_view(*args)
    assert made == OrderBookView(*args) and hash(made) == hash(OrderBookView(*args)) and type(made) is OrderBookView
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.sequence = 8  # type: ignore[misc]
