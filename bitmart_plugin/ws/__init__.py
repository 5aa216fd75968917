"""Native BitMart spot WebSocket streams: transport, topic pool, public and private streams, façade."""
