"""Tests of access terminals in Home Assistant: flows, reauth, entities, mode policy, diagnostics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
import logging
from typing import Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
)
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import Context, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.translation import async_load_integrations
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.hanyang_compound.const import (
    CONF_FEVER_THRESHOLD,
    CONF_SHARE_RESIDENT_IDENTITY,
    DOMAIN,
    EVENT_SCREENING_ALERT,
)
from custom_components.hanyang_compound.devices.isapi.monitor import LinkState
from custom_components.hanyang_compound.diagnostics import async_get_config_entry_diagnostics
from custom_components.hanyang_compound.logbook import async_describe_events
from custom_components.hanyang_compound.modes import CompoundMode, EntranceAction
from simulator.devices.access_terminal import AccessTerminal as SimulatedTerminal
from tests.terminal_sim import PASSWORD, start_terminal, terminal_input, wait_until

from .conftest import make_compound_entry
from .terminal_fixtures import (  # noqa: F401 - fixtures
    SUBENTRY_TYPE,
    add_terminal,
    east_terminal,
    entity_id,
    fast_links,
    north_terminal,
    running_terminal,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")
NEW_PASSWORD = "n3w-pass"  # noqa: S105 - a test password


# ----- the subentry flow -------------------------------------------------------------------


async def test_adding_a_terminal_reads_its_identity_and_creates_its_device(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, east: SimulatedTerminal
) -> None:
    device = await add_terminal(
        hass, loaded_compound, east, name="  East   pedestrian gate ", area=" East  entrance"
    )

    (subentry,) = loaded_compound.subentries.values()
    assert subentry.title == "East pedestrian gate"
    assert subentry.data["serial_number"] == "DS-EAST-0001"
    assert subentry.data["model"] == "DS-K1T671TM-3XF"
    assert subentry.data["port"] == east.port
    event_entry = er.async_get(hass).async_get(entity_id(hass, device, Platform.EVENT, "access"))
    assert event_entry is not None
    assert event_entry.device_id is not None
    registered = dr.async_get(hass).async_get(event_entry.device_id)
    assert registered is not None
    assert (DOMAIN, "DS-EAST-0001") in registered.identifiers
    assert registered.serial_number == "DS-EAST-0001"
    assert subentry.data["area"] == "East entrance"
    assert registered.area_id is not None
    area = ar.async_get(hass).async_get_area(registered.area_id)
    assert area is not None
    assert area.name == "East entrance"
    assert device.link_state is LinkState.STREAMING
    assert east.door_states[1] == "normal"


async def test_the_flow_reports_each_problem_and_recovers(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    east: SimulatedTerminal,
    unused_tcp_port: int,
) -> None:
    flows = hass.config_entries.subentries
    result = await flows.async_init(
        (loaded_compound.entry_id, SUBENTRY_TYPE), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    for changes, errors in (
        ({"name": " "}, {"name": "entrance_name_empty"}),
        ({"port": unused_tcp_port}, {"base": "cannot_connect"}),
        ({"password": "wrong"}, {"base": "invalid_auth"}),
    ):
        result = await flows.async_configure(result["flow_id"], terminal_input(east, **changes))
        assert result["errors"] == errors
    east.serial = ""  # answers, but not like an access terminal
    result = await flows.async_configure(result["flow_id"], terminal_input(east))
    assert result["errors"] == {"base": "not_supported"}

    east.serial = "DS-EAST-0001"
    result = await flows.async_configure(result["flow_id"], terminal_input(east))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_a_terminal_belongs_to_one_compound_only(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, east: SimulatedTerminal
) -> None:
    await add_terminal(hass, loaded_compound, east)
    other = make_compound_entry("Yuehu")
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)

    for entry in (loaded_compound, other):
        result = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_TYPE), context={"source": SOURCE_USER}
        )
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], terminal_input(east, name="Another name")
        )
        assert result["errors"] == {"base": "terminal_already_configured"}


async def test_reconfigure_follows_a_terminal_to_a_new_address_but_not_to_another_terminal(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    east: SimulatedTerminal,
    north: SimulatedTerminal,
) -> None:
    await add_terminal(hass, loaded_compound, east)
    (subentry,) = loaded_compound.subentries.values()
    moved = await start_terminal(device_id="east", serial=east.serial)  # DHCP gave it a new port
    flows = hass.config_entries.subentries

    result = await flows.async_init(
        (loaded_compound.entry_id, SUBENTRY_TYPE),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry.subentry_id},
    )
    assert result["data_schema"]({})["port"] == east.port
    result = await flows.async_configure(result["flow_id"], terminal_input(north))
    assert result["errors"] == {"base": "another_terminal"}
    result = await flows.async_configure(
        result["flow_id"], terminal_input(moved, kept_open_in_lockdown=True)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    device = await running_terminal(hass, loaded_compound, moved)
    assert device.kept_open_in_lockdown
    assert moved.status()["subscribed"]
    await moved.async_stop()


# ----- reauth ------------------------------------------------------------------------------


async def test_a_refused_password_asks_for_new_credentials_once_without_retrying(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    east: SimulatedTerminal,
    caplog: pytest.LogCaptureFixture,
) -> None:
    device = await add_terminal(hass, loaded_compound, east)
    button = entity_id(hass, device, Platform.BUTTON, "open_door")

    await east.async_command("set_password", {"password": NEW_PASSWORD})
    await east.async_command("drop", {})
    await wait_until(lambda: device.link_state is LinkState.AUTH_FAILED)
    await hass.async_block_till_done()

    [flow] = [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["context"]["source"] == SOURCE_REAUTH
    ]
    assert flow["step_id"] == "reauth_confirm"
    assert hass.states.get(button).state == STATE_UNAVAILABLE
    failed_logins = east.failed_logins
    assert failed_logins <= 2  # the attempt and one re-authentication, then silence
    with pytest.raises(HomeAssistantError) as refused:
        await device.compound.async_command_entrance(device, EntranceAction.OPEN, context=None)
    assert refused.value.translation_key == "terminal_auth_failed"
    assert east.failed_logins == failed_logins
    assert [r.levelno for r in caplog.records if "refused its user name" in r.getMessage()] == [
        logging.ERROR
    ]

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"username": "admin", "password": "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"username": "admin", "password": NEW_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()

    (subentry,) = loaded_compound.subentries.values()
    assert subentry.data["password"] == NEW_PASSWORD
    device = await running_terminal(hass, loaded_compound, east)
    assert device.link_state is LinkState.STREAMING


async def test_reauth_for_a_removed_terminal_or_another_device_is_refused(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, east: SimulatedTerminal
) -> None:
    await add_terminal(hass, loaded_compound, east)
    (subentry,) = loaded_compound.subentries.values()

    result = await loaded_compound.start_reauth_flow(hass, data={"subentry_id": "gone"})
    assert result["reason"] == "reauth_device_gone"

    result = await loaded_compound.start_reauth_flow(
        hass, data={"subentry_id": subentry.subentry_id}
    )
    assert result["description_placeholders"]["terminal"] == "East pedestrian gate"
    # The address now answers as another terminal: its password must not be saved here.
    east.serial = "DS-OTHER-0003"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": "admin", "password": PASSWORD}
    )
    assert result["errors"] == {"base": "another_terminal"}
    await hass.async_block_till_done()


# ----- events, alerts, counters ------------------------------------------------------------


async def test_screenings_become_events_alerts_and_counts_without_identities_by_default(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, east: SimulatedTerminal
) -> None:
    device = await add_terminal(hass, loaded_compound, east)
    event = entity_id(hass, device, Platform.EVENT, "access")
    fever = entity_id(hass, device, Platform.BINARY_SENSOR, "fever_alert")
    no_mask = entity_id(hass, device, Platform.BINARY_SENSOR, "no_mask_alert")
    passes = entity_id(hass, device, Platform.SENSOR, "passes_today")
    fevers = entity_id(hass, device, Platform.SENSOR, "fever_today")
    masks = entity_id(hass, device, Platform.SENSOR, "no_mask_today")
    assert hass.states.get(fever).state == STATE_OFF

    await east.async_command("pass", {"temperature": 36.5, "mask": True, "name": "张伟"})
    await wait_until(
        lambda: hass.states.get(event).attributes.get("event_type") == "access_granted"
    )
    await east.async_command("pass", {"temperature": 37.9, "unit": "fahrenheit", "mask": True})
    await wait_until(lambda: hass.states.get(fever).state == STATE_ON)

    attributes = hass.states.get(event).attributes
    assert attributes["event_type"] == "fever_detected"
    assert attributes["temperature"] == 37.89
    assert attributes["mask"] is True
    assert attributes["verify_mode"] == "face"
    assert attributes["door"] == 1
    assert attributes["backfilled"] is False
    assert "name_of_person" not in attributes
    assert "employee_no" not in attributes

    await east.async_command("pass", {"temperature": 36.4, "mask": False})
    await wait_until(lambda: hass.states.get(no_mask).state == STATE_ON)
    assert hass.states.get(event).attributes["event_type"] == "no_mask"
    assert [hass.states.get(s).state for s in (passes, fevers, masks)] == ["2", "1", "1"]

    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done()
    assert hass.states.get(fever).state == STATE_OFF
    assert hass.states.get(no_mask).state == STATE_OFF

    device._reset_counts(dt_util.now())
    await hass.async_block_till_done()
    assert hass.states.get(passes).state == "0"


async def test_identities_and_the_compound_threshold_follow_the_options(
    hass: HomeAssistant, east: SimulatedTerminal
) -> None:
    entry = make_compound_entry(
        options={CONF_SHARE_RESIDENT_IDENTITY: True, CONF_FEVER_THRESHOLD: 38.0}
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    device = await add_terminal(hass, entry, east)
    event = entity_id(hass, device, Platform.EVENT, "access")

    await east.async_command(
        "pass", {"temperature": 37.6, "mask": True, "name": "王芳", "employee_no": "1002"}
    )
    await wait_until(lambda: hass.states.get(event).attributes.get("serial_no") == 21)

    attributes = hass.states.get(event).attributes
    assert attributes["event_type"] == "access_denied"  # the terminal's own 37.3 refused entry
    assert attributes["name_of_person"] == "王芳"
    assert attributes["employee_no"] == "1002"


async def test_open_door_goes_through_the_compound_and_reports_back(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, east: SimulatedTerminal
) -> None:
    device = await add_terminal(hass, loaded_compound, east)
    event = entity_id(hass, device, Platform.EVENT, "access")

    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": entity_id(hass, device, Platform.BUTTON, "open_door")},
        blocking=True,
    )
    await wait_until(
        lambda: hass.states.get(event).attributes.get("event_type") == "door_opened_remotely"
    )
    assert (1, "open") in east.door_commands


# ----- mode policy -------------------------------------------------------------------------


async def test_modes_hold_doors_and_refuse_opening_in_lockdown(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    east: SimulatedTerminal,
    north: SimulatedTerminal,
) -> None:
    compound = loaded_compound.runtime_data
    east_device = await add_terminal(hass, loaded_compound, east)
    compound = loaded_compound.runtime_data
    north_device = await add_terminal(hass, loaded_compound, north, kept_open_in_lockdown=True)
    compound = loaded_compound.runtime_data
    east_device = await running_terminal(hass, loaded_compound, east)
    east_button = entity_id(hass, east_device, Platform.BUTTON, "open_door")
    north_button = entity_id(hass, north_device, Platform.BUTTON, "open_door")

    await compound.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    assert (east.door_states[1], north.door_states[1]) == ("always_closed", "normal")
    with pytest.raises(HomeAssistantError) as refused:
        await hass.services.async_call("button", "press", {"entity_id": east_button}, blocking=True)
    assert refused.value.translation_key == "refused_lockdown"
    await hass.services.async_call("button", "press", {"entity_id": north_button}, blocking=True)
    assert (1, "open") in north.door_commands
    assert (1, "open") not in east.door_commands

    await compound.async_set_mode(CompoundMode.EVACUATION, context=None)
    assert (east.door_states[1], north.door_states[1]) == ("always_open", "always_open")

    await compound.async_set_mode(CompoundMode.NORMAL, context=None)
    assert (east.door_states[1], north.door_states[1]) == ("normal", "normal")


async def test_lockdown_and_events_survive_a_reboot_and_a_restart(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, east: SimulatedTerminal
) -> None:
    device = await add_terminal(hass, loaded_compound, east)
    await loaded_compound.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    assert east.door_states[1] == "always_closed"

    await east.async_command("reboot", {"downtime": 0.3})  # a rebooted terminal forgets held doors
    await wait_until(lambda: east.down)
    assert east.door_states[1] == "normal"
    await wait_until(lambda: east.door_states[1] == "always_closed")
    assert device.monitor is not None
    assert device.monitor.stats.reconnects >= 1

    await hass.config_entries.async_unload(loaded_compound.entry_id)
    east.door_states[1] = "normal"
    await east.async_command("pass", {"count": 2})  # while Home Assistant is down
    assert await hass.config_entries.async_setup(loaded_compound.entry_id)
    await wait_until(lambda: east.door_states[1] == "always_closed")
    restarted = await running_terminal(hass, loaded_compound, east)
    assert restarted.monitor is not None
    assert restarted.monitor.stats.backfilled_events == 2  # from the last event seen before
    assert restarted.monitor.stats.last_serial == 22


async def test_screening_alerts_at_entrances_in_use_in_controlled_and_lockdown(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    east: SimulatedTerminal,
) -> None:
    device = await add_terminal(hass, loaded_compound, east, kept_open_in_lockdown=True)
    alerts = async_capture_events(hass, EVENT_SCREENING_ALERT)
    compound = loaded_compound.runtime_data

    await east.async_command("pass", {"temperature": 38.1})
    await wait_until(lambda: device.counts.fever == 1)
    await compound.async_set_mode(CompoundMode.CONTROLLED, context=None)
    await east.async_command("pass", {"temperature": 38.2, "mask": True})
    await wait_until(lambda: device.counts.fever == 2)
    await compound.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    await east.async_command("pass", {"temperature": 36.6, "mask": False})
    await wait_until(lambda: len(alerts) == 2)

    assert [(e.data["alert"], e.data["mode"], e.data["temperature"]) for e in alerts] == [
        ("fever_detected", "controlled", 38.2),
        ("no_mask", "lockdown", 36.6),
    ]
    assert alerts[0].data["entrance"] == "East pedestrian gate"
    assert alerts[0].data["compound"] == "Longdengli"

    await hass.config.async_update(language="zh-Hans")
    await async_load_integrations(hass, {DOMAIN})
    describers: dict[str, Callable[[Event], dict[str, Any]]] = {}
    async_describe_events(
        hass, lambda _domain, event_type, describe: describers.update({event_type: describe})
    )
    assert [describers[EVENT_SCREENING_ALERT](alert) for alert in alerts] == [
        {"name": "East pedestrian gate", "message": "体温异常 (38.2 °C)"},
        {"name": "East pedestrian gate", "message": "未戴口罩 (36.6 °C)"},
    ]


# ----- availability and diagnostics ---------------------------------------------------------


async def test_a_lost_terminal_is_unavailable_logged_once_and_loses_no_event(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    east: SimulatedTerminal,
    caplog: pytest.LogCaptureFixture,
) -> None:
    device = await add_terminal(hass, loaded_compound, east)
    event = entity_id(hass, device, Platform.EVENT, "access")
    serials: list[int] = []

    @callback
    def record(changed: Event[EventStateChangedData]) -> None:
        # Becoming available again shows the last event once more; that is not a new event.
        old_state, new_state = changed.data["old_state"], changed.data["new_state"]
        if old_state is None or old_state.state == STATE_UNAVAILABLE or new_state is None:
            return
        if "serial_no" in new_state.attributes:
            serials.append(new_state.attributes["serial_no"])

    async_track_state_change_event(hass, event, record)

    await east.async_command("pass", {"count": 2})
    await east.async_command("reboot", {"downtime": 0.5})
    await wait_until(lambda: hass.states.get(event).state == STATE_UNAVAILABLE)
    await east.async_command("pass", {"count": 3})
    await wait_until(lambda: len(serials) == 5)

    assert serials == [21, 22, 23, 24, 25]
    assert hass.states.get(event).attributes["backfilled"] is True
    lost = [r for r in caplog.records if "Lost the access terminal" in r.getMessage()]
    back = [r for r in caplog.records if "is back" in r.getMessage()]
    assert (len(lost), len(back)) == (1, 1)


async def test_diagnostics_show_the_link_and_redact_credentials(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, east: SimulatedTerminal
) -> None:
    device = await add_terminal(hass, loaded_compound, east)
    await east.async_command("pass", {})
    await wait_until(lambda: device.counts.passes + device.counts.fever == 1)

    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_compound)

    (subentry,) = diagnostics["subentries"]
    for key in ("host", "username", "password", "serial_number"):
        assert subentry["data"][key] == "**REDACTED**"
    link = diagnostics["devices"][device.subentry.subentry_id]["link"]
    assert link["state"] == "streaming"
    assert link["last_serial"] == 21
    assert PASSWORD not in repr(diagnostics)
    assert east.serial not in repr(diagnostics)


async def test_an_administrator_override_opens_a_terminal_shut_by_lockdown(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    east: SimulatedTerminal,
    hass_admin_user: Any,
) -> None:
    device = await add_terminal(hass, loaded_compound, east)
    await loaded_compound.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    overrides = async_capture_events(hass, "hanyang_compound_entrance_override")

    await hass.services.async_call(
        DOMAIN,
        "override_gate",
        {
            "entity_id": entity_id(hass, device, Platform.BUTTON, "open_door"),
            "reason": "Ambulance crew",
        },
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )

    assert (1, "open") in east.door_commands
    assert [(e.data["entrance"], e.data["reason"]) for e in overrides] == [
        ("East pedestrian gate", "Ambulance crew")
    ]
