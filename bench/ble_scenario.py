"""The scenario bench/ble.py runs inside Home Assistant's test harness (see that file)."""

from __future__ import annotations

from collections.abc import Callable
import inspect
import os
from pathlib import Path
import time

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


def _address(index: int) -> str:
    return f"A4:C1:38:{index // 256:02X}:{index % 256:02X}:7E"


def _advertisement(index: int, round_number: int) -> bluetooth.BluetoothServiceInfoBleak:
    address = _address(index)
    values = {
        "packet_id": round_number % 256,
        "battery": 90,
        "opening": round_number % 7 == 0,
        "moisture": 0,
        "rotation": (round_number % 30) * 1.0,
        "distance_mm": 1000 + (round_number * 13 + index) % 400,
    }
    return bluetooth.BluetoothServiceInfoBleak(
        "BTHome",
        address,
        -70,
        {},
        {BTHOME_SERVICE_UUID: encode_service_data(values, address=address)},
        [BTHOME_SERVICE_UUID],
        "local",
        BLEDevice(address, "BTHome", None, **({"rssi": -70} if _BLE_DEVICE_HAS_RSSI else {})),
        None,
        False,  # noqa: FBT003 - habluetooth's positional API: not connectable
        time.monotonic(),
        None,
    )


async def _measure(hass: HomeAssistant, rounds: int, first_round: int) -> tuple[float, float, int]:
    """Feed rounds x 150 advertisements; return wall seconds, CPU seconds and the count."""
    inject: Callable[[bluetooth.BluetoothServiceInfoBleak], None] = (
        bluetooth.async_get_advertisement_callback(hass)
    )
    batches = [
        [_advertisement(index, round_number) for index in range(SENSORS)]
        for round_number in range(first_round, first_round + rounds)
    ]
    wall, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        for info in batch:
            inject(info)
        await hass.async_block_till_done()
    return time.perf_counter() - wall, time.process_time() - cpu, rounds * SENSORS


async def _warm_up(hass: HomeAssistant, first_round: int) -> int:
    # Every address once (discovery flows start here), then steady rounds until their work is done.
    await _measure(hass, 4, first_round)
    await hass.async_block_till_done()
    return first_round + 4


def _require(*, done: bool, what: str) -> None:
    if not done:
        raise RuntimeError(f"{what} did not set up or unload")


def _ours() -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Bench compound",
        unique_id="bench compound",
        data={"zone": "Bench", "service_tier": "standard"},
        subentries_data=tuple(
            ConfigSubentryData(
                data={
                    "address": _address(index),
                    "role": "manhole",
                    "location": f"Manhole {index}",
                },
                subentry_type=SUBENTRY_BTHOME_SENSOR,
                title=f"Manhole {index}",
                unique_id=_address(index),
            )
            for index in range(SENSORS)
        ),
    )


BASELINE = "bluetooth manager only (baseline)"
OURS = "hanyang_compound (1 compound, 150 subentries)"
CORE = "core bthome (150 config entries)"
REPEATS = 3
"""Each row is measured this often, interleaved; the least CPU is kept (the machine is shared)."""


@pytest.mark.usefixtures("enable_custom_integrations", "enable_bluetooth")
async def test_benchmark(hass: HomeAssistant) -> None:
    """Measure the three rows in one Home Assistant and print the table."""
    rounds = int(os.environ.get("BENCH_ROUNDS", "20"))
    best: dict[str, tuple[float, float, int]] = {}
    round_number = 0

    async def measure(name: str) -> None:
        nonlocal round_number
        round_number = await _warm_up(hass, round_number)
        result = await _measure(hass, rounds, round_number)
        round_number += rounds
        if name not in best or result[1] < best[name][1]:
            best[name] = result

    ours = _ours()
    ours.add_to_hass(hass)
    core = [
        MockConfigEntry(domain="bthome", unique_id=_address(i), data={}) for i in range(SENSORS)
    ]
    for entry in core:
        entry.add_to_hass(hass)
    for _ in range(REPEATS):
        await measure(BASELINE)
        for name, entries in ((OURS, [ours]), (CORE, core)):
            for entry in entries:
                # Setting up the first of an integration's entries sets up all of them.
                if entry.state is not ConfigEntryState.LOADED:
                    _require(done=await hass.config_entries.async_setup(entry.entry_id), what=name)
            await measure(name)
            for entry in entries:
                _require(done=await hass.config_entries.async_unload(entry.entry_id), what=name)
    rows = [(name, *best[name]) for name in (BASELINE, OURS, CORE)]

    base_cpu_per_k = rows[0][2] / rows[0][3] * 1000
    lines = [
        f"BTHome advertisements, {SENSORS} sensors x {rounds} rounds, best of {REPEATS}, one Home Assistant run",
        "| integration | advertisements/s | CPU ms per 1,000 (total) | CPU ms per 1,000 (integration) |",
        "|---|---:|---:|---:|",
    ]
    for name, wall, cpu, count in rows:
        per_k = cpu / count * 1000
        own = per_k - base_cpu_per_k if name != rows[0][0] else 0.0
        lines.append(f"| {name} | {count / wall:,.0f} | {per_k * 1000:,.0f} | {own * 1000:,.0f} |")
    table = "\n".join(lines) + "\n"
    await hass.async_add_executor_job(Path(os.environ["BENCH_TABLE"]).write_text, table, "utf-8")
