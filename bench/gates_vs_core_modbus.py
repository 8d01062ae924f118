"""Polls the reference compound (7 barriers, 2 sheds, 3 I/O modules) with this integration and with core modbus.

Prints one table: requests per second seen by the simulated gateway, Home Assistant CPU time per
second, and gate command latency (service call until the relay was pulsed and read back), p50/p99.

    .venv/bin/python bench/gates_vs_core_modbus.py [--seconds 20] [--commands 40]

Each row gets its own Home Assistant, in turn, against the same simulator (a separate process, so
its CPU time is not counted). Core modbus is configured for the same points in two ways: one
entity per point as most users do, and the expert way (virtual_count reads a module's inputs in
one request; verify reads each relay switch back). Every row delivers the same information:
every limit input each second, every relay state read back.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import json
import statistics
import time
from typing import Any

from harness import SimulatorProcess, Subentries, free_port, fresh_home_assistant
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

GATEWAY_PORT = free_port()
PULSE = 0.1

# (unit id, barriers as (open relay, close relay, open limit, closed limit, loop or None), shed relays)
MODULES: list[tuple[int, list[tuple[int, int, int, int, int | None]], list[int]]] = [
    (1, [(0, 1, 0, 1, 2), (2, 3, 3, 4, 5)], []),
    (2, [(0, 1, 0, 1, 2), (2, 3, 3, 4, 5)], [6, 7]),
    (3, [(0, 1, 0, 1, 2), (2, 3, 3, 4, 5), (4, 5, 6, 7, None)], []),
]


def simulator_description() -> dict[str, Any]:
    """Return the reference compound as a simulator description."""
    return {
        "compound": {"name": "Reference", "zone": "Qingchuan"},
        "devices": [
            {
                "id": "gateway",
                "kind": "io_module",
                "port": GATEWAY_PORT,
                "modules": [
                    {
                        "unit_id": unit,
                        "barriers": [
                            {
                                "name": f"gate{unit}{index}",
                                "open_relay": wiring[0],
                                "close_relay": wiring[1],
                                "open_limit": wiring[2],
                                "closed_limit": wiring[3],
                                "vehicle_loop": wiring[4],
                                "travel_time": 0.2,
                            }
                            for index, wiring in enumerate(barriers)
                        ],
                    }
                    for unit, barriers, _ in MODULES
                ],
            }
        ],
    }


@dataclass
class Row:
    """One configuration's measurements."""

    name: str
    requests_per_second: float
    cpu_per_second: float
    latencies: list[float]


def integration_entry() -> Any:
    """Return the reference compound as this integration's compound with its subentries."""
    devices = Subentries()
    for unit, barriers, sheds in MODULES:
        module_id = f"module{unit}"
        devices.module(module_id, f"Module {unit}", port=GATEWAY_PORT, unit_id=unit)
        for index, (open_relay, close_relay, open_limit, closed_limit, loop) in enumerate(barriers):
            devices.gate(
                f"gate{unit}{index}",
                f"Gate {unit}{index}",
                module_id,
                open_relay=open_relay,
                close_relay=close_relay,
                pulse_seconds=PULSE,
                open_limit=open_limit,
                closed_limit=closed_limit,
                vehicle_loop=loop,
            )
        for relay in sheds:
            output = {"name": f"Shed {unit}{relay}", "module": module_id, "relay": relay}
            devices.add(f"shed{unit}{relay}", "shed_light", f"Shed {unit}{relay}", output)
    return devices.entry("Reference", "reference")


def core_modbus_config(*, expert: bool) -> dict[str, Any]:
    """Return core modbus's configuration for the same points."""
    binary_sensors: list[dict[str, Any]] = []
    switches: list[dict[str, Any]] = []
    for unit, barriers, sheds in MODULES:
        inputs = sorted(
            {channel for wiring in barriers for channel in wiring[2:] if channel is not None}
        )
        relays = sorted({channel for wiring in barriers for channel in wiring[:2]} | set(sheds))
        if expert:
            binary_sensors.append(
                {
                    "name": f"Module {unit} input 0",
                    "address": 0,
                    "slave": unit,
                    "input_type": "discrete_input",
                    "scan_interval": 1,
                    "virtual_count": 7,
                }
            )
        else:
            binary_sensors += [
                {
                    "name": f"Module {unit} input {channel}",
                    "address": channel,
                    "slave": unit,
                    "input_type": "discrete_input",
                    "scan_interval": 1,
                }
                for channel in inputs
            ]
        switches += [
            {
                "name": f"Module {unit} relay {relay}",
                "address": relay,
                "slave": unit,
                "write_type": "coil",
                "scan_interval": 1,
                "verify": {},
            }
            for relay in relays
        ]
    return {
        "modbus": [
            {
                "name": "gateway",
                "type": "tcp",
                "host": "127.0.0.1",
                "port": GATEWAY_PORT,
                "binary_sensors": binary_sensors,
                "switches": switches,
            }
        ]
    }


