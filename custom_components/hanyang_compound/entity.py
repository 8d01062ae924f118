"""Base entity of the integration: naming, device and unique-id scheme shared by every platform."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

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


MODE_KEY = "mode"


class CompoundEntity(Entity):
    """An entity that belongs to the compound device rather than to one piece of hardware."""

    _attr_has_entity_name = True

    def __init__(self, compound: Compound, key: str) -> None:
        """Initialise the entity under the compound's device, keyed by key."""
        self.compound = compound
        self._attr_unique_id = compound_entity_unique_id(compound.entry.entry_id, key)
        self._attr_device_info = compound_device_info(compound)
