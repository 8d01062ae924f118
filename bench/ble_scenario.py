"""The scenario bench/ble.py runs inside Home Assistant's test harness (see that file)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import gc
import inspect
import json
import os
from pathlib import Path
import statistics
import time
from typing import Any

from bleak.backends.device import BLEDevice
from bthome_ble import BTHomeBluetoothDeviceData
from homeassistant.components import bluetooth
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.devices.ble.bthome import BTHomeSensorDecoder
from simulator.devices.bthome_encoding import BTHOME_SERVICE_UUID, encode_service_data

SENSORS = 150
# The integration's domain and subentry type, spelled out: bench is type-checked beside the package.
DOMAIN = "hanyang_compound"
SUBENTRY_BTHOME_SENSOR = "bthome_sensor"
_BLE_DEVICE_HAS_RSSI = "rssi" in inspect.signature(BLEDevice.__init__).parameters


ENCRYPTED_EVERY = 5
"""Every fifth sensor encrypts its advertisements with a bind key."""
NEW_EVERY = 10
"""In the repeats stream, one round in this many brings new advertisements; the others repeat it."""

BASELINE = "bluetooth manager only (baseline)"
OURS = "hanyang_compound (1 compound, 150 subentries)"
CORE = "core bthome (150 config entries)"
ROWS = (BASELINE, OURS, CORE)
"""Each row's sensors have addresses of their own; the baseline's belong to no entry."""
STREAMS = ("new", "90% repeats")
BLOCKS = 5
"""The rounds are measured in this many blocks; each figure is the median of the blocks'."""
COUNTED_ROUNDS = 70
"""Rounds whose state writes are counted: ten times a cover's cycle (it opens every seventh round)."""


def _address(row: str, index: int) -> str:
    return f"A4:C1:{0x38 + ROWS.index(row):02X}:{index // 256:02X}:{index % 256:02X}:7E"


def _bind_key(index: int) -> bytes | None:
    return bytes([index % 256] * 16) if index % ENCRYPTED_EVERY == 0 else None


def _advertisement(row: str, index: int, sent: int) -> bluetooth.BluetoothServiceInfoBleak:
    """Return a sensor's advertisement of round sent: its packet id and counter, what it measured."""
    address = _address(row, index)
    values = {
        "packet_id": sent % 256,
        "battery": 90,
        "opening": sent % 7 == 0,
        "moisture": 0,
        "rotation": (sent % 30) * 1.0,
        "distance_mm": 1000 + (sent * 13 + index) % 400,
    }
    payload = encode_service_data(values, address=address, bind_key=_bind_key(index), counter=sent)
    return bluetooth.BluetoothServiceInfoBleak(
        "BTHome",
        address,
        -70,
        {},
        {BTHOME_SERVICE_UUID: payload},
        [BTHOME_SERVICE_UUID],
        "local",
        BLEDevice(address, "BTHome", None, **({"rssi": -70} if _BLE_DEVICE_HAS_RSSI else {})),
        None,
        False,  # noqa: FBT003 - habluetooth's positional API: not connectable
        time.monotonic(),
        None,
    )


def _round(row: str, round_number: int, *, repeats: bool) -> list[Any]:
    """Return a row's advertisements of a round; in the repeats stream most repeat the previous one."""
    sent = round_number - round_number % NEW_EVERY if repeats else round_number
    return [_advertisement(row, index, sent) for index in range(SENSORS)]


@dataclass
class _Tally:
    """What a row's rounds of one block cost."""

    cpu: float = 0.0
    wall: float = 0.0
    count: int = 0

    @property
    def cpu_ms_per_1000(self) -> float:
        return self.cpu / self.count * 1e6

    @property
    def rate(self) -> float:
        return self.count / self.wall


