"""Tests of barrier gates in Home Assistant against the simulated module: entities and the mode policy."""

from __future__ import annotations

import logging
import time
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.hanyang_compound.const import EVENT_GATE_FAULT
from custom_components.hanyang_compound.modes import CompoundMode, EntranceAction
from simulator.devices.io_module import Gateway

from .conftest import (
    NORTH_GATE,
    NORTH_PASSES as PASSES,
    NORTH_VEHICLE as VEHICLE,
    barrier,
    drive_a_vehicle_through,
    gate_data,
    north_gate,
    wait_for_state,
    wait_until,
    wired_compound,
)

FAULT = "binary_sensor.north_gate_fault"


async def _cover(hass: HomeAssistant, service: str) -> None:
    await hass.services.async_call("cover", service, {"entity_id": NORTH_GATE}, blocking=True)


def _press_remote(gateway: Gateway, *, relay: int) -> None:
    """Press a button of the barrier's own remote control, wired in parallel to the relay."""
    gateway.modules[1].write(relay, [True], time.monotonic())
    gateway.modules[1].write(relay, [False], time.monotonic())


async def _set_mode(entry: MockConfigEntry, mode: CompoundMode) -> None:
    await entry.runtime_data.async_set_mode(mode, context=None)


async def test_the_gate_opens_and_closes_passing_through_opening_and_closing(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway
) -> None:
    seen: list[str] = []
    # A callback runs in the event loop as the state is written; a plain lambda would run
    # in the executor and could record the last state after the test looked.
    hass.bus.async_listen(
        "state_changed",
        callback(
            lambda event: (
                seen.append(event.data["new_state"].state)
                if event.data["entity_id"] == NORTH_GATE
                else None
            )
        ),
    )
    await wait_for_state(hass, NORTH_GATE, "closed")
    await _cover(hass, "open_cover")
    await wait_for_state(hass, NORTH_GATE, "open")
    await _cover(hass, "close_cover")
    await wait_for_state(hass, NORTH_GATE, "closed")
    assert [state for index, state in enumerate(seen) if not index or seen[index - 1] != state] == [
        "opening",
        "open",
        "closing",
        "closed",
    ]
    barrier(gateway).travel_time = 5.0  # slow enough to be stopped half-way on a loaded machine
    await _cover(hass, "open_cover")
    await _cover(hass, "stop_cover")
    stopped = await wait_for_state(hass, NORTH_GATE, "open")
    assert 0 < barrier(gateway).position < 1
    assert stopped.attributes["device_class"] == "gate"
    devices = {
        identifier: device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), compound.entry_id)
        for _, identifier in device.identifiers
    }
    assert devices["gate1"].via_device_id == devices["module1"].id
    assert devices["module1"].model == "Modbus TCP relay module, 8 relays and 8 inputs"


async def test_a_jammed_arm_is_reported_as_a_fault(
    hass: HomeAssistant, gateway: Gateway, socket_enabled: None
) -> None:
    """The fault sensor turns on, and one gate fault event is fired for automations."""
    faults = async_capture_events(hass, EVENT_GATE_FAULT)
    entry = wired_compound(gateway.port, gate=gate_data(travel_timeout=2))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()  # first reads
    await wait_for_state(hass, NORTH_GATE, "closed")
    barrier(gateway).jammed = True
    await _cover(hass, "open_cover")
    fault = await wait_for_state(hass, FAULT, "on")
    assert fault.attributes["cause"] == "travel_timeout"
    assert hass.states.get(NORTH_GATE).state == STATE_UNKNOWN
    # Polls that find the arm still jammed announce nothing new.
    polls = 0

    @callback
    def count_poll() -> None:
        nonlocal polls
        polls += 1

    stop_counting = north_gate(entry).coordinator.async_add_listener(count_poll)
    await wait_until(lambda: polls >= 2)
    stop_counting()
    assert [(event.data["subentry_id"], event.data["fault"]) for event in faults] == [
        ("gate1", "travel_timeout")
    ]
    assert faults[0].data["config_entry_id"] == entry.entry_id
    barrier(gateway).jammed = False
    await _cover(hass, "close_cover")
    await wait_for_state(hass, FAULT, "off")
    await hass.config_entries.async_unload(entry.entry_id)


async def test_vehicles_on_the_loop_are_seen_and_counted(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway
) -> None:
    await wait_for_state(hass, PASSES, "0")
    await drive_a_vehicle_through(hass, gateway)
    await wait_for_state(hass, VEHICLE, "off")
    passes = await wait_for_state(hass, PASSES, "1")
    assert passes.attributes["state_class"] == "total"
    assert passes.attributes["last_reset"]


