"""Fixtures of the subentry flow tests: the I/O module flows read the simulated gateway."""

from __future__ import annotations

from tests.iomodule.conftest import gateway  # noqa: F401 - the fixture, shared with the I/O module tests
