"""Benchmark: many compounds in one Home Assistant - steady CPU, memory and state writes per compound.

Each compound has the demo's devices at their default intervals: 3 I/O modules polled every
second (two behind a Modbus TCP gateway, one behind an RTU serial bridge), 3 barrier gates, a shed
light and a shed socket, 2 access terminals with residents passing (6 and 4 a minute, streamed),
and 3 BTHome sensors (Bluetooth not running). The simulator runs in its own process, so only Home
Assistant's CPU is counted. For 0 (the same Home Assistant without compounds), 1, 5, 10 and 20
compounds, in turn, each in a fresh Home Assistant (asyncio debug off): set up, settle, then
measure CPU time of that Home Assistant's process per second of wall time (% of one core),
state writes per second, and the memory the compounds added (each row runs in a process of its
own, so that memory freed by one row is not reused by the next).

    .venv/bin/python bench/compounds.py [--seconds 20] [--counts 1,5,10,20]

The last line is one JSON object: cpu_pct (by compound count, baseline under "0"),
rss_mb_per_compound (at the largest count), state_writes_per_s (by count). Target: 20 compounds
within 5 % of a core above the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AbstractAsyncContextManager
import importlib
import json
import logging
from pathlib import Path
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, Self
from unittest.mock import patch

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp.resolver import ThreadedResolver  # noqa: E402
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryDataWithId  # noqa: E402
from homeassistant.const import EVENT_STATE_CHANGED  # noqa: E402
from homeassistant.core import Event, callback  # noqa: E402
from homeassistant.helpers import entity_registry as er, frame  # noqa: E402
from homeassistant.loader import DATA_CUSTOM_COMPONENTS  # noqa: E402

# Our integration is imported before the test harness, whose own custom_components package would
# shadow it; both through importlib, so type checking does not wander into the harness's package.
importlib.import_module("custom_components.hanyang_compound")
_harness = importlib.import_module("pytest_homeassistant_custom_component.common")
MockConfigEntry = _harness.MockConfigEntry
async_test_home_assistant = _harness.async_test_home_assistant

SETTLE_S = 5.0
TARGET_PCT = 5.0
PASSWORD = "hanyang123"  # noqa: S105 - the simulated terminals' password


def free_port() -> int:
    """Return a TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _barrier(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "open_relay": 0,
        "close_relay": 1,
        "open_limit": 0,
        "closed_limit": 1,
        "vehicle_loop": 2,
        "travel_time": 3.0,
    }


DEVICES = ("gateway", "bridge", "east", "north")
"""Each compound's simulated devices: a Modbus TCP gateway, an RTU bridge, two terminals."""


