"""Snapshots of the entities and devices of a compound with a device of every kind."""

from __future__ import annotations

from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.entity_platform import async_get_platforms
from homeassistant.helpers.json import json_dumps
from homeassistant.util.json import json_loads_object
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion
from syrupy.matchers import path_type

from custom_components.hanyang_compound import DEVICE_FACTORIES
from custom_components.hanyang_compound.const import DOMAIN

from .full_compound import (  # noqa: F401 - fixtures
    entity_registry_enabled_by_default,
    full_compound_fixture,
)
from .iomodule.conftest import gateway  # noqa: F401 - a fixture
from .terminal_fixtures import east_terminal, fast_links  # noqa: F401 - fixtures
from .test_patrol_route import shanghai  # noqa: F401 - a fixture

pytestmark = pytest.mark.usefixtures("socket_enabled")

GROUPS: dict[str, frozenset[str | None]] = {
    "gates_sheds_and_modules": frozenset(
        {"io_module", "barrier_gate", "shed_light", "shed_socket"}
    ),
    "terminals": frozenset({"access_terminal"}),
    "bluetooth_sensors": frozenset({"bthome_sensor", "ble_thermometer"}),
    "patrol_routes": frozenset({"patrol_route"}),
    "compound": frozenset({None}),
}
"""The entities and devices snapshotted together, by the kinds of subentry they belong to.

None stands for the compound itself: its mode and the summaries of its Bluetooth sensors.
"""
VOLATILE_STATES = {"sensor.north_gate_i_o_module_link_latency"}
"""Entities whose state is a measurement of this machine: only its type is snapshotted."""


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    """Return data as Home Assistant's API and frontend receive it.

    Newer releases key state attributes and capabilities by string enums (EntityStateAttribute,
    SelectEntityCapabilityAttribute, ...) where older ones use plain strings; in JSON both are
    the same text, so the same snapshot serves every release.
    """
    return json_loads_object(json_dumps(data))


def registry_essentials(hass: HomeAssistant, entry: er.RegistryEntry) -> dict[str, Any]:
    """Return what an entity's registry entry says about it, in the same form on every release.

    The raw entry is not snapshotted: its fields change between Home Assistant releases (aliases,
    object id bases, suggested display precisions among the options), its ids change every run.
    Whether an entity is enabled is left to test_entities_disabled_by_default, as these tests
    enable all of them.
    """
    device = dr.async_get(hass).async_get(entry.device_id) if entry.device_id else None
    return as_json(
        {
            "unique_id": entry.unique_id,
            "config_subentry_id": entry.config_subentry_id,
            "device": device.name if device else None,
            "has_entity_name": entry.has_entity_name,
            "translation_key": entry.translation_key,
            "original_name": entry.original_name,
            "original_device_class": entry.original_device_class,
            "entity_category": entry.entity_category,
            "unit_of_measurement": entry.unit_of_measurement,
            "capabilities": entry.capabilities,
            "supported_features": entry.supported_features,
        }
    )


