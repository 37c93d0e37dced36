"""Pytest fixtures for the interop tests (imported by tests/interop/conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from custom_components.openadr_ven.openadr import transport as transport_module
from tests.vtn.harness import VenHarness
from tests.vtn.scripted import ScriptedVTN


@pytest.fixture
async def vtn(socket_enabled: None) -> AsyncIterator[ScriptedVTN]:
    """A scripted VTN on a free loopback port; every request the VEN made must be XSD-valid.

    The loop's debug mode (switched on by pytest-homeassistant-custom-component) makes each
    exchange ~4x slower; these tests travel through thousands of polls, so it is off meanwhile.
    """
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    loop.set_debug(False)
    server = ScriptedVTN()
    try:
        async with server:
            yield server
    finally:
        loop.set_debug(debug)
    assert server.invalid() == [], "the VEN sent payloads that are not valid 2.0b"
    assert all(x.headers.get("Content-Type") == "application/xml" for x in server.exchanges)


@pytest.fixture
def fast_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Allow transport timeouts below the §9.1.6 minimum of 5 s, so hang tests take a moment."""
    monkeypatch.setattr(transport_module, "_min_timeout", 0.01)


@pytest.fixture
async def ven(vtn: ScriptedVTN) -> AsyncIterator[VenHarness]:
    """The real VEN stack, registered with ``vtn`` (bootstrap done, resting until the next poll)."""
    async with VenHarness(vtn.url) as harness:
        vtn.clock = harness.clock.now
        await harness.start()
        yield harness
