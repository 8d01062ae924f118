"""Config flow of a compound: setup, reconfiguration, options, a terminal's reauth, Bluetooth discovery, and each device kind's flow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlowResult,
    ConfigSubentryFlow,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .assessment_options import (
    assessment_option_errors,
    assessment_option_fields,
    stored_assessment_options,
)
from .const import (
    ATTR_SUBENTRY_ID,
    CONF_CLEAR_MODE_PIN,
    CONF_DISTRICT_LINK,
    CONF_FEVER_THRESHOLD,
    CONF_MODE_PIN,
    CONF_MODE_PIN_HASH,
    CONF_SERIAL_NUMBER,
    CONF_SERVICE_TIER,
    CONF_SHARE_RESIDENT_IDENTITY,
    CONF_USERS_MAY_RESTRICT,
    CONF_ZONE,
    DEFAULT_FEVER_THRESHOLD,
    DOMAIN,
    FEVER_THRESHOLD,
    SUBENTRY_ACCESS_TERMINAL,
    SUBENTRY_BARRIER_GATE,
    SUBENTRY_BLE_THERMOMETER,
    SUBENTRY_BTHOME_SENSOR,
    SUBENTRY_IO_MODULE,
    SUBENTRY_PATROL_ROUTE,
    SUBENTRY_SHED_LIGHT,
    SUBENTRY_SHED_SOCKET,
    ServiceTier,
    is_district_data,
)
from .flows.base import DeviceSubentryFlow
from .flows.ble import (
    BleThermometerSubentryFlow,
    BTHomeSensorSubentryFlow,
    add_discovered_device,
    address_owner,
    discovered_kind,
    discovery_schema,
)
from .flows.district import DistrictEntrySteps, DistrictOptionsStep
from .flows.iomodule import (
    BarrierGateSubentryFlow,
    IoModuleSubentryFlow,
    ShedLightSubentryFlow,
    ShedSocketSubentryFlow,
)
from .flows.patrol_route import PatrolRouteSubentryFlow
from .flows.terminal import AccessTerminalSubentryFlow
from .mode_pin import hash_pin, normalize_pin
from .terminal_auth import async_check_terminal
from .texts import clean_text
from .validation import form_number_errors

if TYPE_CHECKING:
    from homeassistant.components.bluetooth import BluetoothServiceInfoBleak

    from . import HanyangConfigEntry

SUBENTRY_FLOWS: Final[dict[str, type[DeviceSubentryFlow]]] = {
    SUBENTRY_IO_MODULE: IoModuleSubentryFlow,
    SUBENTRY_BARRIER_GATE: BarrierGateSubentryFlow,
    SUBENTRY_SHED_LIGHT: ShedLightSubentryFlow,
    SUBENTRY_SHED_SOCKET: ShedSocketSubentryFlow,
    SUBENTRY_PATROL_ROUTE: PatrolRouteSubentryFlow,
    SUBENTRY_ACCESS_TERMINAL: AccessTerminalSubentryFlow,
    SUBENTRY_BLE_THERMOMETER: BleThermometerSubentryFlow,
    SUBENTRY_BTHOME_SENSOR: BTHomeSensorSubentryFlow,
}
"""The flow of each device kind a compound can have, by subentry type, in the order they are offered."""


def compound_unique_id(name: str) -> str:
    """Return the id that makes a compound unique: its name, ignoring case and spacing."""
    return clean_text(name).casefold()


def _compound_schema(defaults: dict[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, "")): TextSelector(),
            vol.Required(CONF_ZONE, default=defaults.get(CONF_ZONE, "")): TextSelector(),
            vol.Required(
                CONF_SERVICE_TIER,
                default=defaults.get(CONF_SERVICE_TIER, ServiceTier.STANDARD),
            ): SelectSelector(
                SelectSelectorConfig(
                    options=[str(tier) for tier in ServiceTier],
                    translation_key=CONF_SERVICE_TIER,
                    mode=SelectSelectorMode.LIST,
                )
            ),
        }
    )


class HanyangCompoundConfigFlow(DistrictEntrySteps, domain=DOMAIN):
    """Set up and reconfigure a compound or a district, and renew a terminal's credentials (reauth)."""

    VERSION = 1
    MINOR_VERSION = 1
    _reauth_subentry_id: str
    """The terminal whose credentials a reauth flow asks for (Home Assistant has no subentry reauth)."""
    _discovery: tuple[str, BluetoothServiceInfoBleak]
    """The kind and advertisement of a device found by Bluetooth discovery."""

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: HanyangConfigEntry) -> CompoundOptionsFlow:
        """Return the flow for a compound's options."""
        return CompoundOptionsFlow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Whether the entry has options: a compound has, a district has none."""
        return not is_district_data(config_entry.data)

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the device kinds a technician can add to a compound (a district has no devices)."""
        return {} if is_district_data(config_entry.data) else dict(SUBENTRY_FLOWS)

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask what to add: a compound, or a district's view of its compounds."""
        return self.async_show_menu(step_id="user", menu_options=["compound", "district"])

    async def async_step_compound(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the compound's name, zone and service tier."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = self._validate(user_input, exclude_entry_id=None)
            if not errors:
                await self.async_set_unique_id(compound_unique_id(data[CONF_NAME]))
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=data.pop(CONF_NAME), data=data, options={})
        return self.async_show_form(
            step_id="compound",
            data_schema=_compound_schema(user_input or {}),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Rename a compound or change its zone or service tier (a district: its name)."""
        entry = self._get_reconfigure_entry()
        if is_district_data(entry.data):
            return await self.async_step_reconfigure_district()
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = self._validate(user_input, exclude_entry_id=entry.entry_id)
            if not errors:
                # The entry's update listener reloads the compound with its new settings.
                self.hass.config_entries.async_update_entry(
                    entry,
                    unique_id=compound_unique_id(data[CONF_NAME]),
                    title=data.pop(CONF_NAME),
                    data={**entry.data, **data},
                )
                return self.async_abort(reason="reconfigure_successful")
        defaults = user_input or {CONF_NAME: entry.title, **entry.data}
        return self.async_show_form(
            step_id="reconfigure", data_schema=_compound_schema(defaults), errors=errors
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start asking for new credentials of the terminal named in entry_data."""
        subentry_id = entry_data.get(ATTR_SUBENTRY_ID)
        if (
            not isinstance(subentry_id, str)
            or subentry_id not in self._get_reauth_entry().subentries
        ):
            return self.async_abort(reason="reauth_device_gone")
        self._reauth_subentry_id = subentry_id
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the terminal's user name and password, and check them before saving."""
        entry = self._get_reauth_entry()
        if (subentry := entry.subentries.get(self._reauth_subentry_id)) is None:
            return self.async_abort(reason="reauth_device_gone")  # removed while the form was open
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**subentry.data, **user_input}
            info, error = await async_check_terminal(self.hass, data)
            if error:
                errors["base"] = error
            elif info is not None and info.serial_number != subentry.data.get(CONF_SERIAL_NUMBER):
                errors["base"] = "another_terminal"
            else:
                # The entry's update listener reloads the compound with the new credentials.
                self.hass.config_entries.async_update_subentry(entry, subentry, data=data)
                return self.async_abort(reason="reauth_successful")
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_USERNAME, default=str(subentry.data.get(CONF_USERNAME, ""))
                ): TextSelector(),
                vol.Required(CONF_PASSWORD): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.PASSWORD)
                ),
            }
        )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=schema,
            errors=errors,
            description_placeholders={
                "terminal": subentry.title,
                "host": str(subentry.data.get(CONF_HOST, "")),
            },
        )

    async def async_step_bluetooth(
        self, discovery_info: BluetoothServiceInfoBleak
    ) -> ConfigFlowResult:
        """Offer a thermometer or BTHome sensor that no compound has yet."""
        kind = discovered_kind(discovery_info)
        if kind is None:
            return self.async_abort(reason="not_supported")
        address = discovery_info.address
        if address_owner(self.hass, address, exclude_subentry_id=None):
            return self.async_abort(reason="already_configured")
        if not self._compound_entries():
            return self.async_abort(reason="no_compound")
        # One discovery per device at a time; the id is not a compound's (those are names).
        await self.async_set_unique_id(f"bluetooth {address}")
        self._discovery = (kind, discovery_info)
        self.context["title_placeholders"] = {"name": discovery_info.name or address}
        return await self.async_step_bluetooth_confirm()

    async def async_step_bluetooth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which compound the discovered device belongs to, and its settings; then add it."""
        kind, discovery_info = self._discovery
        entries = self._compound_entries()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = add_discovered_device(self.hass, kind, discovery_info, user_input)
            if not errors:
                return self.async_abort(reason="device_added")
        schema = discovery_schema(entries, kind, discovery_info)
        return self.async_show_form(
            step_id="bluetooth_confirm",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
            description_placeholders={
                "name": discovery_info.name or discovery_info.address,
                "address": discovery_info.address,
                "kind": kind,
            },
        )

    def _compound_entries(self) -> list[ConfigEntry]:
        return [
            entry
            for entry in self._async_current_entries(include_ignore=False)
            if not is_district_data(entry.data)
        ]

    def _validate(
        self, user_input: dict[str, Any], *, exclude_entry_id: str | None
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Return the cleaned input and the errors found in it, by field."""
        data = {
            CONF_NAME: clean_text(user_input[CONF_NAME]),
            CONF_ZONE: clean_text(user_input[CONF_ZONE]),
            CONF_SERVICE_TIER: user_input[CONF_SERVICE_TIER],
        }
        errors: dict[str, str] = {}
        if not data[CONF_NAME]:
            errors[CONF_NAME] = "name_empty"
        elif any(
            entry.unique_id == compound_unique_id(data[CONF_NAME])
            for entry in self._compound_entries()
            if entry.entry_id != exclude_entry_id
        ):
            errors[CONF_NAME] = "name_taken"
        if not data[CONF_ZONE]:
            errors[CONF_ZONE] = "zone_empty"
        return data, errors


