"""Tests of the Compound runtime: policy targets, the entrance command door, device life cycle."""

from __future__ import annotations

from functools import partial
import logging
from typing import Any
from unittest.mock import patch

from homeassistant.components.sensor import SensorEntity
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryData
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.hanyang_compound import DEVICE_FACTORIES, sensor
from custom_components.hanyang_compound.compound import Compound
from custom_components.hanyang_compound.const import EVENT_ENTRANCE_OVERRIDE
from custom_components.hanyang_compound.modes import CompoundMode, EntranceAction

from .conftest import make_compound_entry


class RecordingTarget:
    """A policy target that records the modes it was told to enforce, or fails to."""

    def __init__(self, name: str, *, failing: bool = False) -> None:
        self.policy_target_name = name
        self.failing = failing
        self.applied: list[CompoundMode] = []

    async def async_apply_mode(self, mode: CompoundMode) -> None:
        if self.failing:
            raise ConnectionError("module unreachable")
        self.applied.append(mode)


async def test_mode_changes_reach_every_target_even_when_one_fails(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    compound: Compound = loaded_compound.runtime_data
    north, broken, south = (
        RecordingTarget("North gate"),
        RecordingTarget("East gate", failing=True),
        RecordingTarget("South gate"),
    )
    for target in (north, broken, south):
        compound.async_register_policy_target(target)

    await compound.async_set_mode(CompoundMode.LOCKDOWN, context=None)

    assert north.applied == south.applied == [CompoundMode.LOCKDOWN]
    assert compound.mode is CompoundMode.LOCKDOWN
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "Could not apply lockdown mode to East gate yet; it will be applied when it is back"
    ]

    broken.failing = False
    await compound.async_reapply_policy(broken)
    assert broken.applied == [CompoundMode.LOCKDOWN]


async def test_setting_the_current_mode_reapplies_it_and_unregistered_targets_are_left_alone(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    compound: Compound = loaded_compound.runtime_data
    kept, dropped = RecordingTarget("North gate"), RecordingTarget("Old gate")
    compound.async_register_policy_target(kept)
    unregister = compound.async_register_policy_target(dropped)
    unregister()

    await compound.async_set_mode(CompoundMode.NORMAL, context=None)

    assert kept.applied == [CompoundMode.NORMAL]
    assert dropped.applied == []
    assert compound.summary.policy_targets == 1


class FakeEntrance:
    """An entrance that records what it was told to do."""

    def __init__(self, name: str, *, kept_open_in_lockdown: bool = False) -> None:
        self.entrance_name = name
        self.kept_open_in_lockdown = kept_open_in_lockdown
        self.performed: list[EntranceAction] = []

    async def async_perform(self, action: EntranceAction, *, override: bool = False) -> None:
        self.performed.append(action)


async def test_lockdown_refuses_to_open_a_shut_entrance_with_a_translated_reason(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    compound: Compound = loaded_compound.runtime_data
    east, north = FakeEntrance("East gate"), FakeEntrance("North gate", kept_open_in_lockdown=True)
    await compound.async_set_mode(CompoundMode.LOCKDOWN, context=None)

    with pytest.raises(HomeAssistantError) as error:
        await compound.async_command_entrance(east, EntranceAction.OPEN, context=None)
    assert error.value.translation_key == "refused_lockdown"
    assert error.value.translation_placeholders == {"entrance": "East gate"}
    assert str(error.value) == (
        "East gate stays closed: the compound is in lockdown. "
        "An administrator can override it for one opening"
    )
    await compound.async_command_entrance(east, EntranceAction.CLOSE, context=None)
    await compound.async_command_entrance(north, EntranceAction.OPEN, context=None)

    assert east.performed == [EntranceAction.CLOSE]
    assert north.performed == [EntranceAction.OPEN]


async def test_an_override_opens_a_shut_entrance_once_and_is_announced(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, hass_admin_user: Any
) -> None:
    compound: Compound = loaded_compound.runtime_data
    east = FakeEntrance("East gate")
    compound.devices["east"] = east  # as if started for the subentry "east"
    await compound.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    events = async_capture_events(hass, EVENT_ENTRANCE_OVERRIDE)

    await compound.async_command_entrance(
        east,
        EntranceAction.OPEN,
        context=Context(user_id=hass_admin_user.id),
        override_reason="Ambulance",
    )
    del compound.devices["east"]  # a stand-in: nothing to stop when the compound unloads

    assert east.performed == [EntranceAction.OPEN]
    assert [event.data for event in events] == [
        {
            "compound": "Longdengli",
            "config_entry_id": loaded_compound.entry_id,
            "entrance": "East gate",
            "subentry_id": "east",
            "reason": "Ambulance",
            "user": hass_admin_user.id,
        }
    ]


async def test_evacuation_refuses_closing_even_with_an_override(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    compound: Compound = loaded_compound.runtime_data
    east = FakeEntrance("East gate")
    await compound.async_set_mode(CompoundMode.EVACUATION, context=None)

    for action in (EntranceAction.CLOSE, EntranceAction.STOP):
        with pytest.raises(HomeAssistantError) as error:
            await compound.async_command_entrance(
                east, action, context=None, override_reason="Drill over"
            )
        assert error.value.translation_key == "refused_evacuation"
    await compound.async_command_entrance(east, EntranceAction.OPEN, context=None)
    assert east.performed == [EntranceAction.OPEN]


class FakeDevice:
    """A device that records its life cycle in a shared journal."""

    def __init__(self, journal: list[str], compound: Compound, subentry: ConfigSubentry) -> None:
        self.journal = journal
        self.title = subentry.title
        self.depends_on = [device.title for device in compound.devices.values()]  # type: ignore[attr-defined]

    async def async_start(self) -> None:
        self.journal.append(f"start {self.title}")

    async def async_stop(self) -> None:
        self.journal.append(f"stop {self.title}")

    def readiness_sensor(self) -> list[Entity]:
        sensor = SensorEntity()
        sensor._attr_unique_id = f"{self.title} readiness"
        sensor._attr_name = f"{self.title} readiness"
        return [sensor]


async def test_devices_start_in_kind_order_and_stop_in_reverse(hass: HomeAssistant) -> None:
    journal: list[str] = []
    entry = make_compound_entry(
        subentries_data=tuple(
            ConfigSubentryData(data={}, subentry_type=kind, title=title, unique_id=title)
            for kind, title in (("gate", "North gate"), ("module", "Module 1"), ("other", "Sign"))
        )
    )
    entry.add_to_hass(hass)
    factories = {
        "module": partial(FakeDevice, journal),
        "gate": partial(FakeDevice, journal),
    }
    with (
        patch.dict(DEVICE_FACTORIES, factories),
        patch.dict(sensor.ENTITY_BUILDERS, {FakeDevice: FakeDevice.readiness_sensor}),
    ):
        assert await hass.config_entries.async_setup(entry.entry_id)
        devices = list(entry.runtime_data.devices.values())
        assert [device.depends_on for device in devices] == [[], ["Module 1"]]
        readiness = {
            entity.unique_id: entity.config_subentry_id
            for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
            if entity.domain == "sensor"
        }
        subentry_ids = {
            subentry.title: subentry.subentry_id for subentry in entry.subentries.values()
        }
        assert readiness == {
            "Module 1 readiness": subentry_ids["Module 1"],
            "North gate readiness": subentry_ids["North gate"],
        }
        await hass.config_entries.async_unload(entry.entry_id)

    assert journal == ["start Module 1", "start North gate", "stop North gate", "stop Module 1"]
