"""Subentry flows of the compound's Bluetooth devices, and the checks Bluetooth discovery shares with them."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from habluetooth import BluetoothServiceInfoBleak
from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import CONF_ADDRESS, CONF_NAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import voluptuous as vol

from ..ble_base import (
    FLOOD_LEVEL,
    MANHOLE_DEPTH,
    OVERHEAT_THRESHOLD,
    SILENCE_TIMEOUT,
    TILT_THRESHOLD,
    bluetooth_running,
    device_title,
)
from ..const import (
    CONF_BIND_KEY,
    CONF_COMPOUND,
    CONF_FLOOD_LEVEL,
    CONF_LOCATION,
    CONF_MANHOLE_DEPTH,
    CONF_OVERHEAT_THRESHOLD,
    CONF_ROLE,
    CONF_SERVES,
    CONF_SILENCE_TIMEOUT,
    CONF_TILT_THRESHOLD,
    DEFAULT_FLOOD_LEVEL,
    DEFAULT_MANHOLE_DEPTH,
    DEFAULT_OVERHEAT_THRESHOLD,
    DEFAULT_SILENCE_TIMEOUT,
    DEFAULT_TILT_THRESHOLD,
    DOMAIN,
    SUBENTRY_BLE_THERMOMETER,
    SUBENTRY_BTHOME_SENSOR,
    BTHomeRole,
)
from ..devices.ble.address import normalize_address
from ..devices.ble.bthome import BindKeyError, check_bind_key, is_bthome_v2, parse_bind_key
from ..devices.ble.health_thermometer import HEALTH_THERMOMETER_SERVICE_UUID
from ..texts import clean_text
from ..validation import form_number_errors
from .base import DeviceSubentryFlow

BLE_SUBENTRY_TYPES = (SUBENTRY_BLE_THERMOMETER, SUBENTRY_BTHOME_SENSOR)


def address_owner(
    hass: HomeAssistant, address: str, *, exclude_subentry_id: str | None
) -> str | None:
    """Return the title of the compound that already has a device at address, if any."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        for subentry in entry.subentries.values():
            if (
                subentry.subentry_type in BLE_SUBENTRY_TYPES
                and subentry.data.get(CONF_ADDRESS) == address
                and subentry.subentry_id != exclude_subentry_id
            ):
                return entry.title
    return None


def validate_bind_key(
    hass: HomeAssistant, address: str, text: str | None
) -> tuple[str | None, str | None]:
    """Return the normalised bind key and the error key, checking it against the sensor if heard."""
    key: bytes | None = None
    if text and text.strip():
        try:
            key = parse_bind_key(text)
        except ValueError:
            return None, "bind_key_invalid"
    service_info = _last_heard(hass, address)
    if service_info is not None and is_bthome_v2(service_info):
        try:
            check_bind_key(service_info, key)
        except BindKeyError as err:
            return None, "bind_key_missing" if err.missing else "bind_key_wrong"
    return (key.hex() if key else None), None


def _last_heard(hass: HomeAssistant, address: str) -> BluetoothServiceInfoBleak | None:
    """Return the device's latest advertisement, if Bluetooth runs and has heard it."""
    if not bluetooth_running(hass):
        return None
    from homeassistant.components import bluetooth  # noqa: PLC0415 - only once Bluetooth runs (see ble_base.py)

    return bluetooth.async_last_service_info(hass, address, connectable=False)