class CompoundOptionsFlow(DistrictOptionsStep):
    """Privacy, screening and who-may-change-the-mode settings of a compound, and its district link."""

    config_entry: HanyangConfigEntry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the privacy option, the fever threshold, the users' rights, the voice PIN and the link."""
        errors: dict[str, str] = {}
        if user_input is not None:
            options, errors = form_number_errors(self._schema(), user_input)
            linked = bool(options.pop(CONF_DISTRICT_LINK, False))
            errors |= assessment_option_errors(options)
            pin = str(options.pop(CONF_MODE_PIN, "") or "").strip()
            clear_pin = bool(options.pop(CONF_CLEAR_MODE_PIN, False))
            pin_hash = self.config_entry.options.get(CONF_MODE_PIN_HASH)
            if pin and (normalized := normalize_pin(pin)) is None:
                errors[CONF_MODE_PIN] = "pin_invalid"
            elif pin and normalized:
                pin_hash = await self.hass.async_add_executor_job(hash_pin, normalized)
            elif clear_pin:
                pin_hash = None
            if not errors:
                self.pending_options = stored_assessment_options(options) | (
                    {CONF_MODE_PIN_HASH: pin_hash} if pin_hash else {}
                )
                if linked:
                    return await self.async_step_district()
                return self.async_create_entry(data=self.pending_options)
        suggested = {
            CONF_DISTRICT_LINK: bool(self.config_entry.options.get(CONF_DISTRICT_LINK, False))
        } | {key: value for key, value in (user_input or {}).items() if key != CONF_MODE_PIN}
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(self._schema(), suggested),
            errors=errors,
        )

    def _schema(self) -> vol.Schema:
        options = self.config_entry.options
        return vol.Schema(
            {
                vol.Required(
                    CONF_SHARE_RESIDENT_IDENTITY,
                    default=options.get(CONF_SHARE_RESIDENT_IDENTITY, False),
                ): BooleanSelector(),
                vol.Required(
                    CONF_FEVER_THRESHOLD,
                    default=options.get(CONF_FEVER_THRESHOLD, DEFAULT_FEVER_THRESHOLD),
                ): FEVER_THRESHOLD.selector(),
                vol.Required(
                    CONF_USERS_MAY_RESTRICT, default=options.get(CONF_USERS_MAY_RESTRICT, False)
                ): BooleanSelector(),
                # Never shown back: only its hash is kept. Left empty, the PIN stays as it is.
                vol.Optional(CONF_MODE_PIN): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.PASSWORD)
                ),
                vol.Required(CONF_CLEAR_MODE_PIN, default=False): BooleanSelector(),
                **assessment_option_fields(self.config_entry.data[CONF_SERVICE_TIER], options),
                # No default, so a form sent without it leaves the link off.
                vol.Optional(CONF_DISTRICT_LINK): BooleanSelector(),
            }
        )
