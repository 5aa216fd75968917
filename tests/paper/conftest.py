"""Reuse the framework's fake plugin distribution fixture."""

from tests.framework.conftest import plugin_path  # noqa: F401