def bthome_settings_schema(defaults: dict[str, Any]) -> dict[vol.Marker, Any]:
    """Return the settings of a BTHome sensor besides its address: role, location, key, limits."""
    return {
        vol.Required(
            CONF_ROLE, default=defaults.get(CONF_ROLE, BTHomeRole.MANHOLE)
        ): SelectSelector(
            SelectSelectorConfig(
                options=[str(role) for role in BTHomeRole],
                translation_key=CONF_ROLE,
                mode=SelectSelectorMode.LIST,
            )
        ),
        vol.Required(CONF_LOCATION, default=defaults.get(CONF_LOCATION, "")): TextSelector(),
        vol.Optional(CONF_BIND_KEY, default=defaults.get(CONF_BIND_KEY) or ""): TextSelector(),
        vol.Required(
            CONF_TILT_THRESHOLD, default=defaults.get(CONF_TILT_THRESHOLD, DEFAULT_TILT_THRESHOLD)
        ): TILT_THRESHOLD.selector(),
        vol.Required(
            CONF_MANHOLE_DEPTH, default=defaults.get(CONF_MANHOLE_DEPTH, DEFAULT_MANHOLE_DEPTH)
        ): MANHOLE_DEPTH.selector(),
        vol.Required(
            CONF_FLOOD_LEVEL, default=defaults.get(CONF_FLOOD_LEVEL, DEFAULT_FLOOD_LEVEL)
        ): FLOOD_LEVEL.selector(),
        vol.Required(
            CONF_OVERHEAT_THRESHOLD,
            default=defaults.get(CONF_OVERHEAT_THRESHOLD, DEFAULT_OVERHEAT_THRESHOLD),
        ): OVERHEAT_THRESHOLD.selector(),
        vol.Required(
            CONF_SILENCE_TIMEOUT,
            default=defaults.get(CONF_SILENCE_TIMEOUT, DEFAULT_SILENCE_TIMEOUT),
        ): SILENCE_TIMEOUT.selector(),
    }


_BTHOME_SETTINGS = (
    CONF_ROLE,
    CONF_TILT_THRESHOLD,
    CONF_MANHOLE_DEPTH,
    CONF_FLOOD_LEVEL,
    CONF_OVERHEAT_THRESHOLD,
    CONF_SILENCE_TIMEOUT,
)


