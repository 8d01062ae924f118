"""Benchmark: how long one large compound takes from async_setup to LOADED, devices up or not.

One compound with the demo's mix of devices, scaled up: 3 Modbus gateways with 3 I/O modules
each (7 barrier gates, 6 shed lights and sockets), 3 access terminals and 6 BTHome sensors
(Bluetooth not running, as on a machine without a radio) - about 150 entities. Three cases, each
in a fresh Home Assistant (the test harness's core, asyncio debug off), repeated, medians shown:

- up: every gateway and terminal answers (the simulator's devices, in this process);
- closed: nothing listens on their ports (connections refused at once);
- silent: gateways and terminals accept connections and never answer.

    .venv/bin/python bench/startup.py [--repeats 3]

The last line is one JSON object: setup_s_up, setup_s_closed, setup_s_silent and setup_s_offline
(the worse of the two offline cases). Target: 1 s for every case.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import json
import logging
import statistics
import time
from typing import Any

from harness import Subentries, free_port, fresh_home_assistant
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from simulator.devices.access_terminal import AccessTerminal
from simulator.devices.io_module import Fault, Gateway

GATEWAYS = 3
MODULES_PER_GATEWAY = 3
GATES = 7
SHED_OUTPUTS = 6
TERMINALS = 3
SENSORS = 6
CASES = ("up", "closed", "silent")
TARGET_S = 1.0


def compound_entry(gateway_ports: list[int], terminal_ports: list[int]) -> Any:
    """Return the compound: modules on the gateways, gates and sheds wired to them, terminals, sensors."""
    devices = Subentries()
    modules = [
        (f"module{gateway}{unit}", port, unit)
        for gateway, port in enumerate(gateway_ports)
        for unit in range(1, MODULES_PER_GATEWAY + 1)
    ]
    for module_id, port, unit in modules:
        devices.module(module_id, f"Module {module_id}", port=port, unit_id=unit)
    for index in range(GATES):
        devices.gate(f"gate{index}", f"Gate {index}", modules[index][0], pulse_seconds=0.3)
    for index in range(SHED_OUTPUTS):
        kind = "shed_light" if index % 2 == 0 else "shed_socket"
        output = {"name": f"Shed {index}", "module": modules[index][0], "relay": 4 + index % 4}
        devices.add(f"shed{index}", kind, f"Shed {index}", output)
    for index, port in enumerate(terminal_ports):
        devices.terminal(
            f"terminal{index}", f"Terminal {index}", port=port, serial=f"DS-K1T671TM-BENCH{index}"
        )
    for index in range(SENSORS):
        address = f"A4:C1:38:00:01:{index:02X}"
        role = "manhole" if index % 3 else "shed_thermometer"
        sensor = {"address": address, "role": role, "location": f"Place {index}"}
        devices.add(f"sensor{index}", "bthome_sensor", f"Sensor {index}", sensor)
    return devices.entry("Startup", "startup")


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # Accept, read whatever comes, never answer: a device hung after its TCP stack accepted.
    while await reader.read(4096):
        pass
    writer.close()


@asynccontextmanager
async def devices(case: str) -> AsyncIterator[tuple[list[int], list[int]]]:
    """Run the compound's gateways and terminals as the case wants; yield their ports."""
    gateways: list[Gateway] = []
    terminals: list[AccessTerminal] = []
    servers: list[asyncio.Server] = []
    if case == "closed":
        yield [free_port() for _ in range(GATEWAYS)], [free_port() for _ in range(TERMINALS)]
        return
    for index in range(GATEWAYS):
        gateway = Gateway(
            f"gateway{index}",
            {"modules": [{"unit_id": unit} for unit in range(1, MODULES_PER_GATEWAY + 1)]},
        )
        await gateway.async_start()
        if case == "silent":
            gateway.fault = Fault.NO_ANSWER
        gateways.append(gateway)
    if case == "up":
        for index in range(TERMINALS):
            terminal = AccessTerminal(f"terminal{index}", {"serial": f"DS-K1T671TM-BENCH{index}"})
            await terminal.async_start()
            terminals.append(terminal)
        terminal_ports = [terminal.port for terminal in terminals]
    else:
        servers = [await asyncio.start_server(_silent, "127.0.0.1", 0) for _ in range(TERMINALS)]
        terminal_ports = [server.sockets[0].getsockname()[1] for server in servers]
    try:
        yield [gateway.port for gateway in gateways], terminal_ports
    finally:
        for gateway in gateways:
            await gateway.async_stop()
        for terminal in terminals:
            await terminal.async_stop()
        for server in servers:
            server.close()


async def measure(case: str) -> tuple[float, int]:
    """Set the compound up once in a fresh Home Assistant; return seconds to LOADED and entities."""
    async with fresh_home_assistant() as hass, devices(case) as (gateway_ports, terminals):
        entry = compound_entry(gateway_ports, terminals)
        entry.add_to_hass(hass)
        started = time.perf_counter()
        await hass.config_entries.async_setup(entry.entry_id)
        elapsed = time.perf_counter() - started
        if entry.state is not ConfigEntryState.LOADED:
            raise RuntimeError(f"{case}: the compound did not load ({entry.state})")
        entities = len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))
        await _unload(hass, entry)
    return elapsed, entities


async def _unload(hass: HomeAssistant, entry: Any) -> None:
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_stop(force=True)


async def main() -> None:
    """Measure each case a few times, print a table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    # Devices that do not answer are logged once each; the table is what this prints.
    logging.basicConfig(level=logging.CRITICAL)
    await measure("closed")  # warm-up, not counted: the first setup imports the platforms
    medians: dict[str, float] = {}
    entities = 0
    print("| case | setup to LOADED, median s | runs (s) | target |")
    print("|---|---:|---|---:|")
    for case in CASES:
        runs = []
        for _ in range(args.repeats):
            seconds, entities = await measure(case)
            runs.append(seconds)
        medians[case] = statistics.median(runs)
        shown = ", ".join(f"{run:.2f}" for run in runs)
        print(f"| {case} | {medians[case]:.2f} | {shown} | <= {TARGET_S:.0f} |")
    print(f"({entities} entities; medians of {args.repeats} runs)")
    print(
        json.dumps(
            {
                "entities": entities,
                "setup_s_up": round(medians["up"], 3),
                "setup_s_closed": round(medians["closed"], 3),
                "setup_s_silent": round(medians["silent"], 3),
                "setup_s_offline": round(max(medians["closed"], medians["silent"]), 3),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