async def test_lockdown_closes_only_once_the_loop_is_clear_and_refuses_to_open(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway, hass_admin_user: Any
) -> None:
    await _cover(hass, "open_cover")
    await wait_for_state(hass, NORTH_GATE, "open")
    await gateway.async_command("vehicle", {"barrier": "north"})
    await wait_for_state(hass, VEHICLE, "on")

    await _set_mode(compound, CompoundMode.LOCKDOWN)
    await wait_for_state(hass, NORTH_GATE, "open")
    assert north_gate(compound).machine.close_pending
    with pytest.raises(HomeAssistantError) as refused:
        await _cover(hass, "open_cover")
    assert refused.value.translation_key == "refused_lockdown"

    await gateway.async_command("vehicle", {"barrier": "north", "present": False})
    await wait_for_state(hass, NORTH_GATE, "closed")

    # An administrator's override opens it once; it closes again after the vehicle passed.
    await hass.services.async_call(
        "hanyang_compound",
        "override_gate",
        {"entity_id": NORTH_GATE, "reason": "Ambulance"},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    await wait_for_state(hass, NORTH_GATE, "open")
    await gateway.async_command("vehicle", {"barrier": "north"})
    await wait_for_state(hass, VEHICLE, "on")
    assert hass.states.get(NORTH_GATE).state == "open"
    await gateway.async_command("vehicle", {"barrier": "north", "present": False})
    await wait_for_state(hass, NORTH_GATE, "closed")

    # Someone raising the arm with its own remote does not get through either.
    await gateway.async_command("vehicle", {"barrier": "north", "present": False})
    closes = gateway.modules[1].presses[1]
    _press_remote(gateway, relay=0)
    # Lowered again as soon as it is seen rising, so quickly that "closing" may never show.
    await wait_for_state(hass, NORTH_GATE, lambda _: gateway.modules[1].presses[1] > closes)
    await wait_for_state(hass, NORTH_GATE, "closed")

    await _set_mode(compound, CompoundMode.NORMAL)
    await _cover(hass, "open_cover")
    await wait_for_state(hass, NORTH_GATE, "open")


async def test_a_gate_kept_open_in_lockdown_stays_in_normal_use(
    hass: HomeAssistant, gateway: Gateway, socket_enabled: None
) -> None:
    entry = wired_compound(gateway.port, gate=gate_data(kept_open_in_lockdown=True))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()  # first reads
    await _cover(hass, "open_cover")
    await wait_for_state(hass, NORTH_GATE, "open")
    await _set_mode(entry, CompoundMode.LOCKDOWN)
    await _cover(hass, "close_cover")
    await wait_for_state(hass, NORTH_GATE, "closed")
    await _cover(hass, "open_cover")
    await wait_for_state(hass, NORTH_GATE, "open")
    await hass.config_entries.async_unload(entry.entry_id)


async def test_evacuation_opens_the_gate_and_holds_it_open(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway
) -> None:
    await wait_for_state(hass, NORTH_GATE, "closed")
    await _set_mode(compound, CompoundMode.EVACUATION)
    await wait_for_state(hass, NORTH_GATE, "open")
    for service in ("close_cover", "stop_cover"):
        with pytest.raises(HomeAssistantError) as refused:
            await _cover(hass, service)
        assert refused.value.translation_key == "refused_evacuation"
    # Lowered by its own remote, it is raised again.
    opens = gateway.modules[1].presses[0]
    _press_remote(gateway, relay=1)
    await wait_for_state(hass, NORTH_GATE, lambda _: gateway.modules[1].presses[0] > opens)
    await wait_for_state(hass, NORTH_GATE, "open")


async def test_lockdown_is_reapplied_when_the_module_returns_and_after_a_restart(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway
) -> None:
    await _cover(hass, "open_cover")
    await wait_for_state(hass, NORTH_GATE, "open")
    await gateway.async_command("power_off", {})
    await wait_for_state(hass, NORTH_GATE, STATE_UNAVAILABLE)
    await _set_mode(compound, CompoundMode.LOCKDOWN)  # cannot reach the gate yet
    with pytest.raises(HomeAssistantError) as unreachable:
        await compound.runtime_data.async_command_entrance(
            north_gate(compound), EntranceAction.CLOSE, context=None
        )
    assert unreachable.value.translation_key == "gate_unavailable"
    await gateway.async_command("power_on", {})
    await wait_for_state(hass, NORTH_GATE, "closed")

    await hass.config_entries.async_unload(compound.entry_id)
    barrier(gateway).position = 1.0  # raised by hand while Home Assistant was down
    assert await hass.config_entries.async_setup(compound.entry_id)
    await hass.async_block_till_done()  # first reads
    await wait_for_state(hass, NORTH_GATE, "closed")
    assert compound.runtime_data.mode is CompoundMode.LOCKDOWN


async def test_a_gateway_lost_and_back_is_logged_once_each_way(
    hass: HomeAssistant,
    compound: MockConfigEntry,
    gateway: Gateway,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await wait_for_state(hass, NORTH_GATE, "closed")
    coordinator = north_gate(compound).module.coordinator
    caplog.clear()
    await gateway.async_command("power_off", {})
    await wait_for_state(hass, NORTH_GATE, STATE_UNAVAILABLE)
    assert coordinator.failures <= 2  # unavailable within two polls
    for entity_id in (FAULT, VEHICLE, "light.east_shed_light", "switch.east_shed_sockets"):
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE
    await wait_for_state(hass, PASSES, STATE_UNAVAILABLE)
    failures = coordinator.failures
    await wait_for_state(hass, NORTH_GATE, lambda _: coordinator.failures >= failures + 3)

    await gateway.async_command("power_on", {})
    await wait_for_state(hass, NORTH_GATE, "closed", within=5)

    ours = [
        (record.levelno, record.getMessage())
        for record in caplog.records
        if record.name.startswith("custom_components.hanyang_compound")
        and record.levelno >= logging.INFO
    ]
    assert [level for level, _ in ours] == [logging.WARNING, logging.INFO], ours
    assert ours[0][1].startswith("I/O module North gate I/O module cannot be read")
    assert ours[1][1] == "I/O module North gate I/O module answers again"


async def test_a_gate_whose_module_was_removed_has_no_entities(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    entry = wired_compound(1)
    entry.add_to_hass(hass)
    hass.config_entries.async_remove_subentry(entry, "module1")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()  # first reads
    assert hass.states.get(NORTH_GATE) is None
    assert hass.states.get("light.east_shed_light") is None
    assert (
        "North gate is wired to an I/O module that is no longer part of Longdengli" in caplog.text
    )
    await hass.config_entries.async_unload(entry.entry_id)


async def test_an_override_at_a_gate_without_a_loop_ends_when_it_is_closed(
    hass: HomeAssistant, gateway: Gateway, socket_enabled: None, hass_admin_user: Any
) -> None:
    entry = wired_compound(gateway.port, gate=gate_data(vehicle_loop=None))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()  # first reads
    await wait_for_state(hass, NORTH_GATE, "closed")
    assert hass.states.get(VEHICLE) is None
    await _set_mode(entry, CompoundMode.LOCKDOWN)
    await hass.services.async_call(
        "hanyang_compound",
        "override_gate",
        {"entity_id": NORTH_GATE, "reason": "Fire engine"},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    await wait_for_state(hass, NORTH_GATE, "open")
    assert north_gate(entry).override_active
    await _cover(hass, "close_cover")
    await wait_for_state(hass, NORTH_GATE, "closed")
    assert not north_gate(entry).override_active
    closes = gateway.modules[1].presses[1]
    _press_remote(gateway, relay=0)
    await wait_until(lambda: gateway.modules[1].presses[1] > closes)
    await wait_for_state(hass, NORTH_GATE, "closed")
    await hass.config_entries.async_unload(entry.entry_id)


async def test_evacuation_is_reapplied_after_a_restart_and_a_garbled_module(
    hass: HomeAssistant,
    compound: MockConfigEntry,
    gateway: Gateway,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _set_mode(compound, CompoundMode.EVACUATION)
    await wait_for_state(hass, NORTH_GATE, "open")
    await hass.config_entries.async_unload(compound.entry_id)
    barrier(gateway).position = 0.0  # lowered by hand while Home Assistant was down
    assert await hass.config_entries.async_setup(compound.entry_id)
    await hass.async_block_till_done()  # first reads
    await wait_for_state(hass, NORTH_GATE, "open")

    caplog.clear()
    gateway.fault = gateway.fault.GARBAGE
    await wait_for_state(hass, NORTH_GATE, STATE_UNAVAILABLE)
    barrier(gateway).position = 0.0
    gateway.fault = gateway.fault.NONE
    await wait_for_state(hass, NORTH_GATE, "open")
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and "I/O module" in r.getMessage()
    ]
    assert len(warnings) == 1
