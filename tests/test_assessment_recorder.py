"""Tests of the assessment recorder: events and devices in, sensors and stored daily aggregates out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import MagicMock
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.assessment import Indicator, standard_option
from custom_components.hanyang_compound.assessment_store import AssessmentRecorder
from custom_components.hanyang_compound.bthome_sensor import BTHomeSensorDevice
from custom_components.hanyang_compound.compound import Compound
from custom_components.hanyang_compound.const import (
    ATTR_CONFIG_ENTRY_ID,
    CONF_PROPERTY_COMPANY,
    DOMAIN,
    EVENT_PATROL,
    EVENT_SCREENING_ALERT,
    BTHomeRole,
)
from custom_components.hanyang_compound.notification_actions import EVENT_NOTIFICATION_ACTION

from .conftest import Mover, make_compound_entry

NOON = datetime(2026, 11, 3, 12, tzinfo=ZoneInfo("Asia/Shanghai"))


def _state(hass: HomeAssistant, entry: MockConfigEntry, indicator: Indicator) -> Any:
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.entry_id}_assessment_{indicator}"
    )
    assert entity_id is not None
    return hass.states.get(entity_id)


def _patrol(hass: HomeAssistant, entry: MockConfigEntry, kind: str, slot: datetime) -> None:
    hass.bus.async_fire(
        EVENT_PATROL,
        {
            ATTR_CONFIG_ENTRY_ID: entry.entry_id,
            "type": kind,
            "route": "Night route",
            "route_id": "route-1",
            "round": dt_util.as_local(slot).isoformat(),
        },
    )


@pytest.fixture
async def compound_at_noon(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MockConfigEntry:
    """Longdengli, set up at noon, with a terminal and a route whose settings keep them from starting."""
    await hass.config.async_set_time_zone("Asia/Shanghai")
    freezer.move_to(NOON)
    entry = make_compound_entry(
        subentries_data=(
            ConfigSubentryData(
                data={"name": "North gate"},
                subentry_type="access_terminal",
                title="North gate",
                unique_id="north",
            ),
            ConfigSubentryData(
                data={}, subentry_type="patrol_route", title="Night route", unique_id="night"
            ),
        )
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_sensors_show_patrol_and_alert_indicators(
    hass: HomeAssistant, compound_at_noon: MockConfigEntry, move_to: Mover
) -> None:
    """Patrol events and a phone's acknowledgement move today's sensors, with their standards."""
    entry = compound_at_noon
    # Nothing a compound of a terminal and a route cannot measure gets a sensor.
    assert not er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.entry_id}_assessment_{Indicator.SHED_OVERHEAT}"
    )
    state = _state(hass, entry, Indicator.PATROL_ROUNDS)
    assert state.state == "0.0"
    assert state.attributes["state_class"] == "measurement"
    assert state.attributes["standard"] == 4
    assert state.attributes["met"] is False
    for hour in (6, 8, 10, 11):
        _patrol(hass, entry, "started", NOON.replace(hour=hour))
        _patrol(hass, entry, "completed", NOON.replace(hour=hour))
    _patrol(hass, entry, "missed", NOON.replace(hour=12))
    # Another compound's events are not ours.
    hass.bus.async_fire(
        EVENT_PATROL, {ATTR_CONFIG_ENTRY_ID: "other", "type": "completed", "round": "x"}
    )
    _patrol(hass, entry, "completed", NOON.replace(hour=1))
    hass.bus.async_fire(EVENT_PATROL, {ATTR_CONFIG_ENTRY_ID: entry.entry_id, "round": "no time"})
    await hass.async_block_till_done()
    assert _state(hass, entry, Indicator.PATROL_ROUNDS).state == "5.0"
    on_time = _state(hass, entry, Indicator.PATROL_ON_TIME)
    assert (on_time.state, on_time.attributes["met"]) == ("80.0", False)

    hass.bus.async_fire(
        EVENT_SCREENING_ALERT, {ATTR_CONFIG_ENTRY_ID: entry.entry_id, "entrance": "North gate"}
    )
    await hass.async_block_till_done()
    assert _state(hass, entry, Indicator.ALERT_ACKNOWLEDGEMENT).attributes["met"] is False
    registry = er.async_get(hass)
    subentry_id = next(
        subentry.subentry_id
        for subentry in entry.subentries.values()
        if subentry.subentry_type == "access_terminal"
    )
    event_entity = registry.async_get_or_create(
        "event", DOMAIN, "north-access", config_entry=entry, config_subentry_id=subentry_id
    )
    stranger = registry.async_get_or_create("event", "other", "x")
    await move_to(NOON + timedelta(minutes=20))
    for action in (
        f"HANYANG_ACKNOWLEDGE_{stranger.entity_id}-1",
        "HANYANG_ACKNOWLEDGE_event.gone-1",
    ):
        hass.bus.async_fire(EVENT_NOTIFICATION_ACTION, {"action": action})
    hass.bus.async_fire(
        EVENT_NOTIFICATION_ACTION, {"action": f"HANYANG_ACKNOWLEDGE_{event_entity.entity_id}-77"}
    )
    await hass.async_block_till_done()
    acknowledgement = _state(hass, entry, Indicator.ALERT_ACKNOWLEDGEMENT)
    assert acknowledgement.state == "20.0"
    assert acknowledgement.attributes["unit_of_measurement"] == "min"
    assert (acknowledgement.attributes["standard"], acknowledgement.attributes["met"]) == (
        15,
        False,
    )


class FakeEntrance:
    """A gate that tells its availability, as gates and terminals do."""

    def __init__(self, name: str) -> None:
        """Start available."""
        self.entrance_name = name
        self.kept_open_in_lockdown = False
        self.available = True
        self.listeners: list[Callable[[], None]] = []

    async def async_perform(self, action: Any, *, override: bool = False) -> None:
        """Move nothing."""

    def async_add_availability_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Remember the listener."""
        self.listeners.append(listener)
        return lambda: None

    def set_available(self, available: bool) -> None:
        """Change the availability and tell the listeners."""
        self.available = available
        for listener in self.listeners:
            listener()


