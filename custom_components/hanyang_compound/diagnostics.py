"""Diagnostics of a compound, with credentials, addresses and residents' identities redacted."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_ADDRESS, CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from . import HanyangConfigEntry
from .const import CONF_BIND_KEY, CONF_MODE_PIN_HASH
from .district_role import District
from .interfaces import DeviceWithDiagnostics

REDACTED = "**REDACTED**"
TO_REDACT = {
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_HOST,
    CONF_ADDRESS,
    CONF_BIND_KEY,
    CONF_MODE_PIN_HASH,
    "serial_number",
    "name_of_person",
    "employee_no",
}
ADDRESS_KEYS = (CONF_HOST, CONF_ADDRESS)
"""Settings whose values may also stand inside other texts (a title, an error message)."""


def _stored_addresses(entry: HanyangConfigEntry) -> set[str]:
    """Return every host and Bluetooth address the compound's devices are set up with."""
    return {
        str(subentry.data[key])
        for subentry in entry.subentries.values()
        for key in ADDRESS_KEYS
        if subentry.data.get(key)
    }


def _scrub(value: Any, addresses: Iterable[str]) -> Any:
    """Replace each address wherever it stands inside a text of value, e.g. in an error message."""
    if isinstance(value, dict):
        return {key: _scrub(item, addresses) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item, addresses) for item in value]
    if isinstance(value, str):
        for address in addresses:
            value = value.replace(address, REDACTED)
    return value


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ConfigEntry[Any]
) -> dict[str, Any]:
    """Return what support needs to understand a compound (or a district), without its secrets."""
    if isinstance(district := entry.runtime_data, District):
        return _district_diagnostics(district)
    return _compound_diagnostics(entry)


def _compound_diagnostics(entry: HanyangConfigEntry) -> dict[str, Any]:
    diagnostics = {
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
    # Longest first, so that a host inside a longer one is not left half-replaced.
    addresses = sorted(_stored_addresses(entry), key=len, reverse=True)
    scrubbed: dict[str, Any] = _scrub(diagnostics, addresses)
    return scrubbed


def _district_diagnostics(district: District) -> dict[str, Any]:
    """Return a district's view: what it heard of each zone (only summaries reach a district)."""
    model = district.model
    return {
        "entry": {"title": district.entry.title, "data": dict(district.entry.data)},
        "issuer": district.issuer,
        "connected": district.connected,
        "zones": {
            zone: {"name": model.zone_name(zone), "totals": model.totals(zone)}
            for zone in model.zones()
        },
        "compounds": {
            view.target: {"online": view.online, "results": dict(view.results)}
            for view in model.compounds.values()
        },
        "standing": {
            target: {"id": d.directive_id, "issuer": d.issuer, "mode": str(d.mode)}
            for target, d in model.standing.items()
        },
    }
