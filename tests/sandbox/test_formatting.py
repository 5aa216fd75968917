"""The sandbox's fixed-decimal strings: ``fixed`` (fast ``str`` path) equals the ``'f'`` format it replaced."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bitmart_plugin.sandbox.spot.formatting import fixed

decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e15"), max_value=Decimal("1e15"))


def _reference(value: Decimal, places: int) -> str:
    places = max(0, places)
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"


@settings(max_examples=2000, deadline=None)
@given(decimals, st.integers(min_value=-2, max_value=12))
def test_fixed_equals_the_f_format(value: Decimal, places: int) -> None:
    assert fixed(value, places) == _reference(value, places)


def test_tiny_values_never_use_exponents() -> None:
    assert fixed(Decimal("0.00000012"), 8) == "0.00000012"  # str() alone gives "1.2E-7"
    assert fixed(Decimal("1.25E-7"), 8) == "0.00000013"  # half up
    assert fixed(Decimal("-0.000000001"), 8) == "-0.00000000"
    assert fixed(Decimal("1E+3"), 2) == "1000.00"
    assert fixed(None, 3) == "0.000"
