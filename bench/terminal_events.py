"""Benchmark: access events from simulated terminals to Home Assistant's event entities.

Runs a real Home Assistant core and the simulated terminals in one process over loopback
HTTP (digest auth, multipart stream, the real stream parser) and measures, per scenario, a
rush of 200 events/s in total for 60 s and then a burst spread over the terminals:

- one: one terminal, Poisson arrivals;
- rush: 14 terminals of one compound, each with its own Poisson arrivals (a morning rush:
  nobody staggers the entrances, events coincide as they happen to);
- simultaneous: the same 14 terminals all delivering an event in the same instant, every
  70 ms: the worst case.

Latency is from the terminal's write to the entity's state change; an event counts only as
a state change of its own. CPU per event is the whole process's (the simulated terminals' side
included) over the rush. Asyncio debug is off, as Home Assistant runs in production.

    .venv/bin/python bench/terminal_events.py [--rate 200] [--duration 60] [--burst 5000]
        [--scenarios one rush simultaneous]

The last line is one JSON object: p99_ms (the worst scenario's), lost and duplicates (over
every scenario, bursts included), then each scenario's own figures.
Targets: p99 <= 10 ms, nothing lost, nothing duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
import json
from pathlib import Path
import random
import statistics
import sys
import tempfile
import time
from typing import Any, Final, Literal
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


@dataclass(frozen=True, slots=True)
class Scenario:
    """How many terminals stream at once, and how their residents' arrivals are timed."""

    terminals: int
    schedule: Literal["independent", "simultaneous"]

    @property
    def label(self) -> str:
        """What the table calls the scenario."""
        count = "1 terminal" if self.terminals == 1 else f"{self.terminals} terminals"
        timing = (
            "each on its own Poisson schedule"
            if self.schedule == "independent"
            else "all in the same instant"
        )
        return f"{count}, {timing}"


SCENARIOS: Final = {
    "one": Scenario(1, "independent"),
    "rush": Scenario(14, "independent"),
    "simultaneous": Scenario(14, "simultaneous"),
}
"""One entrance; a morning rush (residents arrive at each entrance independently, so
arrivals coincide as they happen to); and its worst case, every entrance at once."""


async def _setup(hass: HomeAssistant, sims: list[SimulatedTerminal]) -> list[str]:
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


async def _resident_passes(sim: SimulatedTerminal) -> None:
    # Returns without waiting: every terminal of a tick writes in the same instant.
    await sim.async_command("pass", {"temperature": 36.5, "mask": True})


async def _independent(sims: list[SimulatedTerminal], rate: float, duration: float) -> None:
    """Each terminal its own Poisson arrivals at its share of the rate: coincidences happen."""

    async def arrivals(sim: SimulatedTerminal, seed: int) -> None:
        draw = random.Random(seed)
        start = time.perf_counter()
        due = draw.expovariate(rate / len(sims))
        while due < duration:
            await asyncio.sleep(max(0.0, start + due - time.perf_counter()))
            await _resident_passes(sim)
            due += draw.expovariate(rate / len(sims))

    await asyncio.gather(*(arrivals(sim, seed) for seed, sim in enumerate(sims)))


async def _simultaneous(sims: list[SimulatedTerminal], rate: float, duration: float) -> None:
    """Every terminal delivers an event in the same instant, len(sims)/rate apart: the worst case."""
    interval = len(sims) / rate
    start = time.perf_counter()
    for tick in range(int(duration / interval)):
        await asyncio.sleep(max(0.0, start + tick * interval - time.perf_counter()))
        for sim in sims:
            await _resident_passes(sim)


def _serials_since(sims: list[SimulatedTerminal], firsts: list[int]) -> list[set[int]]:
    """Return the serial numbers each terminal recorded from firsts on."""
    return [
        {record["serialNo"] for record in sim.journal if record["serialNo"] >= first}
        for sim, first in zip(sims, firsts, strict=True)
    ]


def _next_serials(sims: list[SimulatedTerminal]) -> list[int]:
    return [sim.journal[-1]["serialNo"] + 1 if sim.journal else 1 for sim in sims]


