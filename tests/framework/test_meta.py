"""Rules about the contract itself: documented hooks, plain-def hookimpls, import boundaries."""

from __future__ import annotations

import argparse
import ast
import inspect
import io
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr

from host_spec import Host, MarginMode, OrderRequest, OrderType, Side, TradingPair, hookspecs

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted(n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "host_spec_spec"))


def test_every_hookspec_has_a_docstring_and_typed_signature() -> None:
    for name in SPECS:
        fn = getattr(hookspecs, name)
        assert (fn.__doc__ or "").strip(), f"hookspec {name} has no docstring"
        sig = inspect.signature(fn)
        assert sig.return_annotation is not inspect.Signature.empty, f"{name} has no return annotation"
        assert all(p.annotation is not inspect.Parameter.empty for p in sig.parameters.values()), name


async def test_every_hookspec_is_exercised_through_the_host(plugin_path: Path) -> None:
    host = Host.discover(env={"HOST_SPEC_PLUGINS": "fakex"}, warn=io.StringIO())
    called: set[str] = set()
    host._pm.add_hookcall_monitoring(lambda name, impls, kw: called.add(name), lambda *a: None)
    host.connectors()
    host.order_types("fakex")
    host.register_commands(argparse.ArgumentParser().add_subparsers())
    with pytest.raises(Exception, match="does not offer"):
        await host.start_sandbox("fakex")
    pair = TradingPair("BTC", "USDT")
    async with await host.open("fakex", {"token": SecretStr("letmein")}) as conn:
        await conn.check_credentials()
        await conn.trading_rules()
        order = await conn.place_order(OrderRequest(pair, Side.BUY, OrderType.LIMIT, Decimal(1), Decimal(99)))
        await conn.query_order(pair, order.client_order_id)
        await conn.open_orders(pair)
        await conn.cancel_order(pair, order.client_order_id)
        await conn.cancel_all_orders(None)
        await conn.balances()
        await conn.fills(pair, None)
        await conn.fee_rates(pair)
        for stream in (conn.order_book(pair, 5), conn.trades(pair), conn.user_stream(), conn.candles(pair, "1m")):
            await stream.__anext__()
            await stream.aclose()
    async with await host.open("fakex_perp", {"token": SecretStr("letmein")}) as perp:
        await perp.positions(pair)
        await perp.set_position_mode(await perp.position_mode())
        await perp.set_leverage(pair, Decimal(3), MarginMode.CROSS)
        await perp.funding_info(pair)
        await perp.funding_payments(pair, None)
    assert set(SPECS) - called == set(), f"hookspecs never called: {sorted(set(SPECS) - called)}"


def _all_hookimpls(host: Host) -> list[tuple[str, object]]:
    found = []
    for name, plugin in host._pm.list_name_plugin():
        for attr in dir(plugin):
            fn = getattr(plugin, attr, None)
            if callable(fn) and hasattr(fn, "host_spec_impl"):
                found.append((f"{name}.{attr}", fn))
    return found


def test_no_hookimpl_is_async_or_has_defaults(plugin_path: Path) -> None:
    host = Host.discover(env={}, warn=io.StringIO())
    impls = _all_hookimpls(host)
    assert len(impls) > 20
    for label, fn in impls:
        assert not inspect.iscoroutinefunction(fn) and not inspect.isasyncgenfunction(fn), f"{label} is async def"
        defaults = [p for p in inspect.signature(fn).parameters.values() if p.default is not inspect.Parameter.empty]
        assert not defaults, f"{label} has default arguments {defaults}"


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.ImportFrom) and node.level:
            out.append(("." * node.level + (node.module or ""), [a.name for a in node.names]))
    return out


def test_host_spec_never_imports_bitmart_plugin() -> None:
    for path in (ROOT / "host_spec").rglob("*.py"):
        for module, _ in _imports(path):
            assert not module.startswith("bitmart_plugin"), f"{path} imports {module}"


def test_plugin_uses_only_host_spec_public_api() -> None:
    for path in (ROOT / "bitmart_plugin").rglob("*.py"):
        for module, _ in _imports(path):
            assert module == "host_spec" or not module.startswith("host_spec"), f"{path} imports {module}"


def _resolved(path: Path, module: str) -> str:
    """``module`` as imported from ``path``, with a relative import ("..events") made absolute."""
    level = len(module) - len(module.lstrip("."))
    if not level:
        return module
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    rest = module[level:]
    return ".".join(package[:len(package) - level + 1] + ([rest] if rest else []))


def test_sandbox_shares_no_code_with_the_connector() -> None:
    for path in (ROOT / "bitmart_plugin" / "sandbox").rglob("*.py"):
        for module, _ in _imports(path):
            assert not module.startswith("host_spec"), f"{path} imports {module}"
            if module.startswith("bitmart_plugin") or module.startswith("."):
                resolved = _resolved(path, module)
                assert resolved.startswith("bitmart_plugin.sandbox"), f"{path} imports {module} ({resolved})"


def test_connector_never_imports_the_sandbox_outside_the_venue_bridge() -> None:
    allowed = {"venue.py", "commands.py"}
    for path in (ROOT / "bitmart_plugin").rglob("*.py"):
        if "sandbox" in path.parts or path.name in allowed:
            continue
        for module, _ in _imports(path):
            assert "sandbox" not in module, f"{path} imports {module}"


@pytest.mark.parametrize("package", ["host_spec", "bitmart_plugin"])
def test_both_packages_ship_py_typed(package: str) -> None:
    """PEP 561: the marker tells type checkers to use the packages' own annotations (hatch ships every file in them)."""
    import importlib.resources

    assert importlib.resources.files(package).joinpath("py.typed").is_file()


def test_framework_core_never_imports_its_command_line_layer() -> None:
    for path in (ROOT / "host_spec").rglob("*.py"):
        if "cli" in path.parts or path.name == "__main__.py":
            continue
        for module, _ in _imports(path):
            resolved = _resolved(path, module)
            assert not resolved.startswith("host_spec.cli"), f"{path} imports {module}"


@pytest.mark.parametrize(("folder", "forbidden"), [
    ("core", ("spot", "futures", "server", "rest_router", "admin", "faults", "state")),
    ("spot", ("futures",)),
    ("futures", ("spot",)),
])
def test_sandbox_venues_share_only_the_core(folder: str, forbidden: tuple[str, ...]) -> None:
    """The core knows neither venue nor the transport; neither venue imports the other."""
    for path in (ROOT / "bitmart_plugin" / "sandbox" / folder).rglob("*.py"):
        for module, _ in _imports(path):
            resolved = _resolved(path, module)
            for name in forbidden:
                assert not resolved.startswith(f"bitmart_plugin.sandbox.{name}"), f"{path} imports {module}"
