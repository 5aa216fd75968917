"""The command-line layer (`host-spec`): commands, chart and demo. The framework core never imports it."""

from host_spec.cli.main import main

__all__ = ["main"]
