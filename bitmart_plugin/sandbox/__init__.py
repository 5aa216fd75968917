"""The BitMart-compatible sandbox: a local exchange speaking BitMart's spot and futures protocols.

Importing the package checks that its compiled core (`native.py`) was built from the current sources.
"""

from .native import guard as _guard

_guard()
