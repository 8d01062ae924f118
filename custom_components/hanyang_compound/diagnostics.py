"""Diagnostics of a compound, with credentials and residents' identities redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from . import HanyangConfigEntry
from .compound import DeviceWithDiagnostics

TO_REDACT = {CONF_PASSWORD, CONF_USERNAME, CONF_HOST, "bind_key", "serial_number", "name_of_person"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HanyangConfigEntry
) -> dict[str, Any]:
    """Return what support needs to understand a compound, without its secrets."""
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(entry.data, TO_REDACT),
            "options": async_redact_data(entry.options, TO_REDACT),
        },
        "subentries": [
            {
                "subentry_type": subentry.subentry_type,
                "title": subentry.title,
                "data": async_redact_data(subentry.data, TO_REDACT),
            }
            for subentry in entry.subentries.values()
        ],
        "compound": entry.runtime_data.summary.as_dict(),
        "devices": {
            subentry_id: device.diagnostics()
            for subentry_id, device in entry.runtime_data.devices.items()
            if isinstance(device, DeviceWithDiagnostics)
        },
    }
