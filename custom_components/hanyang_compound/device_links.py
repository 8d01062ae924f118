"""How devices are linked in the registry, the way each release supports: parents, and the entries owning a device."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Final, cast

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

LINKS_BY_DEVICE_ID: Final = "via_device_id" in DeviceInfo.__annotations__
"""Whether this release names the parent device by its registry id (newer releases, where
naming it by an identifier is deprecated) rather than by one of its identifiers."""


def linked_device_info(
    hass: HomeAssistant, entry_id: str, info: DeviceInfo, parent: tuple[str, str]
) -> DeviceInfo:
    """Return info for a device reached via the entry's device registered with the parent identifier.

    The parent must be registered first (the compound before its devices, a module before
    the devices wired to it); an unregistered parent leaves the device unlinked.
    """
    linked: dict[str, Any] = dict(info)
    if not LINKS_BY_DEVICE_ID:
        linked["via_device"] = parent
    elif device := entry_device(hass, entry_id, parent):
        linked["via_device_id"] = device.id
    return cast("DeviceInfo", linked)


def entry_device(
    hass: HomeAssistant, entry_id: str, identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """Return the config entry's device with the identifier, looked up as the release supports."""
    # Typed loosely: newer releases look a device up per config entry (their registry-wide
    # lookup is deprecated), with a method older releases' registry (type-checked here) lacks.
    registry: Any = dr.async_get(hass)
    if hasattr(registry, "async_get_device_by_identifier"):
        found: dr.DeviceEntry | None = registry.async_get_device_by_identifier(identifier, entry_id)
        return found
    device: dr.DeviceEntry | None = registry.async_get_device(identifiers={identifier})
    return device if device and entry_id in device_owners(device) else None


def device_owners(device: dr.DeviceEntry) -> Mapping[str, Collection[str | None]]:
    """Return the config entries a device belongs to, each with its subentries (None: the entry itself)."""
    if hasattr(device, "config_subentry_id"):
        # Newer releases: a device belongs to one entry and subentry (the mapping is deprecated).
        return {getattr(device, "config_entry_id", ""): {device.config_subentry_id}}
    return device.config_entries_subentries