def clean_bthome_settings(
    hass: HomeAssistant, address: str, user_input: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return a BTHome sensor's settings and the errors found in them, by field."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {key: user_input[key] for key in _BTHOME_SETTINGS if key in user_input}
    data[CONF_LOCATION] = clean_text(user_input.get(CONF_LOCATION, ""))
    if not data[CONF_LOCATION]:
        errors[CONF_LOCATION] = "location_empty"
    bind_key, error = validate_bind_key(hass, address, user_input.get(CONF_BIND_KEY))
    if error:
        errors[CONF_BIND_KEY] = error
    data[CONF_BIND_KEY] = bind_key
    return data, errors


class _BleSubentryFlow(DeviceSubentryFlow):
    """What both Bluetooth kinds check: a well-formed address no compound has yet."""

    def check_address(self, user_input: dict[str, Any], errors: dict[str, str]) -> str:
        """Return the normalised address, adding an error if it is malformed or taken."""
        address = normalize_address(str(user_input.get(CONF_ADDRESS, "")))
        if address is None:
            errors[CONF_ADDRESS] = "address_invalid"
            return str(user_input.get(CONF_ADDRESS, ""))
        if address_owner(self.hass, address, exclude_subentry_id=self.reconfigured_subentry_id()):
            errors[CONF_ADDRESS] = "address_taken"
        return address

    def device_title(self, data: dict[str, Any]) -> str:
        """Return the thermometer's name or the sensor's location."""
        return device_title(data)


class BleThermometerSubentryFlow(_BleSubentryFlow):
    """A Bluetooth Health Thermometer at an entrance or patrol checkpoint."""

    def device_schema(self, defaults: dict[str, Any]) -> vol.Schema:
        """Ask for the address, the name and what the thermometer serves."""
        return vol.Schema(
            {
                vol.Required(CONF_ADDRESS, default=defaults.get(CONF_ADDRESS, "")): TextSelector(),
                vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, "")): TextSelector(),
                vol.Optional(CONF_SERVES, default=defaults.get(CONF_SERVES, "")): TextSelector(),
            }
        )

    async def async_validate_device(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Check the address and name."""
        errors: dict[str, str] = {}
        address = self.check_address(user_input, errors)
        name = clean_text(user_input.get(CONF_NAME, ""))
        if not name:
            errors[CONF_NAME] = "name_empty"
        serves = clean_text(user_input.get(CONF_SERVES, ""))
        return {CONF_ADDRESS: address, CONF_NAME: name, CONF_SERVES: serves}, errors


class BTHomeSensorSubentryFlow(_BleSubentryFlow):
    """A BTHome v2 sensor: a manhole cover or a shed thermometer."""

    def device_schema(self, defaults: dict[str, Any]) -> vol.Schema:
        """Ask for the address, role, location, bind key and thresholds."""
        return vol.Schema(
            {
                vol.Required(CONF_ADDRESS, default=defaults.get(CONF_ADDRESS, "")): TextSelector(),
                **bthome_settings_schema(defaults),
            }
        )

    async def async_validate_device(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Check the address, the location and the bind key against the sensor if it is heard."""
        errors: dict[str, str] = {}
        address = self.check_address(user_input, errors)
        data, settings_errors = clean_bthome_settings(self.hass, address, user_input)
        return {CONF_ADDRESS: address, **data}, errors | settings_errors


def discovered_kind(service_info: BluetoothServiceInfoBleak) -> str | None:
    """Return the subentry type a discovered device would be, or None if it is not ours."""
    if HEALTH_THERMOMETER_SERVICE_UUID in service_info.service_uuids:
        return SUBENTRY_BLE_THERMOMETER
    if is_bthome_v2(service_info):
        return SUBENTRY_BTHOME_SENSOR
    return None


@callback
def async_offer_unowned_devices(hass: HomeAssistant) -> None:
    """Offer again the thermometers and BTHome sensors heard so far that no compound has.

    Discovery offers a device once; one heard before any compound existed (or before it was
    removed from one) is offered when a compound starts.
    """
    if not bluetooth_running(hass):
        return
    from homeassistant.components import bluetooth  # noqa: PLC0415 - only once Bluetooth runs (see ble_base.py)

    for service_info in bluetooth.async_discovered_service_info(hass, connectable=False):
        if discovered_kind(service_info) and not address_owner(
            hass, service_info.address, exclude_subentry_id=None
        ):
            bluetooth.async_rediscover_address(hass, service_info.address)


def discovery_schema(
    entries: list[ConfigEntry], kind: str, service_info: BluetoothServiceInfoBleak
) -> vol.Schema:
    """Return the form confirming a discovered device: which compound, and its settings."""
    compound: dict[vol.Marker, Any] = {
        vol.Required(CONF_COMPOUND, default=entries[0].entry_id): SelectSelector(
            SelectSelectorConfig(
                options=[
                    SelectOptionDict(value=entry.entry_id, label=entry.title) for entry in entries
                ],
                mode=SelectSelectorMode.DROPDOWN,
            )
        )
    }
    if kind == SUBENTRY_BLE_THERMOMETER:
        return vol.Schema(
            {
                **compound,
                vol.Required(CONF_NAME, default=service_info.name or ""): TextSelector(),
                vol.Optional(CONF_SERVES, default=""): TextSelector(),
            }
        )
    return vol.Schema({**compound, **bthome_settings_schema({})})


def add_discovered_device(
    hass: HomeAssistant,
    kind: str,
    service_info: BluetoothServiceInfoBleak,
    user_input: dict[str, Any],
) -> dict[str, str]:
    """Add the discovered device to the chosen compound; return the form's errors if it cannot."""
    address = service_info.address
    entry = hass.config_entries.async_get_entry(user_input[CONF_COMPOUND])
    if entry is None:
        return {CONF_COMPOUND: "compound_unknown"}
    if address_owner(hass, address, exclude_subentry_id=None):
        # Added by another path (the compound's own Add device) while this form was open.
        return {"base": "address_taken"}
    errors: dict[str, str] = {}
    if kind == SUBENTRY_BLE_THERMOMETER:
        name = clean_text(user_input.get(CONF_NAME, ""))
        if not name:
            errors[CONF_NAME] = "name_empty"
        data = {
            CONF_ADDRESS: address,
            CONF_NAME: name,
            CONF_SERVES: clean_text(user_input.get(CONF_SERVES, "")),
        }
    else:
        numbers, errors = form_number_errors(vol.Schema(bthome_settings_schema({})), user_input)
        if errors:
            return errors
        settings, errors = clean_bthome_settings(hass, address, numbers)
        data = {CONF_ADDRESS: address, **settings}
    if errors:
        return errors
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(
            data=MappingProxyType(data),
            subentry_type=kind,
            title=device_title(data),
            unique_id=address,
        ),
    )
    return {}
