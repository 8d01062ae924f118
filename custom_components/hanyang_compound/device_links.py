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
    else:
        # Typed loosely: releases that link by id look a device up per config entry, with a
        # method older releases' registry (the one type-checked here) does not have.
        registry: Any = dr.async_get(hass)
        if device := registry.async_get_device_by_identifier(parent, entry_id):
            linked["via_device_id"] = device.id
    return cast("DeviceInfo", linked)


def device_owners(device: dr.DeviceEntry) -> Mapping[str, Collection[str | None]]:
    """Return the config entries a device belongs to, each with its subentries (None: the entry itself)."""
    if hasattr(device, "config_subentry_id"):
        # Newer releases: a device belongs to one entry and subentry (the mapping is deprecated).
        return {getattr(device, "config_entry_id", ""): {device.config_subentry_id}}
    return device.config_entries_subentries
