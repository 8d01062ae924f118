"""Tests of the simulated BLE sensors: the advertisement stream, schedules and commands."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from simulator.description import CompoundDescription
from simulator.devices.bthome_encoding import BTHOME_SERVICE_UUID
from simulator.kinds import CommandError
from simulator.runtime import Simulator

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {
    "interval": 0.05,
    "sensors": [
        {
            "address": "a4:c1:38:00:00:01",
            "values": {"distance_mm": 1000},
            "drift": {"distance_mm": {"step": -100, "limit": 800}},
        },
        {
            "address": "A4:C1:38:00:00:02",
            "values": {"opening": 0},
            "steps": [{"after": 0, "set": {"opening": 1}}],
            "bind_key": "00" * 16,
        },
    ],
}


@pytest.mark.usefixtures("socket_enabled")
async def test_stream_carries_bthome_advertisements_and_commands_apply() -> None:
    description = CompoundDescription.from_mapping(
        {
            "compound": {"name": "Test", "zone": "Z"},
            "devices": [{"id": "ble", "kind": "ble_broadcaster", **SETTINGS}],
        }
    )
    async with Simulator(description) as simulator:
        broadcaster = simulator.devices["ble"]
        url = broadcaster.status()["url"]
        seen: dict[str, list[str]] = {}
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            async for line in response.content:
                advertisement = json.loads(line)
                seen.setdefault(advertisement["address"], []).append(
                    advertisement["service_data"][BTHOME_SERVICE_UUID]
                )
                if sum(map(len, seen.values())) >= 8:
                    break
        assert set(seen) == {"A4:C1:38:00:00:01", "A4:C1:38:00:00:02"}
        # Plaintext BTHome v2 for the first, encrypted for the keyed one.
        assert all(data.startswith("40") for data in seen["A4:C1:38:00:00:01"])
        assert all(data.startswith("41") for data in seen["A4:C1:38:00:00:02"])
        status = broadcaster.status()["sensors"]
        assert status["A4:C1:38:00:00:01"]["values"]["distance_mm"] == 800
        assert status["A4:C1:38:00:00:02"]["values"]["opening"] == 1

        result = await simulator.async_command("ble", "silence", {"address": "A4:C1:38:00:00:01"})
        assert result["silent"] is True
        result = await simulator.async_command(
            "ble", "set", {"address": "A4:C1:38:00:00:01", "values": {"opening": 1}}
        )
        assert result["values"]["opening"] == 1
        with pytest.raises(CommandError):
            await simulator.async_command("ble", "set", {"address": "A4:C1:38:00:00:01"})
        with pytest.raises(CommandError):
            await simulator.async_command("ble", "explode", {"address": "A4:C1:38:00:00:01"})
        with pytest.raises(CommandError):
            await simulator.async_command("ble", "set", {"address": "nobody"})


def test_demo_description_loads_with_its_ble_sensors() -> None:
    description = CompoundDescription.load(ROOT / "simulator" / "demo.yaml")
    ble = next(device for device in description.devices if device.kind == "ble_broadcaster")
    assert ble.settings["port"] == 15060
    assert len(ble.settings["sensors"]) == 4


def test_bad_sensor_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="ble_broadcaster"):
        Simulator(
            CompoundDescription.from_mapping(
                {
                    "compound": {"name": "T", "zone": "Z"},
                    "devices": [{"id": "b", "kind": "ble_broadcaster", "sensors": [{"name": "x"}]}],
                }
            )
        )