def state_essentials(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    """Return an entity's state and attributes, in the same form on every release."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    attributes = dict(state.attributes)
    if entity_id.startswith(f"{Platform.COVER}."):
        # Newer releases' covers repeat the state as an is_closed attribute; the state says it.
        attributes.pop("is_closed", None)
    return as_json({"state": state.state, "attributes": attributes})


def device_essentials(hass: HomeAssistant, device: dr.DeviceEntry) -> dict[str, Any]:
    """Return what the device registry says about a device, in the same form on every release."""
    via = dr.async_get(hass).async_get(device.via_device_id) if device.via_device_id else None
    area = ar.async_get(hass).async_get_area(device.area_id) if device.area_id else None
    return as_json(
        {
            "identifiers": sorted(device.identifiers),
            "name": device.name,
            "manufacturer": device.manufacturer,
            "model": device.model,
            "serial_number": device.serial_number,
            "sw_version": device.sw_version,
            "hw_version": device.hw_version,
            "entry_type": device.entry_type,
            "via_device": via.name if via else None,
            "area": area.name if area else None,
        }
    )


def subentry_kind(entry: MockConfigEntry, subentry_id: str | None) -> str | None:
    """Return the kind of the subentry an entity or device belongs to; None for the compound's."""
    return entry.subentries[subentry_id].subentry_type if subentry_id else None


def device_subentry(device: dr.DeviceEntry, entry: MockConfigEntry) -> str | None:
    """Return the subentry a device belongs to; None for the compound's own device."""
    # Newer releases give a device one config entry and subentry (config_subentry_id, with
    # config_entries_subentries deprecated); older ones only a set of subentries per entry.
    if hasattr(device, "config_subentry_id"):
        subentry_id: str | None = device.config_subentry_id
    else:
        (subentry_id,) = device.config_entries_subentries[entry.entry_id]
    return subentry_id


def test_the_groups_cover_every_kind_of_device() -> None:
    kinds = set().union(*GROUPS.values())
    assert kinds == {*DEVICE_FACTORIES, None}


@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities_and_devices(
    hass: HomeAssistant, full_compound: MockConfigEntry, snapshot: SnapshotAssertion, group: str
) -> None:
    kinds = GROUPS[group]
    entries = sorted(
        (
            entry
            for entry in er.async_entries_for_config_entry(
                er.async_get(hass), full_compound.entry_id
            )
            if subentry_kind(full_compound, entry.config_subentry_id) in kinds
        ),
        key=lambda entry: entry.entity_id,
    )
    assert entries
    assert [entry.entity_id for entry in entries] == snapshot(name="entity_ids")
    for entry in entries:
        entity_id = entry.entity_id
        assert registry_essentials(hass, entry) == snapshot(name=f"{entity_id}-entry")
        state = state_essentials(hass, entity_id)
        if entity_id in VOLATILE_STATES:
            float(state["state"])
            matcher = path_type({"state": (str,)})
            assert state == snapshot(name=f"{entity_id}-state", matcher=matcher)
        else:
            assert state == snapshot(name=f"{entity_id}-state")

    devices = sorted(
        (
            device
            for device in dr.async_entries_for_config_entry(
                dr.async_get(hass), full_compound.entry_id
            )
            if subentry_kind(full_compound, device_subentry(device, full_compound)) in kinds
        ),
        key=lambda device: device.name or "",
    )
    assert devices
    for device in devices:
        assert device_essentials(hass, device) == snapshot(name=f"{device.name}-device")


async def test_entities_disabled_by_default(
    entity_registry: er.EntityRegistry, full_compound: MockConfigEntry, snapshot: SnapshotAssertion
) -> None:
    entries = er.async_entries_for_config_entry(entity_registry, full_compound.entry_id)
    assert {
        entry.entity_id: entry.disabled_by
        for entry in sorted(entries, key=lambda entry: entry.entity_id)
    } == snapshot


async def test_devices_are_linked_without_deprecated_registry_calls(
    hass: HomeAssistant, full_compound: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Each device reached through another names it the way the running release supports.

    Newer releases deprecate naming the parent device by an identifier (`via_device`) and
    warn when an integration does; the devices must still hang off their parents.
    """
    registry = dr.async_get(hass)
    parents = {
        device.name: registry.async_get(device.via_device_id).name  # type: ignore[union-attr]
        for device in dr.async_entries_for_config_entry(registry, full_compound.entry_id)
        if device.via_device_id
    }
    assert parents == {
        "North gate": "North gate I/O module",
        "East shed light": "North gate I/O module",
        "East shed sockets": "North gate I/O module",
        "East pedestrian gate": "Longdengli",
        "Night patrol": "Longdengli",
    }
    # The compound was set up by the fixture: its log lines are those of the setup phase.
    setup_log = "\n".join(record.getMessage() for record in caplog.get_records("setup"))
    assert "Registered new" in setup_log
    assert "via_device" not in setup_log
    assert "deprecated" not in setup_log


async def test_no_entity_polls(hass: HomeAssistant, full_compound: MockConfigEntry) -> None:
    """Every device pushes its changes, and a module's coordinator polls for its entities."""
    entities = [
        entity
        for platform in async_get_platforms(hass, DOMAIN)
        if platform.config_entry is full_compound
        for entity in platform.entities.values()
    ]
    assert len(entities) > 40
    assert [entity.entity_id for entity in entities if entity.should_poll] == []
