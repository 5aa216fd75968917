"""Hookimpls of the default paper-trade plugin (being built)."""
