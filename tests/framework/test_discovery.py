"""Plugins are found through entry points, filtered by the environment, and a broken one is contained."""

from __future__ import annotations

import io
from pathlib import Path

from host_spec import Host


def discover(env: dict[str, str], warn: io.StringIO | None = None) -> Host:
    return Host.discover(env=env, warn=warn or io.StringIO())


def test_fake_and_bitmart_are_discovered_through_entry_points(plugin_path: Path) -> None:
    host = discover({})
    ids = [c.id for c in host.connectors()]
    assert "fakex" in ids and "bitmart" in ids
    loads = {load.name: load for load in host.report.loads}
    assert loads["fakex"].status == "loaded" and loads["fakex"].distribution == "fake_exchange"


def test_broken_plugin_is_reported_in_one_line_and_host_survives(plugin_path: Path) -> None:
    warn = io.StringIO()
    host = discover({}, warn)
    lines = [line for line in warn.getvalue().splitlines() if "broken" in line]
    assert len(lines) == 1
    assert "failed to load" in lines[0] and "RuntimeError: this plugin is broken on purpose" in lines[0]
    assert "fakex" in [c.id for c in host.connectors()]


def test_disable_list_blocks_by_name(plugin_path: Path) -> None:
    host = discover({"HOST_SPEC_DISABLE_PLUGINS": "bitmart, broken"})
    assert [c.id for c in host.connectors()] == [
        "fakex", "fakex_bus", "fakex_paper_trade", "fakex_perp", "fakex_perp_bus", "fakex_perp_paper_trade"]
    statuses = {load.name: load.status for load in host.report.loads}
    assert statuses["bitmart"] == "blocked" and statuses["broken"] == "blocked"


def test_allow_list_keeps_only_named(plugin_path: Path) -> None:
    host = discover({"HOST_SPEC_PLUGINS": "fakex"})
    assert [c.id for c in host.connectors()] == ["fakex", "fakex_perp"]
    host = discover({"HOST_SPEC_PLUGINS": "fakex,paper"})
    assert [c.id for c in host.connectors()] == ["fakex", "fakex_paper_trade", "fakex_perp", "fakex_perp_paper_trade"]


def test_plugin_with_unknown_hook_is_rejected(tmp_path: Path, plugin_path: Path) -> None:
    from tests.framework.conftest import make_distribution  # noqa: PLC0415 - helper reuse

    make_distribution(plugin_path, "typo_plugin", {"typo": "typo_plugin_mod"}, {
        "typo_plugin_mod": "from host_spec import hookimpl\n\n@hookimpl\ndef registr_connectors(register):\n    pass\n"
    })
    warn = io.StringIO()
    host = discover({}, warn)
    assert "registr_connectors" in warn.getvalue()
    assert {load.name: load.status for load in host.report.loads}["typo"] == "failed"


def test_trace_prints_every_hook_call(plugin_path: Path) -> None:
    out = io.StringIO()
    host = Host.discover(env={"HOST_SPEC_TRACE": "1", "HOST_SPEC_PLUGINS": "fakex"}, warn=out)
    host.connectors()
    host.order_types("fakex")
    text = out.getvalue()
    assert "host-spec trace: register_connectors" in text and "host-spec trace: order_types" in text