async def _block(
    hass: HomeAssistant, first_round: int, rounds: int, *, repeats: bool
) -> dict[str, _Tally]:
    """Feed rounds of every row, the rows taking turns round by round; return each row's cost.

    Every row hears the same values in a round, each from its own sensors. Which row goes
    first rotates, so that none is always the one after a pause.
    """
    inject: Callable[[bluetooth.BluetoothServiceInfoBleak], None] = (
        bluetooth.async_get_advertisement_callback(hass)
    )
    batches = {
        row: [_round(row, first_round + offset, repeats=repeats) for offset in range(rounds)]
        for row in ROWS
    }
    tallies = {row: _Tally() for row in ROWS}
    # Garbage left by building the stream is collected now, not charged to a row.
    gc.collect()
    for offset in range(rounds):
        turn = offset % len(ROWS)
        for row in ROWS[turn:] + ROWS[:turn]:
            tally = tallies[row]
            wall, cpu = time.perf_counter(), time.process_time()
            for info in batches[row][offset]:
                # A repeat is the same advertisement heard again a moment later.
                info.time = time.monotonic()
                inject(info)
            await hass.async_block_till_done()
            tally.cpu += time.process_time() - cpu
            tally.wall += time.perf_counter() - wall
            tally.count += SENSORS
    return tallies


async def _writes_per_advertisement(hass: HomeAssistant, first_round: int) -> dict[str, float]:
    """Count the state writes each row's new advertisements cause, in rounds not timed."""
    row_of_entry = {entry.entry_id: CORE for entry in hass.config_entries.async_entries("bthome")}
    row_of_entry |= {entry.entry_id: OURS for entry in hass.config_entries.async_entries(DOMAIN)}
    registry = er.async_get(hass)
    writes = dict.fromkeys(ROWS, 0)

    @callback
    def count(event: Event[EventStateChangedData]) -> None:
        entry = registry.async_get(event.data["entity_id"])
        if entry is not None and entry.config_entry_id in row_of_entry:
            writes[row_of_entry[entry.config_entry_id]] += 1

    stop = hass.bus.async_listen(EVENT_STATE_CHANGED, count)
    await _block(hass, first_round, COUNTED_ROUNDS, repeats=False)
    stop()
    return {row: writes[row] / (COUNTED_ROUNDS * SENSORS) for row in (OURS, CORE)}


def _decoding_us(first_round: int, rounds: int) -> dict[str, float]:
    """Return the CPU µs per advertisement of decoding alone: this integration's decoder, bthome-ble's update()."""
    streams = [_round(OURS, first_round + offset, repeats=False) for offset in range(rounds)]
    ours = [BTHomeSensorDecoder(_bind_key(index)) for index in range(SENSORS)]
    core = [BTHomeBluetoothDeviceData(bindkey=_bind_key(index)) for index in range(SENSORS)]
    decoders: dict[str, Callable[[int, Any], object]] = {
        OURS: lambda index, info: ours[index].decode(info),
        CORE: lambda index, info: core[index].update(info),
    }
    spent = dict.fromkeys(decoders, 0.0)
    for advertisements in streams:
        for row, decode in decoders.items():
            started = time.process_time()
            for index, info in enumerate(advertisements):
                decode(index, info)
            spent[row] += time.process_time() - started
    return {row: cpu / (rounds * SENSORS) * 1e6 for row, cpu in spent.items()}


def _ours() -> MockConfigEntry:
    subentries = []
    for index in range(SENSORS):
        address = _address(OURS, index)
        data: dict[str, Any] = {
            "address": address,
            "role": "manhole",
            "location": f"Manhole {index}",
        }
        if key := _bind_key(index):
            data["bind_key"] = key.hex()
        subentries.append(
            ConfigSubentryData(
                data=data,
                subentry_type=SUBENTRY_BTHOME_SENSOR,
                title=f"Manhole {index}",
                unique_id=address,
            )
        )
    return MockConfigEntry(
        domain=DOMAIN,
        title="Bench compound",
        unique_id="bench compound",
        data={"zone": "Bench", "service_tier": "standard"},
        subentries_data=tuple(subentries),
    )


def _core() -> list[MockConfigEntry]:
    return [
        MockConfigEntry(
            domain="bthome",
            unique_id=_address(CORE, index),
            data={"bindkey": key.hex()} if (key := _bind_key(index)) else {},
        )
        for index in range(SENSORS)
    ]


