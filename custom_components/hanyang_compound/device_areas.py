"""The area a device of the compound is put in (the entrance, the shed, the lane), from its form's area field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.device_registry import DeviceInfo

from .const import CONF_AREA

AREA_MAX_LENGTH: Final = 50


def stored_area(data: Mapping[str, Any]) -> str | None:
    """Return the area stored for a device, None when it has none (or it was mangled by hand)."""
    area = data.get(CONF_AREA)
    return area if isinstance(area, str) and area else None


def with_suggested_area(info: DeviceInfo, data: Mapping[str, Any]) -> DeviceInfo:
    """Return the device's info suggesting its stored area; unchanged when it has none.

    Home Assistant puts a device in its suggested area only when it registers the device.
    """
    if (area := stored_area(data)) is None:
        return info
    return cast("DeviceInfo", {**info, "suggested_area": area})


@callback
def async_move_to_changed_area(
    hass: HomeAssistant,
    entry: ConfigEntry,
    subentry_id: str,
    old_data: Mapping[str, Any],
    new_data: Mapping[str, Any],
) -> None:
    """Put the subentry's devices in the area the form now names, if the field was changed to one.

    An unchanged field leaves the device where it is, also where someone moved it by hand;
    an emptied field leaves it where it is (taking it out of an area is done by hand).
    """
    area_name = stored_area(new_data)
    if area_name is None or area_name == stored_area(old_data):
        return
    area = ar.async_get(hass).async_get_or_create(area_name)
    # Found through its entities: each release records a device's subentry its own way.
    device_ids = {
        entity.device_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if entity.config_subentry_id == subentry_id and entity.device_id is not None
    }
    devices = dr.async_get(hass)
    for device_id in device_ids:
        devices.async_update_device(device_id, area_id=area.id)
