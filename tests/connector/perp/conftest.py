"""Fixtures of the perp unit tests."""

from __future__ import annotations

import pytest

from bitmart_plugin.perp.symbols import Contracts

from .helpers import listing


@pytest.fixture
def contracts() -> Contracts:
    return listing()