async def measure(
    scenario: Scenario, rate: float, duration: float, burst: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Stream a rush at rate events/s in total, then a burst, from scenario's terminals.

    Returns the two table rows and the figures: rush latency p50/p99 from the terminal's
    write to the state change, and lost and duplicated events over rush and burst.
    """
    sims = [
        SimulatedTerminal(
            f"entrance{index}",
            {"heartbeat_interval": 5, "retained": 0, "seed": index, "serial": f"DS-RUSH{index:02}"},
        )
        for index in range(scenario.terminals)
    ]
    for sim in sims:
        await sim.async_start()
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
            entity_ids = await _setup(hass, sims)
            arrivals = [Arrivals() for _ in sims]
            for entity_id, arrived in zip(entity_ids, arrivals, strict=True):
                async_track_state_change_event(hass, entity_id, arrived.record)

            firsts = _next_serials(sims)
            cpu_start = time.process_time()
            schedule = _independent if scenario.schedule == "independent" else _simultaneous
            await schedule(sims, rate, duration)
            expected = _serials_since(sims, firsts)
            for arrived, serials in zip(arrivals, expected, strict=True):
                await arrived.wait_for(serials)
            latencies = [
                (arrived.times[serial] - sim.sent_at[serial]) * 1000
                for sim, arrived, serials in zip(sims, arrivals, expected, strict=True)
                for serial in serials & arrived.times.keys()
            ]
            sent = sum(len(serials) for serials in expected)
            # The whole process's CPU: the simulated terminals' side is in it too.
            cpu_us = (time.process_time() - cpu_start) / sent * 1_000_000
            rush_duplicates = sum(arrived.duplicates for arrived in arrivals)
            rush: dict[str, Any] = {
                "scenario": f"{scenario.label}, {rate:g} events/s in total for {duration:g} s",
                "events": sent,
                "events/s": f"{len(latencies) / duration:,.0f}",
                "p50 ms": f"{statistics.median(latencies):.2f}",
                "p99 ms": f"{_percentile(latencies, 0.99):.2f}",
                "CPU µs/event": f"{cpu_us:.0f}",
                "lost": sent - len(latencies),
                "duplicates": rush_duplicates,
            }

            # Then a burst over all of them: everyone arriving for the morning shift at once.
            for arrived in arrivals:
                arrived.duplicates = 0
            per_terminal = burst // scenario.terminals
            firsts = _next_serials(sims)
            start = time.perf_counter()
            for sim in sims:
                await sim.async_command("pass", {"count": per_terminal})
            expected = _serials_since(sims, firsts)
            for arrived, serials in zip(arrivals, expected, strict=True):
                await arrived.wait_for(serials)
            received = sum(
                len(serials & arrived.times.keys())
                for arrived, serials in zip(arrivals, expected, strict=True)
            )
            last = max(max(arrived.times.values()) for arrived in arrivals)
            burst_row: dict[str, Any] = {
                "scenario": f"then a burst of {per_terminal:,} per terminal",
                "events": per_terminal * scenario.terminals,
                "events/s": f"{received / (last - start):,.0f}",
                "p50 ms": "-",
                "p99 ms": "-",
                "CPU µs/event": "-",
                "lost": per_terminal * scenario.terminals - received,
                "duplicates": sum(arrived.duplicates for arrived in arrivals),
            }
            await hass.config_entries.async_unload(
                next(iter(hass.config_entries.async_entries(DOMAIN))).entry_id
            )
    for sim in sims:
        await sim.async_stop()
    figures = {
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(_percentile(latencies, 0.99), 2),
        "lost": rush["lost"] + burst_row["lost"],
        "duplicates": rush_duplicates + burst_row["duplicates"],
        "cpu_us_per_event": round(cpu_us),
        "burst_events_per_s": round(received / (last - start)),
    }
    return [rush, burst_row], figures


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


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
    """Run the scenarios, print their table, and the figures as the last line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--burst", type=int, default=5000)
    parser.add_argument("--scenarios", nargs="+", choices=list(SCENARIOS), default=list(SCENARIOS))
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    figures: dict[str, dict[str, Any]] = {}
    for name in args.scenarios:
        scenario_rows, figures[name] = asyncio.run(
            measure(SCENARIOS[name], args.rate, args.duration, args.burst)
        )
        rows += scenario_rows
    _print_table(rows)
    # The headline is the worst case measured; every scenario's figures follow it.
    print(
        json.dumps(
            {
                "p99_ms": max(scenario["p99_ms"] for scenario in figures.values()),
                "lost": sum(scenario["lost"] for scenario in figures.values()),
                "duplicates": sum(scenario["duplicates"] for scenario in figures.values()),
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
