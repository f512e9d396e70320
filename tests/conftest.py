"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.httpserver import LocalServer


@pytest.fixture
async def local_server() -> AsyncIterator[LocalServer]:
    """A scriptable HTTP server on 127.0.0.1 (random port), stopped after the test."""
    server = LocalServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
