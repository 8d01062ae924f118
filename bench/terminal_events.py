"""Benchmark: access events from a simulated terminal to the Home Assistant event entity.

Runs a real Home Assistant core and the simulated terminal in one process over loopback
HTTP, and prints a table: sustained events/second, and latency p50/p99 with lost and
duplicated events at a fixed rate. Then a busy morning at the entrances: 14 terminals of one
compound at once, 200 events/s in total for the same duration, then a burst of the same size
spread over them, each terminal streaming through the real stream parser to its event entity.
Latency is from the terminal's write to the entity's state change. Asyncio debug is off.

    .venv/bin/python bench/terminal_events.py [--rate 200] [--duration 60] [--burst 5000]
        [--terminals 14]

The last line is one JSON object for the morning rush: p50_ms, p99_ms, lost, duplicates.
Targets: p99 <= 10 ms, nothing lost, nothing duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import json
from pathlib import Path
import statistics
import sys
import tempfile
import time
from typing import Any
from unittest.mock import patch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp.resolver import ThreadedResolver  # noqa: E402
from homeassistant import loader  # noqa: E402
from homeassistant.config_entries import ConfigSubentryData  # noqa: E402
from homeassistant.const import Platform  # noqa: E402
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback  # noqa: E402
from homeassistant.helpers import entity_registry as er  # noqa: E402
from homeassistant.helpers.event import async_track_state_change_event  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.hanyang_compound.const import DOMAIN  # noqa: E402
from custom_components.hanyang_compound.terminal import AccessTerminal  # noqa: E402
from simulator.devices.access_terminal import AccessTerminal as SimulatedTerminal  # noqa: E402
from tests.terminal_sim import stored_terminal_data  # noqa: E402


class Arrivals:
    """Serial numbers as they reach the event entity, with the time each arrived."""

    def __init__(self) -> None:
        """Start with nothing arrived."""
        self.times: dict[int, float] = {}
        self.duplicates = 0
        self.changed = asyncio.Event()

    @callback
    def record(self, changed: Event[EventStateChangedData]) -> None:
        """Note an event reaching the entity as a state change of its own.

        Becoming available again re-shows an old event; an attribute-only change is no
        arrival either: state triggers with to/not_to and the logbook never see it.
        """
        old, new = changed.data["old_state"], changed.data["new_state"]
        if (
            new is None
            or old is None
            or old.state in ("unavailable", new.state)
            or "serial_no" not in new.attributes
        ):
            return
        serial = new.attributes["serial_no"]
        if serial in self.times:
            self.duplicates += 1
        else:
            self.times[serial] = time.perf_counter()
        self.changed.set()

    async def wait_for(self, serials: set[int], quiet: float = 2.0) -> None:
        """Wait until every serial arrived, or nothing arrived for quiet seconds."""
        while not serials <= self.times.keys():
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), quiet)
            except TimeoutError:
                return


async def _setup(hass: HomeAssistant, sim: SimulatedTerminal) -> str:
    hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Longdengli",
        unique_id="longdengli",
        data={"zone": "Qingchuan", "service_tier": "standard"},
        subentries_data=(
            ConfigSubentryData(
                data=stored_terminal_data(sim),
                subentry_type="access_terminal",
                title="East pedestrian gate",
                unique_id=sim.serial,
            ),
        ),
    )
    entry.add_to_hass(hass)
    if not await hass.config_entries.async_setup(entry.entry_id):
        raise RuntimeError("the compound did not set up; see the log")
    await hass.async_block_till_done()
    (device,) = entry.runtime_data.devices.values()
    if not isinstance(device, AccessTerminal):
        raise TypeError(device)
    while device.monitor is None or device.monitor.stats.last_heartbeat is None:  # noqa: ASYNC110 - polls another object's state
        await asyncio.sleep(0.05)
    unique_id = f"{entry.entry_id}_{device.subentry.subentry_id}_access"
    entity_id = er.async_get(hass).async_get_entity_id(Platform.EVENT, DOMAIN, unique_id)
    if entity_id is None:
        raise RuntimeError("the terminal's event entity is missing")
    return entity_id


async def _setup_many(hass: HomeAssistant, sims: list[SimulatedTerminal]) -> list[str]:
    """Set up one compound with every simulated terminal; return their event entities in order."""
    hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Longdengli",
        unique_id="longdengli",
        data={"zone": "Qingchuan", "service_tier": "standard"},
        subentries_data=tuple(
            ConfigSubentryData(
                data=stored_terminal_data(sim, name=f"Entrance {index}"),
                subentry_type="access_terminal",
                title=f"Entrance {index}",
                unique_id=sim.serial,
            )
            for index, sim in enumerate(sims)
        ),
    )
    entry.add_to_hass(hass)
    if not await hass.config_entries.async_setup(entry.entry_id):
        raise RuntimeError("the compound did not set up; see the log")
    await hass.async_block_till_done()
    entity_ids = []
    for device in entry.runtime_data.devices.values():
        if not isinstance(device, AccessTerminal):
            raise TypeError(device)
        while device.monitor is None or device.monitor.stats.last_heartbeat is None:  # noqa: ASYNC110 - polls another object's state
            await asyncio.sleep(0.05)
        unique_id = f"{entry.entry_id}_{device.subentry.subentry_id}_access"
        entity_id = er.async_get(hass).async_get_entity_id(Platform.EVENT, DOMAIN, unique_id)
        if entity_id is None:
            raise RuntimeError("a terminal's event entity is missing")
        entity_ids.append(entity_id)
    return entity_ids


async def _run_rush(
    terminals: int, rate: float, duration: float, burst: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run the morning rush and its burst; return the table rows and the JSON figures."""
    sims = [
        SimulatedTerminal(
            f"entrance{index}",
            {"heartbeat_interval": 5, "retained": 0, "seed": index, "serial": f"DS-RUSH{index:02}"},
        )
        for index in range(terminals)
    ]
    for sim in sims:
        await sim.async_start()
    with (
        tempfile.TemporaryDirectory() as config_dir,
        patch(
            "homeassistant.helpers.aiohttp_client._async_make_resolver",
            return_value=ThreadedResolver(),
        ),
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.loop.set_debug(False)  # as Home Assistant runs in production
            entity_ids = await _setup_many(hass, sims)
            arrivals = [Arrivals() for _ in sims]
            for entity_id, arrived in zip(entity_ids, arrivals, strict=True):
                async_track_state_change_event(hass, entity_id, arrived.record)

            def expect(count_of: Callable[[int], int]) -> list[set[int]]:
                firsts = [sim.journal[-1]["serialNo"] + 1 if sim.journal else 1 for sim in sims]
                return [
                    set(range(first, first + count_of(index))) for index, first in enumerate(firsts)
                ]

            # The rush: every terminal at its share of the total rate, all at once.
            share = rate / terminals
            expected = expect(lambda _: int(share * duration))
            for sim in sims:
                await sim.async_command("burst", {"rate": share, "duration": duration})
                # Residents do not arrive at all entrances in the same instant: the terminals'
                # events interleave evenly, 1/rate apart, as the total rate says.
                await asyncio.sleep(1 / rate)
            await asyncio.sleep(duration)
            for arrived, serials in zip(arrivals, expected, strict=True):
                await arrived.wait_for(serials)
            latencies = [
                (arrived.times[serial] - sim.sent_at[serial]) * 1000
                for sim, arrived, serials in zip(sims, arrivals, expected, strict=True)
                for serial in serials & arrived.times.keys()
            ]
            sent = sum(len(serials) for serials in expected)
            figures: dict[str, Any] = {
                "terminals": terminals,
                "events": sent,
                "p50_ms": round(statistics.median(latencies), 2),
                "p99_ms": round(_percentile(latencies, 0.99), 2),
                "lost": sent - len(latencies),
                "duplicates": sum(arrived.duplicates for arrived in arrivals),
            }
            rows = [
                {
                    "scenario": f"{terminals} terminals, {rate:g} events/s in total for {duration:g} s",
                    "events/s": f"{len(latencies) / duration:,.0f}",
                    "p50 ms": f"{figures['p50_ms']:.2f}",
                    "p99 ms": f"{figures['p99_ms']:.2f}",
                    "lost": figures["lost"],
                    "duplicates": figures["duplicates"],
                }
            ]

            # Then a burst over all of them: everyone arriving for the morning shift at once.
            for arrived in arrivals:
                arrived.duplicates = 0
            per_terminal = burst // terminals
            expected = expect(lambda _: per_terminal)
            start = time.perf_counter()
            for sim in sims:
                await sim.async_command("pass", {"count": per_terminal})
            for arrived, serials in zip(arrivals, expected, strict=True):
                await arrived.wait_for(serials)
            received = sum(
                len(serials & arrived.times.keys())
                for arrived, serials in zip(arrivals, expected, strict=True)
            )
            last = max(max(arrived.times.values()) for arrived in arrivals)
            rows.append(
                {
                    "scenario": f"burst of {per_terminal * terminals} over {terminals} terminals",
                    "events/s": f"{received / (last - start):,.0f}",
                    "p50 ms": "-",
                    "p99 ms": "-",
                    "lost": per_terminal * terminals - received,
                    "duplicates": sum(arrived.duplicates for arrived in arrivals),
                }
            )
            figures["burst_lost"] = rows[-1]["lost"]
            figures["burst_duplicates"] = rows[-1]["duplicates"]
            await hass.config_entries.async_unload(
                next(iter(hass.config_entries.async_entries(DOMAIN))).entry_id
            )
    for sim in sims:
        await sim.async_stop()
    return rows, figures


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _run(rate: float, duration: float, burst: int) -> list[dict[str, Any]]:
    sim = SimulatedTerminal("east", {"heartbeat_interval": 5, "retained": 0, "seed": 1})
    await sim.async_start()
    rows: list[dict[str, Any]] = []
    # Home Assistant's session resolves through zeroconf; loopback needs no more than the OS.
    with (
        tempfile.TemporaryDirectory() as config_dir,
        patch(
            "homeassistant.helpers.aiohttp_client._async_make_resolver",
            return_value=ThreadedResolver(),
        ),
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.loop.set_debug(False)  # as Home Assistant runs in production
            entity_id = await _setup(hass, sim)
            arrivals = Arrivals()
            async_track_state_change_event(hass, entity_id, arrivals.record)

            # Sustained throughput: the terminal sends as fast as it can.
            first = sim.journal[-1]["serialNo"] + 1 if sim.journal else 1
            start = time.perf_counter()
            await sim.async_command("pass", {"count": burst})
            expected = set(range(first, first + burst))
            await arrivals.wait_for(expected)
            received = len(expected & arrivals.times.keys())
            elapsed = max(arrivals.times.values()) - start
            rows.append(
                {
                    "scenario": f"burst of {burst}",
                    "events/s": f"{received / elapsed:,.0f}",
                    "p50 ms": "-",
                    "p99 ms": "-",
                    "lost": burst - received,
                    "duplicates": arrivals.duplicates,
                }
            )

            # Latency at a fixed rate.
            arrivals.duplicates = 0
            first = sim.journal[-1]["serialNo"] + 1
            count = int(rate * duration)
            await sim.async_command("burst", {"rate": rate, "duration": duration})
            expected = set(range(first, first + count))
            await asyncio.sleep(duration)
            await arrivals.wait_for(expected)
            latencies = [
                (arrivals.times[serial] - sim.sent_at[serial]) * 1000
                for serial in expected & arrivals.times.keys()
            ]
            rows.append(
                {
                    "scenario": f"{rate:g} events/s for {duration:g} s",
                    "events/s": f"{len(latencies) / duration:,.0f}",
                    "p50 ms": f"{statistics.median(latencies):.2f}",
                    "p99 ms": f"{_percentile(latencies, 0.99):.2f}",
                    "lost": count - len(latencies),
                    "duplicates": arrivals.duplicates,
                }
            )
            await hass.config_entries.async_unload(
                next(iter(hass.config_entries.async_entries(DOMAIN))).entry_id
            )
    await sim.async_stop()
    return rows


def _print_table(rows: list[dict[str, Any]]) -> None:
    headers = list(rows[0])
    widths = [max(len(h), *(len(str(row[h])) for row in rows)) for h in headers]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(
            "| "
            + " | ".join(str(row[h]).ljust(w) for h, w in zip(headers, widths, strict=True))
            + " |"
        )


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--burst", type=int, default=5000)
    parser.add_argument("--terminals", type=int, default=14)
    args = parser.parse_args()
    rows = asyncio.run(_run(args.rate, args.duration, args.burst))
    rush, figures = asyncio.run(_run_rush(args.terminals, args.rate, args.duration, args.burst))
    _print_table(rows + rush)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
