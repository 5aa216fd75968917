"""The sandbox's BitMart USDT-M futures venue: a pure core (no I/O) sharing the spot book and walk."""
