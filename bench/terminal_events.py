"""Benchmark: access events from simulated terminals to Home Assistant's event entities.

Runs a real Home Assistant core, and the simulated terminals in a process of their own (as
real terminals are devices of their own), over loopback HTTP (digest auth, multipart
stream, the real stream parser) and measures, per scenario, a rush of 200 events/s in total
for 60 s and then a burst spread over the terminals:

- one: one terminal, Poisson arrivals;
- rush: 14 terminals of one compound, each with its own Poisson arrivals (a morning rush:
  nobody staggers the entrances, events coincide as they happen to);
- simultaneous: the same 14 terminals all delivering an event in the same instant, every
  70 ms: the worst case.

Latency is from the terminal's write to the entity's state change; an event counts only as
a state change of its own (both processes read the same monotonic clock). CPU per event is
Home Assistant's process's over the rush. Asyncio debug is off, as in production.

    .venv/bin/python bench/terminal_events.py [--rate 200] [--duration 60] [--burst 5000]
        [--scenarios one rush simultaneous]

The last line is one JSON object: p99_ms (the worst scenario's), lost and duplicates (over
every scenario, bursts included), then each scenario's own figures.
Targets: p99 <= 10 ms, nothing lost, nothing duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
import json
import multiprocessing
from multiprocessing.connection import Connection
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
from homeassistant.setup import async_setup_component  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from broker.process import free_port  # noqa: E402
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

    async def wait_for(self, serials: AbstractSet[int], quiet: float = 2.0) -> None:
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
    # The compound brings the HTTP server in: keep it on loopback, off ports a demo may hold.
    await async_setup_component(
        hass, "http", {"http": {"server_host": "127.0.0.1", "server_port": free_port()}}
    )
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


def _terminal_settings(index: int) -> dict[str, Any]:
    return {"heartbeat_interval": 5, "retained": 0, "seed": index, "serial": f"DS-RUSH{index:02}"}


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


type SentAt = list[dict[int, float]]
"""Per terminal, the perf_counter time each event was written (the same clock in every process)."""


def _serve_terminals(connection: Connection, count: int) -> None:
    """Run count simulated terminals and do what the benchmark asks of them, until it stops them."""
    asyncio.run(_async_serve_terminals(connection, count))


async def _async_serve_terminals(connection: Connection, count: int) -> None:
    sims = [
        SimulatedTerminal(f"entrance{index}", _terminal_settings(index)) for index in range(count)
    ]
    for sim in sims:
        await sim.async_start()
    connection.send([sim.port for sim in sims])
    while (request := await asyncio.to_thread(connection.recv)) is not None:
        firsts = [len(sim.journal) for sim in sims]
        match request:
            case ("rush", schedule, rate, duration):
                await (_independent if schedule == "independent" else _simultaneous)(
                    sims, rate, duration
                )
            case ("burst", per_terminal):
                for sim in sims:
                    await sim.async_command("pass", {"count": per_terminal})
        # The last events may still wait for their stream's writer.
        async with asyncio.timeout(10):
            await asyncio.gather(*(sim.async_flushed() for sim in sims))
        sent: SentAt = [
            {record["serialNo"]: sim.sent_at[record["serialNo"]] for record in sim.journal[first:]}
            for sim, first in zip(sims, firsts, strict=True)
        ]
        connection.send(sent)
    for sim in sims:
        await sim.async_stop()


class TerminalsProcess:
    """The simulated terminals in a process of their own, as real terminals are devices of their own.

    Home Assistant's event loop then does only its own work, as in a compound.
    """

    def __init__(self, count: int) -> None:
        """Start count terminals in their process; ports says where each listens."""
        context = multiprocessing.get_context("spawn")
        self._connection, theirs = context.Pipe()
        # A daemon: a benchmark that fails leaves no terminals behind.
        self._process = context.Process(target=_serve_terminals, args=(theirs, count), daemon=True)
        self._process.start()
        self.ports: list[int] = self._connection.recv()

    def described(self) -> list[SimulatedTerminal]:
        """Return the terminals as the forms need them (never started in this process)."""
        return [
            SimulatedTerminal(f"entrance{index}", _terminal_settings(index) | {"port": port})
            for index, port in enumerate(self.ports)
        ]

    async def ask(self, request: tuple[Any, ...]) -> SentAt:
        """Run a rush or a burst there; return when each of its events was written."""
        self._connection.send(request)
        sent: SentAt = await asyncio.to_thread(self._connection.recv)
        return sent

    def stop(self) -> None:
        """Stop the terminals and their process."""
        self._connection.send(None)
        self._process.join(30)


async def measure(
    scenario: Scenario, rate: float, duration: float, burst: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Stream a rush at rate events/s in total, then a burst, from scenario's terminals.

    Returns the two table rows and the figures: rush latency p50/p99 from the terminal's
    write to the state change, and lost and duplicated events over rush and burst.
    """
    terminals = TerminalsProcess(scenario.terminals)
    sims = terminals.described()
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

            cpu_start = time.process_time()
            sent_at = await terminals.ask(("rush", scenario.schedule, rate, duration))
            for arrived, sent in zip(arrivals, sent_at, strict=True):
                await arrived.wait_for(sent.keys())
            latencies = [
                (arrived.times[serial] - sent[serial]) * 1000
                for arrived, sent in zip(arrivals, sent_at, strict=True)
                for serial in sent.keys() & arrived.times.keys()
            ]
            events = sum(len(sent) for sent in sent_at)
            # Home Assistant's process only: the terminals' own work is in theirs.
            cpu_us = (time.process_time() - cpu_start) / events * 1_000_000
            rush_duplicates = sum(arrived.duplicates for arrived in arrivals)
            rush: dict[str, Any] = {
                "scenario": f"{scenario.label}, {rate:g} events/s in total for {duration:g} s",
                "events": events,
                "events/s": f"{len(latencies) / duration:,.0f}",
                "p50 ms": f"{statistics.median(latencies):.2f}",
                "p99 ms": f"{_percentile(latencies, 0.99):.2f}",
                "CPU µs/event": f"{cpu_us:.0f}",
                "lost": events - len(latencies),
                "duplicates": rush_duplicates,
            }

            # Then a burst over all of them: everyone arriving for the morning shift at once.
            for arrived in arrivals:
                arrived.duplicates = 0
            per_terminal = burst // scenario.terminals
            start = time.perf_counter()
            sent_at = await terminals.ask(("burst", per_terminal))
            for arrived, sent in zip(arrivals, sent_at, strict=True):
                await arrived.wait_for(sent.keys())
            received = sum(
                len(sent.keys() & arrived.times.keys())
                for arrived, sent in zip(arrivals, sent_at, strict=True)
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
    terminals.stop()
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
