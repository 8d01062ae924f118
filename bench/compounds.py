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

    .venv/bin/python bench/compounds.py [--seconds 20] [--counts 1,5,10,20] [--repeats 1]
        [--read-paths shipped,no-retry-loop,base-transport]

With --repeats, every row (the baseline included) runs that often, interleaved, and the medians
are shown, with the machine's load average before and after. --read-paths runs each count once
per way of sending the module reads below the integration (bench/modbus_paths.py), the ways
taking turns, to put a number on what each layer costs; the first is the headline (shipped
unless told). The last line is one JSON object: cpu_pct (the headline's median by compound
count, baseline under "0"), cpu_pct_runs (its every run), cpu_pct_by_read_path, load,
rss_mb_per_compound (at the largest count), state_writes_per_s (by count). Target: 20 compounds
within 5 % of a core above the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
from pathlib import Path
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from harness import TERMINAL_PASSWORD, SimulatorProcess, Subentries, fresh_home_assistant
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, callback
from homeassistant.helpers import entity_registry as er
from modbus_paths import READ_PATHS, use_read_path

SETTLE_S = 5.0
TARGET_PCT = 5.0


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
                        "password": TERMINAL_PASSWORD,
                        "heartbeat_interval": 10,
                        "residents": {"per_minute": per_minute},
                        "seed": index,
                    }
                )
        return {"compound": {"name": "Many", "zone": "Qingchuan"}, "devices": devices}

    def entry(self, index: int) -> Any:
        """Return compound index as its config entry, as the flows store it."""
        ports = self.ports[index]
        devices = Subentries()

        def own(name: str) -> str:
            # Subentry ids are unique across compounds, as the flows make them: a terminal's
            # stored last event is kept by its subentry id.
            return f"compound{index}-{name}"

        for unit, port, profile, transport in (
            (1, ports["gateway"], "tcp_relay_8", "tcp"),
            (2, ports["gateway"], "tcp_relay_8", "tcp"),
            (3, ports["bridge"], "rtu_relay_8", "rtu_over_tcp"),
        ):
            devices.module(
                own(f"module{unit}"),
                f"Module {unit}",
                port=port,
                unit_id=unit,
                profile=profile,
                transport=transport,
            )
            devices.gate(own(f"gate{unit}"), f"Gate {unit}", own(f"module{unit}"))
        devices.add(
            own("light"),
            "shed_light",
            "Shed light",
            {"name": "Shed light", "module": own("module2"), "relay": 4},
        )
        devices.add(
            own("socket"),
            "shed_socket",
            "Shed socket",
            {"name": "Shed socket", "module": own("module2"), "relay": 5},
        )
        for door in ("east", "north"):
            devices.terminal(
                own(door),
                f"{door.capitalize()} pedestrian gate",
                port=ports[door],
                serial=f"DS-K1T671TM-C{index}{door.upper()}",
            )
        for sensor in range(3):
            address = f"A4:C1:38:{index:02X}:00:{sensor:02X}"
            devices.add(
                own(f"sensor{sensor}"),
                "bthome_sensor",
                f"Sensor {sensor}",
                {"address": address, "role": "manhole", "location": f"Manhole {sensor}"},
            )
        return devices.entry(f"Compound {index}", f"compound{index}")


