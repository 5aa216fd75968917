"""The perpetual paper variant through the Host: `fakex_perp_paper_trade` passes the whole conformance kit
(the base checks and PerpetualSuite) on the fake perpetual venue's public data, as any live connector must."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from host_spec import Connection, Host, Instrument
from host_spec.testing import ConformanceSuite
from tests.paper.perp_helpers import ID


@pytest.fixture
def host(plugin_path: Path) -> Host:
    return Host.discover(env={"HOST_SPEC_PLUGINS": "fakex,paper"}, warn=io.StringIO())


@pytest.fixture
async def connection(host: Host) -> AsyncIterator[Connection]:
    async with await host.open(ID, {}, {"reorder_ms": 0}) as conn:
        yield conn


class TestPerpPaperConformance(ConformanceSuite):
    connector_id = ID


def test_the_variant_is_perpetual_and_declares_what_it_answers(host: Host) -> None:
    info = host.connector(ID)
    assert info.base_connector == "fakex_perp" and info.instrument is Instrument.PERPETUAL and info.credentials == ()
    assert {"positions", "position_mode", "leverage", "funding", "trading", "user_stream"} <= info.capabilities
    assert {"leverage", "margin_mode", "position_mode", "maintenance_rate", "mark_source"} <= set(info.options)
    assert "leverage" not in host.connector("fakex_paper_trade").options, "spot variants do not list perp options"
