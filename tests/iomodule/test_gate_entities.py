"""Tests of what a barrier gate's entities hear: the polls that change what it shows, and a new day."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from simulator.devices.io_module import Gateway

from .conftest import (
    NORTH_GATE,
    NORTH_PASSES,
    drive_a_vehicle_through,
    north_gate,
    wait_for_state,
    wait_until,
)


async def test_a_gate_tells_its_entities_only_of_polls_that_change_what_it_shows(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway
) -> None:
    await wait_for_state(hass, NORTH_GATE, "closed")
    gate = north_gate(compound)
    polls = told = 0

    @callback
    def count_poll() -> None:
        nonlocal polls
        polls += 1

    @callback
    def count_told() -> None:
        nonlocal told
        told += 1

    stop_polls = gate.coordinator.async_add_listener(count_poll)
    stop_told = gate.async_add_listener(count_told)
    await wait_until(lambda: polls >= 3)
    assert told == 0  # the arm rests closed and nobody is on the loop
    await gateway.async_command("vehicle", {"barrier": "north"})
    await wait_until(lambda: told == 1)
    await gateway.async_command("vehicle", {"barrier": "north", "present": False})
    await wait_for_state(hass, NORTH_PASSES, "1")
    # A gateway that goes silent is told too: every entity of the gate turns unavailable.
    await gateway.async_stop()
    await wait_for_state(hass, NORTH_GATE, STATE_UNAVAILABLE)
    assert hass.states.get(NORTH_PASSES).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    stop_polls()
    stop_told()


async def test_the_passes_start_afresh_at_local_midnight_when_the_gate_is_quiet(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway
) -> None:
    await wait_for_state(hass, NORTH_PASSES, "0")
    await drive_a_vehicle_through(hass, gateway)
    await wait_for_state(hass, NORTH_PASSES, "1")
    midnight = dt_util.start_of_local_day() + timedelta(days=1)
    # The clock moves on to the next day; nothing at the gate changes then.
    with patch.object(dt_util, "start_of_local_day", return_value=midnight):
        async_fire_time_changed(hass, midnight)
        await hass.async_block_till_done()
        passes = hass.states.get(NORTH_PASSES)
    assert passes is not None
    assert passes.state == "0"
    assert passes.attributes["last_reset"] == midnight.isoformat()
