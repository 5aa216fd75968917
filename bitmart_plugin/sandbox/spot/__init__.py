"""The sandbox's spot venue: symbols, engine, agents, candles and its REST handlers and WebSocket channels."""
