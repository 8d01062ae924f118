"""The scenario bench/ble.py runs inside Home Assistant's test harness (see that file)."""

from __future__ import annotations

from collections.abc import Callable
import gc
import inspect
import json
import os
from pathlib import Path
import statistics
import time
from typing import Any

from bleak.backends.device import BLEDevice
from homeassistant.components import bluetooth
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.devices.bthome_encoding import BTHOME_SERVICE_UUID, encode_service_data

SENSORS = 150
# The integration's domain and subentry type, spelled out: bench is type-checked beside the package.
DOMAIN = "hanyang_compound"
SUBENTRY_BTHOME_SENSOR = "bthome_sensor"
_BLE_DEVICE_HAS_RSSI = "rssi" in inspect.signature(BLEDevice.__init__).parameters


ENCRYPTED_EVERY = 5
"""Every fifth sensor encrypts its advertisements with a bind key."""
REPEAT_SHARE = 0.9
"""In the repeats stream, this share of advertisements repeats the sensor's previous one exactly."""


def _address(index: int) -> str:
    return f"A4:C1:38:{index // 256:02X}:{index % 256:02X}:7E"


def _bind_key(index: int) -> bytes | None:
    return bytes([index % 256] * 16) if index % ENCRYPTED_EVERY == 0 else None


def _advertisement(
    index: int, round_number: int, measured: int
) -> bluetooth.BluetoothServiceInfoBleak:
    """Return a sensor's advertisement of a round: its packet id and counter, what it measured."""
    address = _address(index)
    values = {
        "packet_id": round_number % 256,
        "battery": 90,
        "opening": measured % 7 == 0,
        "moisture": 0,
        "rotation": (measured % 30) * 1.0,
        "distance_mm": 1000 + (measured * 13 + index) % 400,
    }
    payload = encode_service_data(
        values, address=address, bind_key=_bind_key(index), counter=round_number
    )
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


def _stream(rounds: int, first_round: int, shift: int, *, repeats: bool) -> list[list[Any]]:
    """Return rounds of one advertisement per sensor; with repeats, most repeat the previous one.

    A round measures what round (round - shift) measured: each row of a repetition hears the
    same values, under packet ids and counters that keep moving forward.
    """
    batches = []
    for offset in range(rounds):
        round_number = first_round + offset
        # Of every ten rounds, one brings new advertisements and nine repeat it exactly.
        sent = round_number - round_number % 10 if repeats else round_number
        batches.append([_advertisement(index, sent, sent - shift) for index in range(SENSORS)])
    return batches


async def _measure(
    hass: HomeAssistant, rounds: int, first_round: int, shift: int = 0, *, repeats: bool = False
) -> tuple[float, float, int]:
    """Feed rounds x 150 advertisements; return wall seconds, CPU seconds and the count."""
    inject: Callable[[bluetooth.BluetoothServiceInfoBleak], None] = (
        bluetooth.async_get_advertisement_callback(hass)
    )
    batches = _stream(rounds, first_round, shift, repeats=repeats)
    # Garbage left by what ran before (setting up or unloading 150 entries, building the stream)
    # is collected now, not charged to whichever row happens to run into the collection.
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        for info in batch:
            # A repeat is the same advertisement heard again a moment later.
            info.time = time.monotonic()
            inject(info)
        await hass.async_block_till_done()
    return time.perf_counter() - wall, time.process_time() - cpu, rounds * SENSORS


async def _warm_up(hass: HomeAssistant, first_round: int, shift: int) -> int:
    # Every address once (discovery flows start here), then steady rounds until their work is done.
    await _measure(hass, 4, first_round, shift)
    await hass.async_block_till_done()
    return first_round + 4


def _require(*, done: bool, what: str) -> None:
    if not done:
        raise RuntimeError(f"{what} did not set up or unload")


def _ours() -> MockConfigEntry:
    subentries = []
    for index in range(SENSORS):
        data: dict[str, Any] = {
            "address": _address(index),
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
                unique_id=_address(index),
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
            unique_id=_address(index),
            data={"bindkey": key.hex()} if (key := _bind_key(index)) else {},
        )
        for index in range(SENSORS)
    ]


