"""Helpers of the access terminal tests: a simulated terminal and patience without sleeps-as-asserts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import time
from typing import Any

from custom_components.hanyang_compound.devices.isapi.monitor import MonitorTiming
from simulator.devices.access_terminal import AccessTerminal

PASSWORD = "hanyang123"  # noqa: S105 - the simulated terminals' factory password
FAST = MonitorTiming(
    heartbeat_timeout=1.5,
    backoff_min=0.05,
    backoff_max=0.3,
    poll_interval=0.1,
    stream_retry_interval=0.6,
)
"""Monitor timing for tests: the simulated terminals send heartbeats every 0.3 s."""


async def start_terminal(**settings: Any) -> AccessTerminal:
    """Start a simulated terminal on a free port of 127.0.0.1."""
    terminal = AccessTerminal(
        settings.pop("device_id", "east"),
        {"heartbeat_interval": 0.3, "seed": 4, **settings},
    )
    await terminal.async_start()
    return terminal


async def wait_until(condition: Callable[[], bool], within: float = 15.0) -> None:
    """Wait until condition holds; a generous timeout keeps a loaded machine from failing tests."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.02)


def terminal_input(sim: AccessTerminal, **changes: Any) -> dict[str, Any]:
    """Return what a technician enters in the terminal's form for a simulated terminal."""
    return {
        "name": f"{sim.device_id.capitalize()} pedestrian gate",
        "host": "127.0.0.1",
        "port": sim.port,
        "ssl": False,
        "verify_ssl": True,
        "username": "admin",
        "password": PASSWORD,
        "door": 1,
        "kept_open_in_lockdown": False,
        "alert_duration": 60,
        **changes,
    }


def stored_terminal_data(sim: AccessTerminal, **changes: Any) -> dict[str, Any]:
    """Return a terminal's subentry data as the flow stores it, for a simulated terminal."""
    return {
        **terminal_input(sim, **changes),
        "serial_number": sim.serial,
        "model": sim.model,
        "firmware": "V3.2.30",
    }