class Compounds:
    """Each compound's simulated gateways and terminals, and their ports once they listen."""

    def __init__(self, count: int) -> None:
        """Describe count compounds; the simulator picks their ports."""
        self.count = count
        self.ports: list[dict[str, int]] = []

    def learn_ports(self, status: dict[str, Any]) -> None:
        """Take each device's port from the simulator's status."""
        self.ports = [
            {device: int(status[f"c{index}_{device}"]["port"]) for device in DEVICES}
            for index in range(self.count)
        ]

    def description(self) -> dict[str, Any]:
        """Return every compound's devices as one simulator description."""
        devices: list[dict[str, Any]] = []
        for index in range(self.count):
            devices += [
                {
                    "id": f"c{index}_gateway",
                    "kind": "io_module",
                    "port": 0,
                    "modules": [
                        {"unit_id": 1, "barriers": [_barrier("north")]},
                        {"unit_id": 2, "barriers": [_barrier("south")]},
                    ],
                },
                {
                    "id": f"c{index}_bridge",
                    "kind": "io_module",
                    "port": 0,
                    "framing": "rtu",
                    "modules": [{"unit_id": 3, "barriers": [_barrier("east")]}],
                },
            ]
            for door, per_minute in (("east", 6), ("north", 4)):
                devices.append(
                    {
                        "id": f"c{index}_{door}",
                        "kind": "access_terminal",
                        "port": 0,
                        "serial": f"DS-K1T671TM-C{index}{door.upper()}",
                        "password": PASSWORD,
                        "heartbeat_interval": 10,
                        "residents": {"per_minute": per_minute},
                        "seed": index,
                    }
                )
        return {"compound": {"name": "Many", "zone": "Qingchuan"}, "devices": devices}

    def entry(self, index: int) -> Any:
        """Return compound index as its config entry, as the flows store it."""
        ports = self.ports[index]
        subentries: list[ConfigSubentryDataWithId] = []

        def add(subentry_id: str, kind: str, title: str, data: dict[str, Any]) -> None:
            subentries.append(
                ConfigSubentryDataWithId(
                    subentry_id=subentry_id,
                    subentry_type=kind,
                    title=title,
                    data=data,
                    unique_id=None,
                )
            )

        for unit, port, profile, transport in (
            (1, ports["gateway"], "tcp_relay_8", "tcp"),
            (2, ports["gateway"], "tcp_relay_8", "tcp"),
            (3, ports["bridge"], "rtu_relay_8", "rtu_over_tcp"),
        ):
            add(
                f"module{unit}",
                "io_module",
                f"Module {unit}",
                {
                    "name": f"Module {unit}",
                    "host": "127.0.0.1",
                    "port": port,
                    "unit_id": unit,
                    "profile": profile,
                    "transport": transport,
                    "poll_interval": 1,
                },
            )
            add(
                f"gate{unit}",
                "barrier_gate",
                f"Gate {unit}",
                {
                    "name": f"Gate {unit}",
                    "module": f"module{unit}",
                    "open_relay": 0,
                    "close_relay": 1,
                    "stop_relay": None,
                    "pulse_seconds": 0.5,
                    "open_limit": 0,
                    "closed_limit": 1,
                    "vehicle_loop": 2,
                    "travel_timeout": 10.0,
                    "kept_open_in_lockdown": False,
                },
            )
        add(
            "light",
            "shed_light",
            "Shed light",
            {"name": "Shed light", "module": "module2", "relay": 4},
        )
        add(
            "socket",
            "shed_socket",
            "Shed socket",
            {"name": "Shed socket", "module": "module2", "relay": 5},
        )
        for door in ("east", "north"):
            add(
                door,
                "access_terminal",
                f"{door.capitalize()} pedestrian gate",
                {
                    "name": f"{door.capitalize()} pedestrian gate",
                    "host": "127.0.0.1",
                    "port": ports[door],
                    "ssl": False,
                    "verify_ssl": True,
                    "username": "admin",
                    "password": PASSWORD,
                    "door": 1,
                    "kept_open_in_lockdown": False,
                    "alert_duration": 300,
                    "serial_number": f"DS-K1T671TM-C{index}{door.upper()}",
                    "model": "DS-K1T671TM-3XF",
                    "firmware": "V3.2.30",
                },
            )
        for sensor in range(3):
            address = f"A4:C1:38:{index:02X}:00:{sensor:02X}"
            add(
                f"sensor{sensor}",
                "bthome_sensor",
                f"Sensor {sensor}",
                {"address": address, "role": "manhole", "location": f"Manhole {sensor}"},
            )
        return MockConfigEntry(
            domain="hanyang_compound",
            title=f"Compound {index}",
            unique_id=f"compound{index}",
            data={"zone": "Qingchuan", "service_tier": "standard"},
            subentries_data=subentries,
        )


