"""What the benchmarks that run Home Assistant share: imports in order, a fresh core, the simulator, compounds.

Imported first by a benchmark (`from harness import ...`), it puts the working tree on the path
and imports the integration before Home Assistant's test harness, whose own `custom_components`
package would otherwise shadow it. Then it offers a fresh Home Assistant as production runs it
(asyncio debug off), the simulator in a process of its own, free ports and the config entries
the flows would store.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
import importlib
from pathlib import Path
import subprocess
import sys
import tempfile
from typing import Any, Self
from unittest.mock import patch

import aiohttp
from aiohttp.resolver import ThreadedResolver
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.core import HomeAssistant
from homeassistant.helpers import frame
from homeassistant.loader import DATA_CUSTOM_COMPONENTS
from homeassistant.setup import async_setup_component
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Both through importlib, so type checking does not wander into the test harness's package.
importlib.import_module("custom_components.hanyang_compound")
_test_harness = importlib.import_module("pytest_homeassistant_custom_component.common")
# Offered to the benchmarks with the rest; the working tree is on the path only now.
from broker.process import free_port as free_port  # noqa: E402, PLC0414 - re-exported

MockConfigEntry = _test_harness.MockConfigEntry

TERMINAL_PASSWORD = "hanyang123"  # noqa: S105 - the simulated terminals' password


@asynccontextmanager
async def fresh_home_assistant() -> AsyncIterator[HomeAssistant]:
    """Yield a fresh Home Assistant core as production runs it, our integration findable."""
    # Home Assistant's session resolves through zeroconf; loopback needs no more than the OS.
    resolver = patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver",
        return_value=ThreadedResolver(),
    )
    # A configuration directory of its own: the test harness's shared one keeps what earlier runs
    # stored (registries, a terminal's last event), and a terminal that remembers a later event
    # than the simulator's newest takes every new one for its past and shows none.
    with resolver, tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as config_dir:
        async with _test_harness.async_test_home_assistant(config_dir=config_dir) as hass:
            hass.loop.set_debug(False)  # the test harness turns it on; production does not
            hass.data.pop(DATA_CUSTOM_COMPONENTS, None)
            frame.async_setup(hass)  # as the test harness's fixtures do; newer releases require it
            # The integration (and core's calendar) bring the HTTP server in: on loopback and a
            # free port, never on all interfaces or a port a running demo holds.
            await async_setup_component(
                hass, "http", {"http": {"server_host": "127.0.0.1", "server_port": free_port()}}
            )
            yield hass


class Subentries:
    """A compound's devices as the flows store them, built up one device at a time."""

    def __init__(self) -> None:
        """Start without devices."""
        self.stored: list[ConfigSubentryDataWithId] = []

    def add(self, subentry_id: str, kind: str, title: str, data: dict[str, Any]) -> None:
        """Add one device of a kind (a subentry type) with its stored data."""
        self.stored.append(
            ConfigSubentryDataWithId(
                subentry_id=subentry_id,
                subentry_type=kind,
                title=title,
                data=data,
                unique_id=None,
            )
        )

    def module(
        self,
        module_id: str,
        title: str,
        *,
        port: int,
        unit_id: int,
        profile: str = "tcp_relay_8",
        transport: str = "tcp",
    ) -> None:
        """Add an I/O module on 127.0.0.1, polled every second (the default)."""
        self.add(
            module_id,
            "io_module",
            title,
            {
                "name": title,
                "host": "127.0.0.1",
                "port": port,
                "unit_id": unit_id,
                "profile": profile,
                "transport": transport,
                "poll_interval": 1,
            },
        )

    def gate(self, gate_id: str, title: str, module_id: str, **wiring: Any) -> None:
        """Add a barrier gate wired to a module: relays 0/1, limits 0/1, loop 2 unless told."""
        data = {
            "name": title,
            "module": module_id,
            "open_relay": 0,
            "close_relay": 1,
            "stop_relay": None,
            "pulse_seconds": 0.5,
            "open_limit": 0,
            "closed_limit": 1,
            "vehicle_loop": 2,
            "travel_timeout": 10.0,
            "kept_open_in_lockdown": False,
        }
        self.add(gate_id, "barrier_gate", title, data | wiring)

    def terminal(self, terminal_id: str, title: str, *, port: int, serial: str) -> None:
        """Add an access terminal on 127.0.0.1 that the simulator serves as serial."""
        self.add(
            terminal_id,
            "access_terminal",
            title,
            {
                "name": title,
                "host": "127.0.0.1",
                "port": port,
                "ssl": False,
                "verify_ssl": True,
                "username": "admin",
                "password": TERMINAL_PASSWORD,
                "door": 1,
                "kept_open_in_lockdown": False,
                "alert_duration": 300,
                "serial_number": serial,
                "model": "DS-K1T671TM-3XF",
                "firmware": "V3.2.30",
            },
        )

    def entry(self, title: str, unique_id: str) -> Any:
        """Return the compound with these devices as its config entry."""
        return MockConfigEntry(
            domain="hanyang_compound",
            title=title,
            unique_id=unique_id,
            data={"zone": "Qingchuan", "service_tier": "standard"},
            subentries_data=self.stored,
        )


class SimulatorProcess(AbstractAsyncContextManager["SimulatorProcess"]):
    """The simulator in its own process (its CPU is not Home Assistant's), and its control API."""

    def __init__(self, description: dict[str, Any]) -> None:
        """Serve description once entered, its control API on a free port."""
        self._description = description
        self._control = f"http://127.0.0.1:{free_port()}"

    async def __aenter__(self) -> Self:
        """Start the simulator; return once every device listens."""
        self._directory = tempfile.TemporaryDirectory()
        config = Path(self._directory.name) / "simulator.yaml"
        config.write_text(yaml.safe_dump(self._description), encoding="utf-8")
        self._process = subprocess.Popen(  # noqa: ASYNC220, S603 - our own simulator, once
            [
                *(sys.executable, "-m", "simulator", "serve", "--config", str(config)),
                *("--control-port", self._control.rsplit(":", 1)[1]),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._session = aiohttp.ClientSession()
        for _ in range(600):  # many devices take a while on a busy machine
            try:
                status = await self.status()
            except aiohttp.ClientConnectionError:
                status = {}
            # Devices listen once started, on the ports asked for or the ones the system gave.
            if status and all(device.get("port") for device in status.values()):
                return self
            await asyncio.sleep(0.1)
        await self.__aexit__()
        raise RuntimeError("the simulator did not start")

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the simulator."""
        await self._session.close()
        self._process.terminate()
        self._process.wait()
        self._directory.cleanup()

    async def status(self) -> dict[str, Any]:
        """Return every device's status by its id."""
        async with self._session.get(f"{self._control}/status") as reply:
            devices: dict[str, Any] = (await reply.json())["devices"]
            return devices

    async def reset_counters(self, device_id: str) -> None:
        """Zero a device's request counters."""
        url = f"{self._control}/devices/{device_id}/reset_counters"
        async with self._session.post(url, json={}):
            pass
