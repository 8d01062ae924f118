"""Tests of the shed-overheat and manhole-attention blueprints, driving the sensors' states directly."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from custom_components.hanyang_compound.const import DOMAIN

from .conftest import make_compound_entry


@pytest.fixture
async def compound(hass: HomeAssistant, tmp_path: Path) -> MockConfigEntry:
    """A compound whose blueprints are installed in a configuration folder of its own."""
    hass.config.config_dir = str(tmp_path)
    entry = make_compound_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    return entry


def _entity(hass: HomeAssistant, entry: MockConfigEntry, device: str, entity_id: str) -> str:
    """Register entity_id as an entity of the compound under a device named device."""
    device_id = (
        dr.async_get(hass)
        .async_get_or_create(
            config_entry_id=entry.entry_id, identifiers={(DOMAIN, device)}, name=device
        )
        .id
    )
    domain, object_id = entity_id.split(".")
    registered = er.async_get(hass).async_get_or_create(
        domain,
        DOMAIN,
        object_id,
        suggested_object_id=object_id,
        device_id=device_id,
        config_entry=entry,
    )
    assert registered.entity_id == entity_id
    return entity_id


def _phone(hass: HomeAssistant, name: str) -> str:
    entry = MockConfigEntry(domain="mobile_app")
    entry.add_to_hass(hass)
    return (
        dr.async_get(hass)
        .async_get_or_create(
            config_entry_id=entry.entry_id, identifiers={("mobile_app", name)}, name=name
        )
        .id
    )


async def _automation(hass: HomeAssistant, blueprint: str, **inputs: Any) -> None:
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": blueprint,
                "use_blueprint": {"path": f"hanyang_compound/{blueprint}.yaml", "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()


def _switches(hass: HomeAssistant) -> list[ServiceCall]:
    """Switch services that do what real sockets do: change state."""
    calls: list[ServiceCall] = []

    async def switch(call: ServiceCall) -> None:
        calls.append(call)
        for entity_id in call.data["entity_id"]:
            hass.states.async_set(entity_id, "on" if call.service == "turn_on" else "off")

    hass.services.async_register("switch", "turn_on", switch)
    hass.services.async_register("switch", "turn_off", switch)
    return calls


async def _settle() -> None:
    """Let the automation run as far as it can; it waits for the shed to cool, so it never finishes."""
    for _ in range(20):
        await asyncio.sleep(0)


async def _later(hass: HomeAssistant, minutes: float) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=minutes))
    await _settle()


async def test_an_overheating_shed_loses_its_sockets_until_it_has_been_cool_for_ten_minutes(
    hass: HomeAssistant, compound: MockConfigEntry, freezer: Any
) -> None:
    hot = _entity(hass, compound, "E-bike shed 1", "binary_sensor.e_bike_shed_1_overheating")
    chargers = _entity(hass, compound, "East shed sockets", "switch.east_shed_chargers")
    lamp = _entity(hass, compound, "East shed lamp socket", "switch.east_shed_lamp")
    idle = _entity(hass, compound, "East shed spare socket", "switch.east_shed_spare")
    hass.states.async_set(hot, "off")
    for socket, state in ((chargers, "on"), (lamp, "on"), (idle, "off")):
        hass.states.async_set(socket, state)
    calls = _switches(hass)
    notes = async_mock_service(hass, "notify", "mobile_app_duty_phone")
    await _automation(
        hass,
        "shed_overheat",
        overheating=hot,
        sockets=[chargers, lamp, idle],
        phones=[_phone(hass, "Duty phone")],
    )

    hass.states.async_set(hot, "on")
    await _settle()
    assert [call.data["entity_id"] for call in calls] == [[chargers, lamp]]
    assert notes[0].data["message"].startswith("E-bike shed 1 is overheating: 2 socket(s) cut.")

    freezer.tick(timedelta(minutes=1))
    hass.states.async_set(lamp, "on")  # a person switches the lamp back on and off again
    freezer.tick(timedelta(seconds=1))
    hass.states.async_set(lamp, "off")
    hass.states.async_set(hot, "off")
    await _later(hass, 9)
    assert len(calls) == 1, "not yet cool for ten minutes"
    freezer.tick(timedelta(minutes=11))
    await _later(hass, 11)

    assert [call.service for call in calls] == ["turn_off", "turn_on"]
    assert calls[1].data["entity_id"] == [chargers]
    assert hass.states.get(lamp).state == "off"
    assert (
        notes[1].data["message"].startswith("E-bike shed 1 has cooled down: 1 socket(s) back on.")
    )


async def test_maintenance_hears_why_a_manhole_needs_attention_once_per_new_reason(
    hass: HomeAssistant, compound: MockConfigEntry
) -> None:
    attention = _entity(
        hass, compound, "Manhole 3, north lane", "binary_sensor.manhole_3_needs_attention"
    )
    hass.states.async_set(attention, "off", {"reasons": []})
    notes = async_mock_service(hass, "notify", "mobile_app_maintenance")
    await _automation(
        hass, "manhole_attention", manholes=[attention], maintenance=[_phone(hass, "Maintenance")]
    )

    hass.states.async_set(attention, "on", {"reasons": ["open", "tilted"]})
    await hass.async_block_till_done()
    hass.states.async_set(attention, "on", {"reasons": ["open", "tilted"], "battery": 80})
    await hass.async_block_till_done()
    hass.states.async_set(attention, "on", {"reasons": ["open", "tilted", "flooded"]})
    await hass.async_block_till_done()
    hass.states.async_set(attention, "off", {"reasons": []})
    await hass.async_block_till_done()

    assert [call.data["title"] for call in notes] == ["Manhole 3, north lane · 窨井盖需要处理"] * 2
    assert notes[0].data["message"] == "opened · 井盖被打开; tilted · 倾斜"
    assert notes[1].data["message"] == "opened · 井盖被打开; tilted · 倾斜; flooded · 积水"
