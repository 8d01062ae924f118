"""Tests that every access event reaches the event entity once, as its own state change.

Across Home Assistant restarts, entry reloads and the start-up order (devices start before
their platforms), with real state-trigger automations, and without polling or needless writes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from homeassistant import loader
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    async_test_home_assistant,
)

from custom_components.hanyang_compound import terminal as terminal_module
from custom_components.hanyang_compound.const import DOMAIN
from custom_components.hanyang_compound.terminal import AccessTerminal
from custom_components.hanyang_compound.terminal_screening import TerminalFigure
from simulator.devices.access_terminal import AccessTerminal as SimulatedTerminal
from tests.terminal_sim import FAST, stored_terminal_data, wait_until

from .conftest import COMPOUND_NAME, make_compound_entry
from .terminal_fixtures import (  # noqa: F401 - fixtures
    HISTORY,
    SUBENTRY_TYPE,
    east_terminal,
    entity_id,
    fast_links,
    streaming,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")
SUBENTRY_ID = "east-terminal"


def terminal_subentry(sim: SimulatedTerminal, **changes: Any) -> ConfigSubentryData:
    """The terminal's subentry as the flow stores it, with a fixed id (kept across restarts)."""
    return ConfigSubentryData(
        data=stored_terminal_data(sim, **changes),
        subentry_type=SUBENTRY_TYPE,
        title="East pedestrian gate",
        unique_id=sim.serial,
        subentry_id=SUBENTRY_ID,
    )