async def measure(
    name: str,
    *,
    simulator: SimulatorProcess,
    setup: Callable[[HomeAssistant], Awaitable[None]],
    command: Callable[[HomeAssistant, bool], Awaitable[None]],
    seconds: float,
    commands: int,
) -> Row:
    """Run one configuration: idle polling first, then gate commands while it polls."""
    async with fresh_home_assistant() as hass:
        await setup(hass)
        await hass.async_block_till_done()
        await asyncio.sleep(2)  # settle: first polls, connections
        await simulator.reset_counters("gateway")
        cpu, started = time.process_time(), time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        cpu_per_second = (time.process_time() - cpu) / elapsed
        requests_per_second = (await simulator.status())["gateway"]["requests"] / elapsed
        latencies = []
        for index in range(commands):
            began = time.monotonic()
            await command(hass, index % 2 == 0)
            latencies.append(time.monotonic() - began)
            await asyncio.sleep(0.3)  # let the arm travel
        await hass.async_stop(force=True)
    return Row(name, requests_per_second, cpu_per_second, latencies)


async def setup_integration(hass: HomeAssistant) -> None:
    """Set the reference compound up with this integration."""
    entry = integration_entry()
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)


async def command_integration(hass: HomeAssistant, opening: bool) -> None:  # noqa: FBT001
    """Open or close a gate through its cover, as a user does."""
    await hass.services.async_call(
        "cover",
        "open_cover" if opening else "close_cover",
        {"entity_id": "cover.gate_10"},
        blocking=True,
    )


def core_setup(*, expert: bool) -> Callable[[HomeAssistant], Awaitable[None]]:
    """Return the setup of core modbus configured for the reference compound."""

    async def setup(hass: HomeAssistant) -> None:
        await async_setup_component(hass, "modbus", core_modbus_config(expert=expert))

    return setup


async def command_core(hass: HomeAssistant, opening: bool) -> None:  # noqa: FBT001
    """Pulse a gate's relay with core modbus's switch: on, wait, off (as a script does)."""
    relay = "switch.module_1_relay_0" if opening else "switch.module_1_relay_1"
    await hass.services.async_call("switch", "turn_on", {"entity_id": relay}, blocking=True)
    await asyncio.sleep(PULSE)
    await hass.services.async_call("switch", "turn_off", {"entity_id": relay}, blocking=True)


def percentile(values: list[float], fraction: float) -> float:
    """Return the value below which fraction of values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def table(rows: list[Row]) -> str:
    """Return the rows as a Markdown table, with the ratios to this integration."""
    ours = rows[0]
    lines = [
        "| configuration | requests/s at the gateway | vs. this integration | HA CPU ms/s | gate command p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines.extend(
        f"| {row.name} | {row.requests_per_second:.1f} | "
        f"{row.requests_per_second / ours.requests_per_second:.1f}x | "
        f"{row.cpu_per_second * 1000:.1f} | {statistics.median(row.latencies) * 1000:.0f} | "
        f"{percentile(row.latencies, 0.99) * 1000:.0f} |"
        for row in rows
    )
    return "\n".join(lines)


async def main() -> None:
    """Measure the three configurations in turn and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="idle polling window per row")
    parser.add_argument("--commands", type=int, default=40, help="gate commands per row")
    args = parser.parse_args()
    async with SimulatorProcess(simulator_description()) as simulator:
        rows = [
            await measure(
                name,
                simulator=simulator,
                setup=setup,
                command=command,
                seconds=args.seconds,
                commands=args.commands,
            )
            for name, setup, command in (
                (
                    "this integration (1 s polls)",
                    setup_integration,
                    command_integration,
                ),
                ("core modbus, one entity per point", core_setup(expert=False), command_core),
                (
                    "core modbus, expert (virtual_count + verify)",
                    core_setup(expert=True),
                    command_core,
                ),
            )
        ]
    print(table(rows))
    print(json.dumps({row.name: row.requests_per_second for row in rows}))


if __name__ == "__main__":
    asyncio.run(main())
