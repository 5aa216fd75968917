"""The public models: one spelling of cancelled, the book view's mid and spread, inputs checked at construction."""

from __future__ import annotations

from host_spec import OrderEventKind, OrderState


def test_one_spelling_of_canceled_across_enums() -> None:
    assert OrderState.CANCELED.value == "CANCELED"
    assert OrderEventKind.CANCELED.value == "canceled"
    # the old spelling stays as a deprecated alias of the same member, and the old value still loads
    assert OrderEventKind.CANCELLED is OrderEventKind.CANCELED
    assert OrderEventKind("cancelled") is OrderEventKind.CANCELED
    assert [k.name for k in OrderEventKind] == ["CREATED", "PARTIALLY_FILLED", "FILLED", "CANCELED", "FAILED"]
