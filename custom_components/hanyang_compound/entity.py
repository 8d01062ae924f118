"""Base entity of the integration: naming, device and unique-id scheme shared by every platform."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compound import Compound
from .const import DOMAIN, MANUFACTURER


def compound_entity_unique_id(entry_id: str, key: str) -> str:
    """Return the unique id of the compound-level entity keyed by key."""
    return f"{entry_id}_{key}"


def compound_device_info(compound: Compound) -> DeviceInfo:
    """Describe the compound itself as a device that its own entities hang off."""
    return DeviceInfo(
        identifiers={(DOMAIN, compound.entry.entry_id)},
        name=compound.name,
        manufacturer=MANUFACTURER,
        model="Compound",
        entry_type=DeviceEntryType.SERVICE,
    )


class CompoundEntity(Entity):
    """An entity that belongs to the compound device rather than to one piece of hardware."""

    _attr_has_entity_name = True
    # Pushed by the compound whenever it changes; polled entities get their coordinator's rule.
    _attr_should_poll = False

    def __init__(self, compound: Compound, key: str) -> None:
        """Initialise the entity under the compound's device, keyed by key."""
        self.compound = compound
        self._attr_unique_id = compound_entity_unique_id(compound.entry.entry_id, key)
        self._attr_device_info = compound_device_info(compound)


class CompoundDeviceEntity(Entity):
    """An entity of one device of the compound (a subentry): a gate, a terminal, a sensor."""

    _attr_has_entity_name = True
    # Every device pushes its changes (a module's coordinator polls for its entities).
    _attr_should_poll = False

    def __init__(
        self, compound: Compound, subentry: ConfigSubentry, key: str, device_info: DeviceInfo
    ) -> None:
        """Initialise the entity keyed by key under the subentry's device."""
        self.compound = compound
        self._attr_unique_id = f"{compound.entry.entry_id}_{subentry.subentry_id}_{key}"
        self._attr_device_info = device_info


type PlatformSetup = Callable[
    [HomeAssistant, ConfigEntry[Compound], AddConfigEntryEntitiesCallback],
    Coroutine[Any, Any, None],
]


def device_platform_setup(platform: Platform) -> PlatformSetup:
    """Return a platform's async_setup_entry that adds every device's entities of that platform.

    Entities are added under their subentry, so removing a device removes its entities.
    """

    async def async_setup_entry(
        hass: HomeAssistant,
        entry: ConfigEntry[Compound],
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        for subentry_id, device in entry.runtime_data.devices.items():
            if entities := device.create_entities(platform):
                async_add_entities(entities, config_subentry_id=subentry_id)

    return async_setup_entry
