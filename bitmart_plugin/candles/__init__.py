"""The candles feeds: REST backfill, WebSocket live updates and the seam that joins them.

One implementation serves every market: `feed` (the feed), `rest` (paging), `ws` (kline pushes), `poll`
(intervals without a channel), `merge` (the seam), `intervals` (the tables). What differs per market is a
`market.KlineMarket`: `spot_klines.SPOT`, and `perp_klines.PERP` / `PERP_MARK` (USDT-M perpetuals; the
connector builds its feed with `perp_klines.perp_candles_feed`).
"""
