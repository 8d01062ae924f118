"""Tests of the administrators' override that opens an entrance shut by a lockdown."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from homeassistant.components.button import ButtonEntity
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryData
from homeassistant.const import Platform
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers.entity import Entity
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.hanyang_compound import DEVICE_FACTORIES
from custom_components.hanyang_compound.compound import Compound
from custom_components.hanyang_compound.const import DOMAIN, EVENT_ENTRANCE_OVERRIDE
from custom_components.hanyang_compound.entity import CompoundDeviceEntity
from custom_components.hanyang_compound.modes import CompoundMode, EntranceAction

from .conftest import make_compound_entry

GATE_BUTTON = "button.east_gate"


class Gate:
    """An entrance device whose one entity is a button, recording what it is told to do."""

    def __init__(self, compound: Compound, subentry: ConfigSubentry) -> None:
        self.compound = compound
        self.subentry = subentry
        self.entrance_name = subentry.title
        self.kept_open_in_lockdown = False
        self.performed: list[EntranceAction] = []

    async def async_start(self) -> None:
        """Nothing to connect to."""

    async def async_stop(self) -> None:
        """Nothing to disconnect from."""

    def create_entities(self, platform: Platform) -> list[Entity]:
        if platform is not Platform.BUTTON:
            return []
        button = type("GateButton", (CompoundDeviceEntity, ButtonEntity), {})(
            self.compound,
            self.subentry,
            "open",
            {"identifiers": {(DOMAIN, "east")}, "name": "East gate"},
        )
        button._attr_name = None
        return [button]

    async def async_perform(self, action: EntranceAction) -> None:
        self.performed.append(action)


@pytest.fixture
async def gate_compound(hass: HomeAssistant) -> Generator[MockConfigEntry]:
    entry = make_compound_entry(
        subentries_data=(
            ConfigSubentryData(data={}, subentry_type="gate", title="East gate", unique_id="e"),
        )
    )
    entry.add_to_hass(hass)
    with patch.dict(DEVICE_FACTORIES, {"gate": Gate}):
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        yield entry


def _gate(entry: MockConfigEntry) -> Gate:
    (gate,) = entry.runtime_data.devices.values()
    assert isinstance(gate, Gate)
    return gate


async def test_an_administrator_opens_a_shut_gate_once(
    hass: HomeAssistant, gate_compound: MockConfigEntry, hass_admin_user: Any
) -> None:
    await gate_compound.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    events = async_capture_events(hass, EVENT_ENTRANCE_OVERRIDE)

    await hass.services.async_call(
        DOMAIN,
        "override_gate",
        {"entity_id": GATE_BUTTON, "reason": "Ambulance"},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )

    assert _gate(gate_compound).performed == [EntranceAction.OPEN]
    assert events[0].data["entrance"] == "East gate"
    assert events[0].data["user"] == hass_admin_user.id


async def test_a_resident_cannot_override(
    hass: HomeAssistant, gate_compound: MockConfigEntry, hass_read_only_user: Any
) -> None:
    await gate_compound.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)

    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "override_gate",
            {"entity_id": GATE_BUTTON, "reason": "Let me out"},
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    assert _gate(gate_compound).performed == []


async def test_override_needs_an_entrance_and_a_reason(
    hass: HomeAssistant, gate_compound: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN,
            "override_gate",
            {"entity_id": "select.longdengli_mode", "reason": "Test"},
            blocking=True,
        )
    assert error.value.translation_key == "not_an_entrance"

    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN,
            "override_gate",
            {"entity_id": "button.nowhere", "reason": "Test"},
            blocking=True,
        )
    assert error.value.translation_key == "unknown_compound"
    with pytest.raises(Exception, match="length"):
        await hass.services.async_call(
            DOMAIN, "override_gate", {"entity_id": GATE_BUTTON, "reason": ""}, blocking=True
        )
    assert _gate(gate_compound).performed == []
