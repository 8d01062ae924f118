"""Sensor platform: measurements and counters of the compound's devices."""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import HanyangConfigEntry
from .ble_entity import compound_ble_sensors
from .entity import device_platform_setup

PARALLEL_UPDATES = 0

async_setup_device_sensors = device_platform_setup(Platform.SENSOR)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HanyangConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the devices' sensors and the compound's summaries of its Bluetooth sensors."""
    await async_setup_device_sensors(hass, entry, async_add_entities)
    async_add_entities(compound_ble_sensors(entry.runtime_data))
