"""Gates whose module is lost, frozen, refusing or fought over: the mode holds, with one log line each way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
import logging
import time

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound import gate as gate_module
from custom_components.hanyang_compound.modes import CompoundMode
from simulator.devices.io_module import Fault, Gateway

from .conftest import NORTH_GATE, barrier, north_gate, wait_for_state, wait_until, wired_compound

FAULT = "binary_sensor.north_gate_fault"
OPEN_RELAY, CLOSE_RELAY = 0, 1
LOST = "I/O module North gate I/O module cannot be read: the link is down"
BACK = "I/O module North gate I/O module answers again"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """The integration's log records, at every level (so none of them may name a host)."""
    caplog.set_level(logging.DEBUG, logger="custom_components.hanyang_compound")
    return caplog


def ours(logs: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    """Return the integration's lines at info and above; check that none names the gateway."""
    records = [r for r in logs.records if r.name.startswith("custom_components.hanyang_compound")]
    for record in records:
        assert "127.0.0.1" not in record.getMessage(), record.getMessage()
    return [(r.levelno, r.getMessage()) for r in records if r.levelno >= logging.INFO]


async def _cover(hass: HomeAssistant, service: str) -> None:
    await hass.services.async_call("cover", service, {"entity_id": NORTH_GATE}, blocking=True)


async def _set_mode(entry: MockConfigEntry, mode: CompoundMode) -> None:
    await entry.runtime_data.async_set_mode(mode, context=None)


async def _unplug_and_plug_back(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    gateway: Gateway,
    *,
    while_unplugged: Callable[[], Awaitable[object] | None],
) -> float:
    """Unplug the module, do something meanwhile, plug it back; return when it answered again."""
    await gateway.async_command("power_off", {})
    await wait_for_state(hass, NORTH_GATE, STATE_UNAVAILABLE)
    if (pending := while_unplugged()) is not None:
        await pending
    coordinator = north_gate(entry).module.coordinator
    await gateway.async_command("power_on", {})
    await wait_until(lambda: coordinator.data is not None, within=5)
    return time.monotonic()


async def _closed_within_a_poll_of(back: float, gateway: Gateway, closes: int) -> None:
    await wait_until(lambda: gateway.modules[1].presses[CLOSE_RELAY] > closes, within=5)
    assert time.monotonic() - back < 1.0  # the return's own poll closes it, not the next one


async def test_a_module_unplugged_in_a_lockdown_is_shut_again_when_it_is_back(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway, logs: pytest.LogCaptureFixture
) -> None:
    await _set_mode(compound, CompoundMode.LOCKDOWN)
    await wait_for_state(hass, NORTH_GATE, "closed")
    logs.clear()
    closes = gateway.modules[1].presses[CLOSE_RELAY]

    def raise_by_hand() -> None:
        barrier(gateway).position = 1.0

    back = await _unplug_and_plug_back(hass, compound, gateway, while_unplugged=raise_by_hand)
    await _closed_within_a_poll_of(back, gateway, closes)
    await wait_for_state(hass, NORTH_GATE, "closed")
    assert ours(logs) == [(logging.WARNING, LOST), (logging.INFO, BACK)]


async def test_a_lockdown_ordered_while_the_module_is_unplugged_holds_when_it_is_back(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway, logs: pytest.LogCaptureFixture
) -> None:
    await _cover(hass, "open_cover")
    await wait_for_state(hass, NORTH_GATE, "open")
    logs.clear()
    closes = gateway.modules[1].presses[CLOSE_RELAY]

    back = await _unplug_and_plug_back(
        hass, compound, gateway, while_unplugged=lambda: _set_mode(compound, CompoundMode.LOCKDOWN)
    )
    await _closed_within_a_poll_of(back, gateway, closes)
    await wait_for_state(hass, NORTH_GATE, "closed")
    assert ours(logs) == [
        (logging.WARNING, LOST),
        (logging.INFO, "Compound Longdengli switched from normal to lockdown mode"),
        (logging.INFO, BACK),
    ]


async def test_a_jammed_gate_is_tried_again_when_its_module_is_back(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway, logs: pytest.LogCaptureFixture
) -> None:
    await _cover(hass, "open_cover")
    await wait_for_state(hass, NORTH_GATE, "open")
    barrier(gateway).jammed = True
    await _set_mode(compound, CompoundMode.LOCKDOWN)
    await wait_for_state(hass, FAULT, "on")  # the arm did not come down in time
    logs.clear()
    closes = gateway.modules[1].presses[CLOSE_RELAY]

    def free_the_arm() -> None:
        # A technician frees the arm; its controller gave up moving it.
        barrier(gateway).jammed, barrier(gateway).direction = False, 0

    back = await _unplug_and_plug_back(hass, compound, gateway, while_unplugged=free_the_arm)
    await _closed_within_a_poll_of(back, gateway, closes)
    await wait_for_state(hass, NORTH_GATE, "closed")
    assert hass.states.get(FAULT).state == "off"
    assert ours(logs) == [(logging.WARNING, LOST), (logging.INFO, BACK)]


async def test_a_module_refusing_the_lockdown_is_asked_again_until_it_takes_it(
    hass: HomeAssistant,
    compound: MockConfigEntry,
    gateway: Gateway,
    logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gate_module, "RETRY_DELAYS", (0.2, 0.4, 0.8))
    await _cover(hass, "open_cover")
    await wait_for_state(hass, NORTH_GATE, "open")
    gateway.fault = Fault.READ_ONLY  # outputs locked at the module: reads answered, writes refused
    gateway.exception_code = 4
    logs.clear()

    await _set_mode(compound, CompoundMode.LOCKDOWN)
    refused = "Could not apply the lockdown mode to North gate: Modbus exception 4; still trying"
    await wait_until(lambda: (logging.WARNING, refused) in ours(logs), within=5)
    assert hass.states.get(NORTH_GATE).state == "open"
    gateway.fault = Fault.NONE
    await wait_for_state(hass, NORTH_GATE, "closed")
    assert ours(logs) == [
        (logging.INFO, "Compound Longdengli switched from normal to lockdown mode"),
        (logging.WARNING, refused),
        (logging.INFO, "Applied the lockdown mode to North gate at last"),
    ]


async def test_a_gate_raised_against_a_refusing_module_is_lowered_once_it_takes_commands(
    hass: HomeAssistant,
    compound: MockConfigEntry,
    gateway: Gateway,
    logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gate_module, "RETRY_DELAYS", (0.2, 0.4, 0.8))
    await _set_mode(compound, CompoundMode.LOCKDOWN)
    await wait_for_state(hass, NORTH_GATE, "closed")
    gateway.fault, gateway.exception_code = Fault.READ_ONLY, 4
    logs.clear()
    # Raised by its own remote, wired in parallel to the open relay.
    gateway.modules[1].write(OPEN_RELAY, [True], time.monotonic())
    gateway.modules[1].write(OPEN_RELAY, [False], time.monotonic())
    refused = "Could not apply the lockdown mode to North gate: Modbus exception 4; still trying"
    await wait_until(lambda: (logging.WARNING, refused) in ours(logs), within=5)
    gateway.fault = Fault.NONE
    await wait_for_state(hass, NORTH_GATE, "closed")
    assert ours(logs) == [
        (logging.WARNING, refused),
        (logging.INFO, "Applied the lockdown mode to North gate at last"),
    ]


async def test_attempts_stop_for_an_outage_and_for_another_mode(
    hass: HomeAssistant,
    compound: MockConfigEntry,
    gateway: Gateway,
    logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gate_module, "RETRY_DELAYS", (2.0,))
    await _cover(hass, "open_cover")
    await wait_for_state(hass, NORTH_GATE, "open")
    gateway.fault, gateway.exception_code = Fault.READ_ONLY, 4
    logs.clear()
    await _set_mode(compound, CompoundMode.LOCKDOWN)  # refused; asked again in 2 s

    async def unlock_the_outputs() -> None:
        gateway.fault = Fault.NONE
        await asyncio.sleep(2.5)  # the next attempt finds the module lost, and stops

    # Lost before it is asked again: the return applies the lockdown, not the next attempt.
    await _unplug_and_plug_back(hass, compound, gateway, while_unplugged=unlock_the_outputs)
    await wait_for_state(hass, NORTH_GATE, "closed")
    assert ours(logs) == [
        (logging.INFO, "Compound Longdengli switched from normal to lockdown mode"),
        (logging.WARNING, LOST),
        (logging.INFO, BACK),
    ]

    await _set_mode(compound, CompoundMode.EVACUATION)
    await wait_for_state(hass, NORTH_GATE, "open")
    gateway.fault = Fault.READ_ONLY
    await _set_mode(compound, CompoundMode.LOCKDOWN)  # refused; asked again in 2 s
    await _set_mode(compound, CompoundMode.NORMAL)  # the lockdown's attempts end here
    gateway.fault = Fault.NONE
    closes = gateway.modules[1].presses[CLOSE_RELAY]
    await asyncio.sleep(2.5)
    assert gateway.modules[1].presses[CLOSE_RELAY] == closes
    assert hass.states.get(NORTH_GATE).state == "open"


@pytest.fixture
async def slow_compound(
    hass: HomeAssistant, gateway: Gateway, request: pytest.FixtureRequest
) -> AsyncGenerator[MockConfigEntry]:
    """The compound with its module polled at the interval the test is parametrized with."""
    entry = wired_compound(gateway.port, poll_interval=request.param)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()  # first reads
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("slow_compound", [1, 3], indirect=True)
async def test_a_frozen_module_is_unavailable_within_two_polls(
    hass: HomeAssistant, slow_compound: MockConfigEntry, gateway: Gateway
) -> None:
    interval = slow_compound.subentries["module1"].data["poll_interval"]
    coordinator = north_gate(slow_compound).module.coordinator
    await wait_for_state(hass, NORTH_GATE, "closed")
    # The worst moment: the module freezes just after answering a poll. It keeps its
    # connection open and reads every request, but never answers again.
    polled: list[float] = []
    stop = coordinator.async_add_listener(lambda: polled.append(time.monotonic()))
    await wait_until(lambda: bool(polled), within=interval + 1)
    gateway.fault = Fault.NO_ANSWER
    frozen = time.monotonic()
    stop()
    await wait_for_state(hass, NORTH_GATE, STATE_UNAVAILABLE, within=3 * interval)
    assert time.monotonic() - frozen <= 2 * interval
    gateway.fault = Fault.NONE
    await wait_for_state(hass, NORTH_GATE, "closed", within=3 * interval)


async def test_a_mode_change_shows_on_the_gate_at_once(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway
) -> None:
    await wait_for_state(hass, NORTH_GATE, "closed")
    await _set_mode(compound, CompoundMode.EVACUATION)
    assert hass.states.get(NORTH_GATE).state == "opening"  # read right after the pulse
    await wait_for_state(hass, NORTH_GATE, "open")
    await _set_mode(compound, CompoundMode.LOCKDOWN)
    assert hass.states.get(NORTH_GATE).state == "closing"


async def test_a_lockdown_releases_an_open_relay_that_another_controller_holds(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway, logs: pytest.LogCaptureFixture
) -> None:
    held = "The open relay of North gate was held on by another controller; released it to keep the gate shut in lockdown mode"

    async def hold_open_relay() -> None:
        # A technician's test tool holds the barrier's open contact: its controller keeps the arm up.
        await gateway.async_command("set_relay", {"relay": OPEN_RELAY, "value": True})

    await hold_open_relay()
    await wait_for_state(hass, NORTH_GATE, "open")
    logs.clear()
    await _set_mode(compound, CompoundMode.LOCKDOWN)
    assert gateway.modules[1].coils[OPEN_RELAY] is False
    await wait_for_state(hass, NORTH_GATE, "closed")

    await hold_open_relay()  # again, in the lockdown: released once the relays are read back
    await wait_for_state(hass, NORTH_GATE, lambda _: not gateway.modules[1].coils[OPEN_RELAY])
    await wait_for_state(hass, NORTH_GATE, "closed")
    assert ours(logs) == [
        (logging.INFO, "Compound Longdengli switched from normal to lockdown mode"),
        (logging.WARNING, held),
    ]


async def test_a_compound_loads_while_its_silent_module_is_still_being_read(
    hass: HomeAssistant, gateway: Gateway
) -> None:
    """Nothing waits on a module during setup: one that accepts and never answers holds nothing up."""
    gateway.fault = Fault.NO_ANSWER
    entry = wired_compound(gateway.port, poll_interval=2)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    # Loaded, with the module's first read asked and not answered: its gate is unavailable.
    # (Waiting for it would have taken the request's whole timeout, and counted a failure.)
    assert entry.state is ConfigEntryState.LOADED
    coordinator = north_gate(entry).module.coordinator
    assert coordinator.data is None
    assert coordinator.failures == 0
    assert hass.states.get(NORTH_GATE).state == STATE_UNAVAILABLE
    await wait_until(lambda: gateway.requests > 0)
    # The module answers at last: the gate shows where it is, with no reload.
    gateway.fault = Fault.NONE
    await wait_for_state(hass, NORTH_GATE, "closed")
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(entry.entry_id)
