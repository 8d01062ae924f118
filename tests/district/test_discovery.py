"""The compound as a Home Assistant with the mqtt integration shows it: a device in the zone's area."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.modes import CompoundMode
from simulator.district_protocol import (
    CompoundPlace,
    discovery_config as simulated_discovery_config,
)

from .broker import Broker, Watcher, wait_until
from .conftest import BASE, HA_STATUS, linked_entry, mqtt_entry, unload_all

UID = "hanyang_hanyang_qingchuan_longdengli"


@pytest.fixture
async def discovering(
    hass: HomeAssistant, broker: Broker, watcher: Watcher, no_yaml: None
) -> AsyncGenerator[MockConfigEntry]:
    """A compound linked through an mqtt integration that also discovers what the broker offers.

    The same Home Assistant then plays the district's: it shows the compound as MQTT devices
    and entities, built by core from the discovery config alone.
    """
    mqtt_config = mqtt_entry(broker.port, discovery=True)
    mqtt_config.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mqtt_config.entry_id)
    await wait_until(lambda: watcher.messages.get(HA_STATUS) == b"online")
    entry = linked_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await unload_all(hass)


def mqtt_entity(hass: HomeAssistant, key: str) -> str | None:
    """Return the entity id core's mqtt gave a component of the compound's discovery config."""
    return er.async_get(hass).async_get_entity_id(
        "sensor" if key != "patrol_overdue" else "binary_sensor", mqtt.DOMAIN, f"{UID}_{key}"
    )


async def test_the_district_sees_the_compound_as_a_device_in_its_zone(
    hass: HomeAssistant, discovering: MockConfigEntry, watcher: Watcher
) -> None:
    await wait_until(lambda: mqtt_entity(hass, "mode") is not None)
    mode_entity = mqtt_entity(hass, "mode")
    assert mode_entity is not None
    await wait_until(
        lambda: (state := hass.states.get(mode_entity)) is not None and state.state == "normal"
    )

    # Looked up as both lanes' registries allow (2026.x deprecates async_get_device).
    mqtt_entry_id = hass.config_entries.async_entries(mqtt.DOMAIN)[0].entry_id
    [device] = dr.async_entries_for_config_entry(dr.async_get(hass), mqtt_entry_id)
    assert (mqtt.DOMAIN, UID) in device.identifiers
    assert device.name == "Longdengli"
    area = ar.async_get(hass).async_get_area(device.area_id or "")
    assert area is not None
    assert area.name == "Qingchuan"
    for key in ("passes_today", "devices_offline", "patrol_overdue"):
        assert mqtt_entity(hass, key) is not None

    await discovering.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    await wait_until(lambda: hass.states.get(mode_entity).state == "lockdown")

    # The compound stopping makes it unavailable, though its Home Assistant is still there.
    assert await hass.config_entries.async_unload(discovering.entry_id)
    await wait_until(lambda: watcher.messages.get(f"{BASE}/availability") == b"offline")
    await wait_until(lambda: hass.states.get(mode_entity).state == "unavailable")


async def test_a_simulated_compound_is_discovered_as_a_real_one_is(
    hass: HomeAssistant, linked: MockConfigEntry, watcher: Watcher
) -> None:
    """The simulator writes its compounds' discovery config on its own: it agrees with the integration's."""
    real = watcher.json(f"homeassistant/device/{UID}/config")
    place = CompoundPlace("hanyang", "Qingchuan", "qingchuan", "Longdengli", "longdengli")

    assert simulated_discovery_config(place, {}) == real
