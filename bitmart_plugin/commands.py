"""BitMart's own `host-spec` sub-commands."""

from __future__ import annotations

import argparse
import sys
from typing import Any
from urllib.parse import urlsplit

__all__ = ["add_sandbox_command"]

CONNECTOR_ID = "bitmart"


def _run_sandbox(host: Any, args: argparse.Namespace) -> int:
    """Serve the sandbox and, while it runs, record it as the default venue for later commands."""
    from host_spec import VenueRecords

    from bitmart_plugin.sandbox.server import main
    from bitmart_plugin.venue import BitmartLocalVenue

    records = VenueRecords()

    def publish(sandbox: Any) -> None:
        venue = BitmartLocalVenue(sandbox)
        url = urlsplit(venue.options["rest_url"])
        try:
            path = records.publish(CONNECTOR_ID, venue.credentials, venue.options,
                                   address=(url.hostname or "127.0.0.1", url.port or 80))
        except OSError as exc:  # still serve; later commands just will not find it
            print(f"warning: could not record the sandbox for later commands: {exc}", file=sys.stderr)
            return
        print(f"Later commands use this sandbox until it stops (recorded in {path}).", file=sys.stderr, flush=True)

    try:
        return main(list(args.sandbox_args), on_ready=publish)
    finally:
        records.withdraw(CONNECTOR_ID)


def add_sandbox_command(subparsers: Any) -> None:
    """`host-spec sandbox [...]`: run the BitMart-compatible sandbox; its options are the sandbox's own."""
    p = subparsers.add_parser(
        "sandbox",
        help="run the BitMart-compatible local exchange and make it the default venue while it runs "
             "(see `host-spec sandbox --help`)",
        add_help=False,
        prefix_chars="\0",
    )
    p.add_argument("sandbox_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_run_sandbox)
