"""BitMart's own `host-spec` sub-commands."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_sandbox_command"]


def _run_sandbox(host: Any, args: argparse.Namespace) -> int:
    from bitmart_plugin.sandbox.server import main

    return main(list(args.sandbox_args))


def add_sandbox_command(subparsers: Any) -> None:
    """`host-spec sandbox [...]`: run the BitMart-compatible sandbox; its options are the sandbox's own."""
    p = subparsers.add_parser(
        "sandbox",
        help="run the BitMart-compatible local exchange (see `host-spec sandbox --help`)",
        add_help=False,
        prefix_chars="\0",
    )
    p.add_argument("sandbox_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_run_sandbox)
