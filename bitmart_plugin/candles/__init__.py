"""The candles feeds: REST backfill, WebSocket live updates and the seam that joins them."""