BASELINE = "bluetooth manager only (baseline)"
OURS = "hanyang_compound (1 compound, 150 subentries)"
CORE = "core bthome (150 config entries)"
REPEATS = 7
"""Each row is measured this often, interleaved; the median is kept (the machine is shared)."""
STREAMS = ("new", "90% repeats")


@pytest.mark.usefixtures("enable_custom_integrations", "enable_bluetooth")
async def test_benchmark(hass: HomeAssistant) -> None:  # noqa: C901 - one scenario, told in order
    """Measure the three rows in one Home Assistant and print the table."""
    hass.loop.set_debug(False)  # the harness runs asyncio in debug mode; production does not
    rounds = int(os.environ.get("BENCH_ROUNDS", "20"))
    runs: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
    round_number = 0

    async def measure(name: str, measured: int) -> None:
        """Measure a row from the next round divisible by ten, on the values from round measured."""
        nonlocal round_number
        round_number += -round_number % 10
        shift = round_number - measured
        round_number = await _warm_up(hass, round_number, shift)
        for stream in STREAMS:
            # Start the repeats stream on a new advertisement (a round divisible by ten).
            round_number += -round_number % 10
            result = await _measure(hass, rounds, round_number, shift, repeats=stream != STREAMS[0])
            round_number += rounds
            runs.setdefault((name, stream), []).append(result)

    ours = _ours()
    ours.add_to_hass(hass)
    core = _core()
    for entry in core:
        entry.add_to_hass(hass)
    for _ in range(REPEATS):
        # Every row of a repetition hears the same values (the baseline's), its own packet ids.
        measured = round_number + -round_number % 10
        await measure(BASELINE, measured)
        for name, entries in ((OURS, [ours]), (CORE, core)):
            for entry in entries:
                # Setting up the first of an integration's entries sets up all of them.
                if entry.state is not ConfigEntryState.LOADED:
                    _require(done=await hass.config_entries.async_setup(entry.entry_id), what=name)
            await measure(name, measured)
            for entry in entries:
                _require(done=await hass.config_entries.async_unload(entry.entry_id), what=name)

    def per_k(name: str, stream: str) -> float:
        """Median CPU ms per 1,000 advertisements of a row and stream."""
        return statistics.median(cpu / count * 1e6 for _, cpu, count in runs[name, stream])

    def rate(name: str, stream: str) -> float:
        return statistics.median(count / wall for wall, _, count in runs[name, stream])

    title = (
        f"BTHome advertisements, {SENSORS} sensors ({SENSORS // ENCRYPTED_EVERY} encrypted) x "
        f"{rounds} rounds, median of {REPEATS}, one Home Assistant run, asyncio debug off"
    )
    lines = [
        title,
        "| integration | stream | advertisements/s | CPU ms per 1,000 (total) | CPU ms per 1,000 (integration) |",
        "|---|---|---:|---:|---:|",
    ]
    own: dict[tuple[str, str], float] = {}
    for stream in STREAMS:
        base = per_k(BASELINE, stream)
        for name in (BASELINE, OURS, CORE):
            total = per_k(name, stream)
            own[name, stream] = total - base if name != BASELINE else 0.0
            lines.append(
                f"| {name} | {stream} | {rate(name, stream):,.0f} | {total:,.0f} | "
                f"{own[name, stream]:,.0f} |"
            )
    ratio = own[CORE, STREAMS[0]] / own[OURS, STREAMS[0]]
    lines.append(
        f"core bthome / this integration, per new advertisement: {ratio:.2f}x (target >= 1.5x)"
    )
    figures = {
        "ratio_vs_bthome": round(ratio, 2),
        "ours_ms_per_1000_new": round(own[OURS, STREAMS[0]], 1),
        "bthome_ms_per_1000_new": round(own[CORE, STREAMS[0]], 1),
        "ours_ms_per_1000_repeats": round(own[OURS, STREAMS[1]], 1),
        "bthome_ms_per_1000_repeats": round(own[CORE, STREAMS[1]], 1),
    }
    table = "\n".join(lines) + "\n" + json.dumps(figures) + "\n"
    await hass.async_add_executor_job(Path(os.environ["BENCH_TABLE"]).write_text, table, "utf-8")
