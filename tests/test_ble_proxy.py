"""End to end: the simulator's BLE sensors reach the integration through the development-only simulated proxy."""

from __future__ import annotations

import asyncio

from homeassistant.components import bluetooth
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant, callback
import pytest

from dev.custom_components.hanyang_ble_proxy import SOURCE, SimulatedProxyScanner, _async_follow
from simulator.description import CompoundDescription
from simulator.runtime import Simulator

from .test_ble import MANHOLE, manhole_subentry, setup_compound


@pytest.mark.usefixtures("socket_enabled", "enable_bluetooth")
async def test_simulated_proxy_feeds_the_manhole(hass: HomeAssistant) -> None:
    sensor = {
        "address": MANHOLE,
        "values": {"opening": 0, "distance_mm": 1200},
        "steps": [{"after": 0.2, "set": {"opening": 1}}],
    }
    description = CompoundDescription.from_mapping(
        {
            "compound": {"name": "Test", "zone": "Z"},
            "devices": [
                {"id": "ble", "kind": "ble_broadcaster", "interval": 0.05, "sensors": [sensor]}
            ],
        }
    )
    await setup_compound(hass, manhole_subentry())
    cover_opened = asyncio.Event()

    @callback
    def on_change(*_: object) -> None:
        state = hass.states.get("binary_sensor.manhole_3_cover")
        if state is not None and state.state == STATE_ON:
            cover_opened.set()

    hass.bus.async_listen("state_changed", on_change)
    async with Simulator(description) as simulator:
        scanner = SimulatedProxyScanner(SOURCE, "Simulated BLE proxy", None, False)  # noqa: FBT003
        unregister = bluetooth.async_register_scanner(hass, scanner)
        unsetup = scanner.async_setup()
        task = hass.async_create_background_task(
            _async_follow(hass, scanner, simulator.devices["ble"].status()["url"]), "follow"
        )
        try:
            await asyncio.wait_for(cover_opened.wait(), timeout=30)
        finally:
            task.cancel()
            unsetup()
            unregister()
    state = hass.states.get("sensor.manhole_3_water_level_below_cover")
    assert state is not None
    assert state.state == "120.0"