def _sensor(role: BTHomeRole, title: str) -> MagicMock:
    sensor = MagicMock(spec=BTHomeSensorDevice)
    sensor.role, sensor.title = role, title
    sensor.attention_reasons, sensor.overheating = [], False
    return sensor


async def test_device_outages_and_incidents(
    hass: HomeAssistant, compound_at_noon: MockConfigEntry, move_to: Mover
) -> None:
    """Entrance outages, manholes and sheds are followed through the devices' listeners."""
    compound: Compound = compound_at_noon.runtime_data
    gate = FakeEntrance("East gate")
    manhole = _sensor(BTHomeRole.MANHOLE, "Manhole 3")
    shed = _sensor(BTHomeRole.SHED_THERMOMETER, "Shed A")
    compound.devices.update({"gate": gate, "manhole": manhole, "shed": shed})  # type: ignore[dict-item]
    recorder = AssessmentRecorder(hass, compound)
    await recorder.async_start()
    recorder.async_follow_devices()
    gate.set_available(False)
    manhole.attention_reasons = ["open"]
    shed.overheating = True
    for sensor in (manhole, shed):
        sensor.async_add_listener.call_args[0][0]()
    await move_to(NOON + timedelta(hours=1))
    gate.set_available(True)
    manhole.attention_reasons = []
    shed.overheating = False
    for sensor in (manhole, shed):
        sensor.async_add_listener.call_args[0][0]()
    await move_to(NOON + timedelta(hours=5))
    gate.set_available(False)
    await move_to(NOON + timedelta(hours=6))
    figures = {figure.indicator: figure for figure in recorder.today()}
    assert figures[Indicator.ENTRANCE_AVAILABILITY].value == pytest.approx(66.67)
    assert figures[Indicator.MANHOLE_RESOLUTION].value == 60
    assert figures[Indicator.MANHOLE_RESOLUTION].met
    assert figures[Indicator.SHED_OVERHEAT].value == 60
    assert not figures[Indicator.SHED_OVERHEAT].met
    details = recorder.days()[NOON.date().isoformat()]["details"]
    assert ["outage", "East gate", "12:00", 60] in details
    assert ["shed_slow", "Shed A", "12:00", 60] in details
    await recorder.async_stop()
    assert ["outage", "East gate", "17:00", 60] in recorder.book.day(NOON)["details"]
    for fake in ("gate", "manhole", "shed"):
        del compound.devices[fake]


async def test_home_assistant_downtime_survives_in_the_store(
    hass: HomeAssistant,
    compound_at_noon: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Aggregates are stored; the hours Home Assistant was down are marked on their day."""
    entry = compound_at_noon
    _patrol(hass, entry, "completed", NOON.replace(hour=9))
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    stored = hass_storage[f"{DOMAIN}.assessment.{entry.entry_id}"]["data"]
    assert stored["days"][NOON.date().isoformat()]["rounds_completed"] == 1
    freezer.move_to(NOON + timedelta(hours=3))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    day = entry.runtime_data.assessment.days()[NOON.date().isoformat()]
    assert day["ha_down_seconds"] == 3 * 3600
    assert day["rounds_completed"] == 1
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert f"{DOMAIN}.assessment.{entry.entry_id}" not in hass_storage


async def test_options_tighten_standards_and_name_the_company(
    hass: HomeAssistant, compound_at_noon: MockConfigEntry
) -> None:
    """A stricter standard and the company are saved; a looser or no number is refused on the field."""
    entry = compound_at_noon
    result = await hass.config_entries.options.async_init(entry.entry_id)
    base = {"share_resident_identity": False, "fever_threshold": 37.3, "users_may_restrict": False}
    rounds, acknowledgement = (
        standard_option(Indicator.PATROL_ROUNDS),
        standard_option(Indicator.ALERT_ACKNOWLEDGEMENT),
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**base, "clear_mode_pin": False, rounds: 3, acknowledgement: float("nan")},
    )
    assert result["errors"] == {rounds: "number_out_of_range", acknowledgement: "number_invalid"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**base, "clear_mode_pin": False, CONF_PROPERTY_COMPANY: "x" * 101},
    )
    assert result["errors"] == {CONF_PROPERTY_COMPANY: "company_too_long"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            **base,
            "clear_mode_pin": False,
            rounds: 6,
            acknowledgement: "",
            CONF_PROPERTY_COMPANY: "  正阳物业 ",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {**base, rounds: 6, CONF_PROPERTY_COMPANY: "正阳物业"}
    await hass.async_block_till_done()
    assert _state(hass, entry, Indicator.PATROL_ROUNDS).attributes["standard"] == 6
