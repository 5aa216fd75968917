"""The price world both venues share: the well-known assets and their reference USD prices."""
from __future__ import annotations

from decimal import Decimal

BTC_USD = Decimal("60000")
#: well-known bases after BTC_USDT: (base, approximate USD price)
KNOWN: list[tuple[str, str]] = [
    ("ETH", "3000"), ("SOL", "150"), ("XRP", "0.6"), ("DOGE", "0.15"), ("ADA", "0.45"),
    ("LTC", "80"), ("BMX", "0.25"), ("TRX", "0.12"), ("DOT", "7"), ("LINK", "15"),
    ("SHIB", "0.00002"), ("AVAX", "35"), ("UNI", "8"), ("ATOM", "9"), ("XLM", "0.11"),
]
#: pairs quoted in BTC that follow the USDT ones in the known list
KNOWN_BTC = ["ETH", "LTC", "XRP", "DOGE"]
