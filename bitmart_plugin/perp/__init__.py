"""The pure half of the `bitmart_perpetual` connector (BitMart USDT-M perpetual futures): no I/O anywhere.

What exists (each module one idea; spec: ../shared/bitmart_futures.md beside the project, cited as §n):
- `symbols`: `BTC-USDT` <-> `BTCUSDT`, `Contract` (symbol, pair, contract size, host rule, funding interval)
  and `Contracts`, the listing that every parser and request builder looks contracts up in.
- `rules`: `/contract/public/details` -> `Contracts` with host `TradingRule`s in base units (§1.1).
- `units`: wire contracts -> base amounts, the venue's time formats -> epoch ms (§2.4).
- `codes`: side codes 1-4 in hedge and one-way mode, position/margin modes, TIF modes, order states (§1.4-1.7).
- `topics`: WS topics, routing pushes by group (speed suffix stripped), batched subscribe messages (§3.2-3.4).
- `parse_market`: depth (REST view; WS depthIncrease/depthAll -> the shared book feed's `Depth`), public trades
  (taker side from `m`), tickers with mark and index (§3.5).
- `parse_funding`: funding rates (REST, WS), settled-rate history, funding payments, host `FundingInfo` (§4).
- `parse_account`: positions from position-v2 and WS position rows, balances from assets-detail and WS (§5, §2.2).
- `parse_orders`: orders (REST, every entry of a WS push) and fills (REST trades, WS last_trade, fee sign made
  right, deduplicated by trade id); `FuturesOrder.snapshot()` feeds the order tracker of
  `bitmart_plugin.orders` (venue-neutral apart from two spot quirks).
- `bodies`: submit-order (checked against the rules, size in whole contracts, side code, TIF mode),
  submit-leverage and set-position-mode bodies, and the check that a mode switch took effect.
- `queries`: GET parameters with each endpoint's time unit (seconds for trades/order-history, ms for
  transaction-history).
- `errors_map`: every futures code of §6 -> host_spec errors that say what to change.

The connector on top of them (I/O):
- `rest`: the futures REST client (ccxt raw endpoints through `bitmart_plugin.rest_client`, futures limits and
  error map); every method returns the venue's `data`.
- `streams` (`ws_public`, `ws_private`): books through the shared `ws/book_feed.BookFeed`, trades, tickers and
  funding, and the private order/position/asset pushes with `Reconnected` markers.
- `connector`: `BitmartPerpSession` on the shared `bitmart_plugin.trading.TradingSession` (order entry, lost-answer
  resolution, the user-stream pump with REST reconciliation after each reconnect): the listing, orders checked
  and sized in whole contracts before sending, lookups by the venue's id or by our client id, fills from `/trades`.
- `account`: balances, positions (position-v2; socket rows completed with mark and leverage), position mode,
  leverage with margin mode, funding info and funding payments (polled into `FundingEvent`s).
The hookimpls and `ConnectorInfo` (`bitmart_perpetual`, instrument perpetual) are in `bitmart_plugin.plugin`.
"""