def rss_mb() -> float:
    """Return this process's resident memory in MB."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def measure(compounds: Compounds, count: int, seconds: float) -> dict[str, float]:
    """Run count compounds in a fresh Home Assistant; return CPU %, writes/s, RSS added, entities."""
    async with fresh_home_assistant() as hass:
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


def _read_paths(text: str) -> list[str]:
    """Return the ways of sending module reads a --read-paths value names."""
    paths = text.split(",")
    if unknown := [path for path in paths if path not in READ_PATHS]:
        raise argparse.ArgumentTypeError(f"unknown read path(s): {', '.join(unknown)}")
    return paths


async def main() -> None:
    """Measure each count in turn against one simulator; print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--counts", default="1,5,10,20")
    parser.add_argument("--repeats", type=int, default=1, help="runs of every row; medians shown")
    parser.add_argument(
        "--read-paths",
        type=_read_paths,
        default="shipped",
        help=f"comma-separated, of {', '.join(READ_PATHS)}",
    )
    parser.add_argument("--row", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # devices' log lines are not the figures
    paths: list[str] = args.read_paths
    if args.row is not None:
        # One row, in a process of its own: its memory is this row's alone.
        use_read_path(paths[0])
        compounds = Compounds(args.row)
        compounds.ports = json.loads(await asyncio.to_thread(Path(args.ports).read_text, "utf-8"))
        print(json.dumps(await measure(compounds, args.row, args.seconds)))
        return
    counts = [int(count) for count in args.counts.split(",")]
    compounds = Compounds(max(counts))
    # The baseline has no modules to read: it runs once a round, with the first path's rows.
    rows_run = [(paths[0], 0)] + [(path, count) for count in counts for path in paths]
    runs: dict[tuple[str, int], list[dict[str, float]]] = {row: [] for row in rows_run}
    load_before = os.getloadavg()[0]
    async with SimulatorProcess(compounds.description()) as simulator:
        compounds.learn_ports(await simulator.status())
        with tempfile.TemporaryDirectory() as scratch:
            ports = Path(scratch) / "ports.json"
            ports.write_text(json.dumps(compounds.ports), encoding="utf-8")
            # Repeats interleave, the baseline in each: a busy spell weighs on every row alike.
            for _ in range(args.repeats):
                for (path, count), measured_runs in runs.items():
                    measured = await asyncio.to_thread(
                        subprocess.run,
                        [
                            *(sys.executable, __file__, "--row", str(count)),
                            *("--ports", str(ports), "--seconds", str(args.seconds)),
                            *("--read-paths", path),
                        ],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    measured_runs.append(json.loads(measured.stdout.strip().splitlines()[-1]))
    load = (load_before, os.getloadavg()[0])
    rows = {
        row: {key: statistics.median(run[key] for run in measured) for key in measured[0]}
        for row, measured in runs.items()
    }
    print(
        f"{args.seconds:.0f} s per row after {SETTLE_S:.0f} s settling; medians of "
        f"{args.repeats} run(s) per row; machine load {load[0]:.1f} before, {load[1]:.1f} after"
    )
    print(
        "| module reads | compounds | entities | HA CPU % of a core | above baseline "
        "| per compound | state writes/s | RSS added MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    base = rows[paths[0], 0]["cpu_pct"]
    for (path, count), row in rows.items():
        above = row["cpu_pct"] - base
        per = f"{above / count:.2f}" if count else "-"
        print(
            f"| {path} | {count} | {row['entities']:.0f} | {row['cpu_pct']:.2f} | {above:.2f} "
            f"| {per} | {row['writes_per_s']:.1f} | {row['rss_mb']:.1f} |"
        )
    largest = max(counts)
    headline = {count: row for (path, count), row in rows.items() if path == paths[0]}
    print(f"target: {largest} compounds <= {TARGET_PCT:.0f} % of a core above the baseline")
    print(
        json.dumps(
            {
                "cpu_pct": {
                    str(count): round(row["cpu_pct"], 2) for count, row in headline.items()
                },
                "cpu_pct_runs": {
                    str(count): [round(run["cpu_pct"], 2) for run in measured]
                    for (path, count), measured in runs.items()
                    if path == paths[0]
                },
                "cpu_pct_by_read_path": {
                    path: {
                        str(count): round(row["cpu_pct"], 2)
                        for (row_path, count), row in rows.items()
                        if row_path == path and count
                    }
                    for path in paths
                },
                "rss_mb_per_compound": round(headline[largest]["rss_mb"] / largest, 2),
                "state_writes_per_s": {
                    str(count): round(row["writes_per_s"], 1) for count, row in headline.items()
                },
                "load": [round(value, 1) for value in load],
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
