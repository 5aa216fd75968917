"""`python -m host_spec`: the same as the `host-spec` command."""

from host_spec.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