def compound_with(sim: SimulatedTerminal, entry_id: str | None = None) -> MockConfigEntry:
    """The Longdengli compound with the simulated terminal, as stored (same ids after a restart)."""
    entry = make_compound_entry(subentries_data=(terminal_subentry(sim),))
    if entry_id is None:
        return entry
    return MockConfigEntry(
        domain=DOMAIN,
        title=COMPOUND_NAME,
        unique_id=entry.unique_id,
        data=dict(entry.data),
        entry_id=entry_id,
        subentries_data=(terminal_subentry(sim),),
    )


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> AccessTerminal:
    """Set the compound up and return its terminal (its link may still be connecting)."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    device = entry.runtime_data.devices[SUBENTRY_ID]
    assert isinstance(device, AccessTerminal)
    return device


async def streaming_compound(hass: HomeAssistant, sim: SimulatedTerminal) -> AccessTerminal:
    """Set up the compound with the simulated terminal; return the terminal once it streams."""
    device = await set_up(hass, compound_with(sim))
    await streaming(device)
    return device


def follow_shown(hass: HomeAssistant, entity_id: str, shown: list[int]) -> None:
    """Append the serial number of every event the entity shows as a state change of its own.

    Only state changes count, as for a state trigger with not_to; becoming available again
    shows the last event once more, which is not a new one.
    """

    @callback
    def record(changed: Event[EventStateChangedData]) -> None:
        old, new = changed.data["old_state"], changed.data["new_state"]
        if new is None or new.state == STATE_UNAVAILABLE or "serial_no" not in new.attributes:
            return
        if old is not None and old.state in (new.state, STATE_UNAVAILABLE):
            return
        shown.append(new.attributes["serial_no"])

    async_track_state_change_event(hass, entity_id, record)


@asynccontextmanager
async def residents_passing(sim: SimulatedTerminal) -> AsyncIterator[Callable[[], None]]:
    """Keep residents passing the terminal, one every 20 ms, until stopped or the block ends."""

    async def keep_passing() -> None:
        while True:
            await sim.async_command("pass", {})
            await asyncio.sleep(0.02)

    task = asyncio.get_running_loop().create_task(keep_passing())
    try:
        yield task.cancel
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def last_recorded(sim: SimulatedTerminal) -> int:
    return int(sim.journal[-1]["serialNo"])


# ----- item: every event reaches the entity once, whatever the order of start-up -------------


async def test_events_recorded_while_home_assistant_restarts_are_shown_once(
    hass: HomeAssistant, east: SimulatedTerminal
) -> None:
    device = await streaming_compound(hass, east)
    entry = device.compound.entry
    access = entity_id(hass, device, Platform.EVENT, "access")
    shown: list[int] = []
    follow_shown(hass, access, shown)
    await east.async_command("pass", {"count": 3})
    await wait_until(lambda: len(shown) == 3)

    async with residents_passing(east) as stop_residents:
        await asyncio.sleep(0.2)
        await hass.async_stop()  # a real stop: no unload, then the stores' final write
        stopped_at = last_recorded(east)
        await asyncio.sleep(0.3)  # the terminal keeps recording while Home Assistant is down
        async with async_test_home_assistant(config_dir=hass.config.config_dir) as restarted:
            restarted.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)  # allow custom integrations
            again = compound_with(east, entry_id=entry.entry_id)
            try:
                device = await set_up(restarted, again)
                follow_shown(restarted, access, shown)
                await asyncio.sleep(0.3)
                stop_residents()
                await wait_until(lambda: shown[-1] == last_recorded(east))
            finally:
                await restarted.config_entries.async_unload(again.entry_id)
                await restarted.async_stop(force=True)

    assert last_recorded(east) - stopped_at >= 5  # the restart really was mid-stream
    assert device.monitor is not None
    assert device.monitor.stats.backfilled_events >= 5
    assert shown == list(range(HISTORY + 1, last_recorded(east) + 1))


async def test_a_reload_in_the_middle_of_a_stream_loses_and_repeats_nothing(
    hass: HomeAssistant, east: SimulatedTerminal
) -> None:
    device = await streaming_compound(hass, east)
    entry = device.compound.entry
    shown: list[int] = []
    follow_shown(hass, entity_id(hass, device, Platform.EVENT, "access"), shown)

    async with residents_passing(east):
        await asyncio.sleep(0.2)
        for _ in range(2):
            assert await hass.config_entries.async_reload(entry.entry_id)
            await asyncio.sleep(0.2)
    await wait_until(lambda: bool(shown) and shown[-1] == last_recorded(east))

    assert shown == list(range(HISTORY + 1, last_recorded(east) + 1))


async def test_setup_does_not_wait_for_an_unreachable_terminal(
    hass: HomeAssistant, east: SimulatedTerminal, unused_tcp_port: int
) -> None:
    entry = make_compound_entry(subentries_data=(terminal_subentry(east, port=unused_tcp_port),))
    entry.add_to_hass(hass)

    async with asyncio.timeout(5):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()

    device = entry.runtime_data.devices[SUBENTRY_ID]
    assert isinstance(device, AccessTerminal)
    access = hass.states.get(entity_id(hass, device, Platform.EVENT, "access"))
    assert access is not None
    assert access.state == STATE_UNAVAILABLE


async def test_with_the_event_entity_disabled_screenings_are_still_counted(
    hass: HomeAssistant, east: SimulatedTerminal
) -> None:
    device = await streaming_compound(hass, east)
    entry = device.compound.entry
    access = entity_id(hass, device, Platform.EVENT, "access")
    er.async_get(hass).async_update_entity(access, disabled_by=er.RegistryEntryDisabler.USER)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    device = entry.runtime_data.devices[SUBENTRY_ID]
    assert isinstance(device, AccessTerminal)
    await streaming(device)

    await east.async_command("pass", {"count": 2, "temperature": 36.5, "mask": True})
    await wait_until(lambda: device.counts.passes == 2)

    assert hass.states.get(access) is None
    assert device.monitor is not None
    assert device.monitor.stats.last_serial == HISTORY + 2


# ----- item: each event is its own state change -------------------------------------------


async def test_every_screening_fires_a_state_trigger_also_after_a_backfill(
    hass: HomeAssistant, east: SimulatedTerminal
) -> None:
    access = entity_id(hass, await streaming_compound(hass, east), Platform.EVENT, "access")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "every screening",
                "triggers": [
                    {"trigger": "state", "entity_id": access, "not_to": ["unavailable", "unknown"]}
                ],
                "actions": [
                    {
                        "event": "screened",
                        "event_data": {"serial_no": "{{ trigger.to_state.attributes.serial_no }}"},
                    }
                ],
            }
        },
    )
    screened = async_capture_events(hass, "screened")

    # Recorded but not pushed (a firmware glitch): the next live event brings them along from
    # the history search, a page of events delivered at once.
    for _ in range(29):
        east._record(east._resident_record(temperature=36.4, mask=True))
    await east.async_command("pass", {"temperature": 36.5, "mask": True})
    await wait_until(lambda: hass.states.get(access).attributes.get("serial_no") == HISTORY + 30)
    await hass.async_block_till_done()

    assert [int(event.data["serial_no"]) for event in screened] == list(
        range(HISTORY + 1, HISTORY + 31)
    )
    assert hass.states.get(access).attributes["backfilled"] is False


# ----- item: push entities are not polled and write only when they change --------------------


async def test_terminal_entities_are_not_polled_and_only_changed_ones_are_written(
    hass: HomeAssistant, east: SimulatedTerminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Moving Home Assistant's clock past the polling interval also fires the loop's timers due
    # by then: the stream's heartbeat watchdog must not be one of them.
    monkeypatch.setattr(terminal_module, "TIMING", replace(FAST, heartbeat_timeout=300))
    device = await streaming_compound(hass, east)
    entities = {
        key: entity_id(hass, device, platform, key)
        for platform, key in (
            (Platform.EVENT, "access"),
            (Platform.BUTTON, "open_door"),
            (Platform.BINARY_SENSOR, "fever_alert"),
            (Platform.BINARY_SENSOR, "no_mask_alert"),
            (Platform.SENSOR, "passes_today"),
            (Platform.SENSOR, "fever_today"),
            (Platform.SENSOR, "no_mask_today"),
        )
    }

    def reported() -> dict[str, Any]:
        return {key: hass.states.get(entity).last_reported for key, entity in entities.items()}

    before = reported()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done()
    assert reported() == before  # nothing polled them

    await east.async_command("pass", {"temperature": 36.5, "mask": True})
    await wait_until(lambda: hass.states.get(entities["passes_today"]).state == "1")
    await hass.async_block_till_done()
    after = reported()

    assert {key for key in entities if after[key] != before[key]} == {"access", "passes_today"}


async def test_an_access_event_reaches_only_the_listeners_of_what_it_changed(
    hass: HomeAssistant, east: SimulatedTerminal
) -> None:
    device = await streaming_compound(hass, east)
    heard: dict[str, int] = {}

    def counter(name: str) -> Callable[[], None]:
        heard[name] = 0

        def listener() -> None:
            heard[name] += 1

        return listener

    device.async_add_availability_listener(counter("availability"))
    for figure in TerminalFigure:
        device.async_subscribe(counter(figure), figure)
    access = entity_id(hass, device, Platform.EVENT, "access")

    async def screened(serial: int, **arguments: Any) -> None:
        await east.async_command("pass", arguments)
        await wait_until(lambda: hass.states.get(access).attributes.get("serial_no") == serial)

    await screened(HISTORY + 1, temperature=36.5, mask=True)
    assert heard == {"availability": 0} | dict.fromkeys(TerminalFigure, 0) | {"passes": 1}

    await screened(HISTORY + 2, temperature=38.5, mask=False)  # refused: fever, no mask
    assert heard["availability"] == 0
    assert heard["passes"] == 1
    assert {figure: heard[figure] for figure in TerminalFigure if figure != "passes"} == {
        "fever": 1,
        "no_mask": 1,
        "fever_alert": 1,
        "no_mask_alert": 1,
        "malformed_parts": 0,
    }

    # A malformed part counts no event: the next event shows it on the diagnostic sensor.
    await east.async_command("malformed", {"kinds": ["temperature_not_number"]})
    await screened(HISTORY + 3, temperature=36.5, mask=True)
    assert heard["malformed_parts"] == 1
    assert heard["availability"] == 0

    east_link_lost = heard["availability"]
    await east.async_command("drop", {})
    await wait_until(lambda: heard["availability"] > east_link_lost)
