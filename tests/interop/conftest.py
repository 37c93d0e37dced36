"""Interop fixtures live in tests/vtn (the scripted VTN, openleadr's VTN and the VEN harness)."""

from tests.vtn.fixtures import fast_timeouts, ven, vtn  # noqa: F401