class Simulator(AbstractAsyncContextManager["Simulator"]):
    """The simulator in its own process (its CPU is not Home Assistant's)."""

    def __init__(self, description: dict[str, Any]) -> None:
        """Serve description once entered."""
        self._description = description
        self._control = free_port()

    async def __aenter__(self) -> Self:
        """Start the simulator and wait until its control API answers."""
        self._directory = tempfile.TemporaryDirectory()
        config = Path(self._directory.name) / "compounds.yaml"
        config.write_text(yaml.safe_dump(self._description), encoding="utf-8")
        self._process = subprocess.Popen(  # noqa: ASYNC220, S603 - our own simulator, once
            [
                sys.executable,
                "-m",
                "simulator",
                "serve",
                "--config",
                str(config),
                "--control-port",
                str(self._control),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        async with aiohttp.ClientSession() as session:
            for _ in range(600):  # 80 devices per 20 compounds: a minute on a busy machine
                try:
                    async with session.get(f"http://127.0.0.1:{self._control}/status") as reply:
                        self.status: dict[str, Any] = (await reply.json())["devices"]
                    # Devices listen once started, on the ports the system gave them.
                    if all(device.get("port") for device in self.status.values()):
                        return self
                    await asyncio.sleep(0.1)
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
        raise RuntimeError("the simulator did not start")

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the simulator."""
        self._process.terminate()
        self._process.wait()
        self._directory.cleanup()


def rss_mb() -> float:
    """Return this process's resident memory in MB."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def measure(compounds: Compounds, count: int, seconds: float) -> dict[str, float]:
    """Run count compounds in a fresh Home Assistant; return CPU %, writes/s, RSS added, entities."""
    resolver = patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver",
        return_value=ThreadedResolver(),
    )
    with resolver:
        async with async_test_home_assistant() as hass:
            hass.loop.set_debug(False)  # as Home Assistant runs in production
            hass.data.pop(DATA_CUSTOM_COMPONENTS, None)
            frame.async_setup(hass)  # as the test harness's fixtures do; newer releases require it
            memory = rss_mb()
            entries = [compounds.entry(index) for index in range(count)]
            for entry in entries:
                entry.add_to_hass(hass)
                await hass.config_entries.async_setup(entry.entry_id)
                if entry.state is not ConfigEntryState.LOADED:
                    raise RuntimeError(f"{entry.title} did not load")
            writes = 0

            @callback
            def count_write(_event: Event[Any]) -> None:
                nonlocal writes
                writes += 1

            hass.bus.async_listen(EVENT_STATE_CHANGED, count_write)
            await asyncio.sleep(SETTLE_S)  # first polls, connections, history replays
            writes = 0
            cpu, started = time.process_time(), time.monotonic()
            await asyncio.sleep(seconds)
            elapsed = time.monotonic() - started
            figures = {
                "cpu_pct": (time.process_time() - cpu) / elapsed * 100,
                "writes_per_s": writes / elapsed,
                "rss_mb": rss_mb() - memory,
                "entities": sum(
                    len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))
                    for entry in entries
                ),
            }
            for entry in entries:
                await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
    return figures


async def main() -> None:
    """Measure each count in turn against one simulator; print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--counts", default="1,5,10,20")
    parser.add_argument("--row", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # devices' log lines are not the figures
    if args.row is not None:
        # One row, in a process of its own: its memory is this row's alone.
        compounds = Compounds(args.row)
        compounds.ports = json.loads(await asyncio.to_thread(Path(args.ports).read_text, "utf-8"))
        print(json.dumps(await measure(compounds, args.row, args.seconds)))
        return
    counts = [int(count) for count in args.counts.split(",")]
    compounds = Compounds(max(counts))
    rows: dict[int, dict[str, float]] = {}
    async with Simulator(compounds.description()) as simulator:
        compounds.learn_ports(simulator.status)
        with tempfile.TemporaryDirectory() as scratch:
            ports = Path(scratch) / "ports.json"
            ports.write_text(json.dumps(compounds.ports), encoding="utf-8")
            for count in [0, *counts]:
                measured = await asyncio.to_thread(
                    subprocess.run,
                    [
                        *(sys.executable, __file__, "--row", str(count)),
                        *("--ports", str(ports), "--seconds", str(args.seconds)),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                rows[count] = json.loads(measured.stdout.strip().splitlines()[-1])
    base = rows[0]["cpu_pct"]
    print(f"{args.seconds:.0f} s per row after {SETTLE_S:.0f} s settling; one run per row")
    print(
        "| compounds | entities | HA CPU % of a core | above baseline | per compound | state writes/s | RSS added MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for count, row in rows.items():
        above = row["cpu_pct"] - base
        per = f"{above / count:.2f}" if count else "-"
        print(
            f"| {count} | {row['entities']:.0f} | {row['cpu_pct']:.2f} | {above:.2f} | {per} | "
            f"{row['writes_per_s']:.1f} | {row['rss_mb']:.1f} |"
        )
    largest = max(counts)
    print(f"target: {largest} compounds <= {TARGET_PCT:.0f} % of a core above the baseline")
    print(
        json.dumps(
            {
                "cpu_pct": {str(count): round(row["cpu_pct"], 2) for count, row in rows.items()},
                "rss_mb_per_compound": round(rows[largest]["rss_mb"] / largest, 2),
                "state_writes_per_s": {
                    str(count): round(row["writes_per_s"], 1) for count, row in rows.items()
                },
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
