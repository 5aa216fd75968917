"""The BitMart spot connector: session (connector.py), payload parsing and trading rules."""