@pytest.mark.usefixtures("enable_custom_integrations", "enable_bluetooth")
async def test_benchmark(hass: HomeAssistant) -> None:
    """Measure the three rows in one Home Assistant and print the table."""
    hass.loop.set_debug(False)  # the harness runs asyncio in debug mode; production does not
    rounds = int(os.environ.get("BENCH_ROUNDS", "20"))
    ours = _ours()
    for entry in (ours, *_core()):
        entry.add_to_hass(hass)
    # Setting up the first of an integration's entries sets up all of them.
    for entry in (ours, hass.config_entries.async_entries("bthome")[0]):
        if not await hass.config_entries.async_setup(entry.entry_id):
            raise RuntimeError(f"{entry.domain} did not set up")
    entries = hass.config_entries.async_entries()
    if any(entry.state is not ConfigEntryState.LOADED for entry in entries):
        raise RuntimeError("an entry did not load")
    # Every address once (discovery flows start here), then steady rounds until their work is done.
    await _block(hass, 0, 4, repeats=False)
    round_number = NEW_EVERY
    blocks: dict[str, list[dict[str, _Tally]]] = {stream: [] for stream in STREAMS}
    for _ in range(BLOCKS):
        for stream in STREAMS:
            blocks[stream].append(
                await _block(hass, round_number, rounds, repeats=stream != STREAMS[0])
            )
            # The next block starts on a new advertisement (a round divisible by ten).
            round_number += rounds + -rounds % NEW_EVERY

    writes = await _writes_per_advertisement(hass, round_number)
    decoding = _decoding_us(round_number + COUNTED_ROUNDS, rounds)

    def own(tallies: dict[str, _Tally], row: str) -> float:
        """Return a row's CPU ms per 1,000 beyond the bluetooth manager's own, in the same block."""
        return tallies[row].cpu_ms_per_1000 - tallies[BASELINE].cpu_ms_per_1000

    title = (
        f"BTHome advertisements, {SENSORS} sensors per row ({SENSORS // ENCRYPTED_EVERY} "
        f"encrypted), {BLOCKS} blocks x {rounds} rounds, rows taking turns round by round in one "
        "Home Assistant, asyncio debug off; medians of the blocks"
    )
    lines = [
        title,
        "| integration | stream | advertisements/s | CPU ms per 1,000 (total) | CPU ms per 1,000 (integration) |",
        "|---|---|---:|---:|---:|",
    ]
    figures: dict[str, float] = {}
    for stream in STREAMS:
        for row in ROWS:
            total = statistics.median(tallies[row].cpu_ms_per_1000 for tallies in blocks[stream])
            beyond = statistics.median(own(tallies, row) for tallies in blocks[stream])
            rate = statistics.median(tallies[row].rate for tallies in blocks[stream])
            lines.append(f"| {row} | {stream} | {rate:,.0f} | {total:,.0f} | {beyond:,.0f} |")
            figures[f"{row}/{stream}"] = beyond
    ratios = [own(tallies, CORE) / own(tallies, OURS) for tallies in blocks[STREAMS[0]]]
    ratio = statistics.median(ratios)
    lines.append(
        f"core bthome / this integration, per new advertisement: {ratio:.2f}x (target >= 1.5x); "
        f"blocks: {', '.join(f'{value:.2f}' for value in ratios)}"
    )
    lines.append(
        f"state writes per new advertisement: this integration {writes[OURS]:.2f}, "
        f"core bthome {writes[CORE]:.2f}; decoding alone, CPU µs per advertisement: "
        f"this integration {decoding[OURS]:.0f}, bthome-ble's update() {decoding[CORE]:.0f}"
    )
    result = {
        "ratio_vs_bthome": round(ratio, 2),
        "ours_ms_per_1000_new": round(figures[f"{OURS}/{STREAMS[0]}"], 1),
        "bthome_ms_per_1000_new": round(figures[f"{CORE}/{STREAMS[0]}"], 1),
        "ours_ms_per_1000_repeats": round(figures[f"{OURS}/{STREAMS[1]}"], 1),
        "bthome_ms_per_1000_repeats": round(figures[f"{CORE}/{STREAMS[1]}"], 1),
        "ours_writes_per_new": round(writes[OURS], 2),
        "bthome_writes_per_new": round(writes[CORE], 2),
        "ours_decode_us": round(decoding[OURS], 1),
        "bthome_decode_us": round(decoding[CORE], 1),
    }
    table = "\n".join(lines) + "\n" + json.dumps(result) + "\n"
    await hass.async_add_executor_job(Path(os.environ["BENCH_TABLE"]).write_text, table, "utf-8")
