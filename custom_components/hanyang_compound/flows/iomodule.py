"""Subentry flows of the devices on Modbus I/O modules: modules, barrier gates, shed lights and sockets."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

from homeassistant.config_entries import SubentryFlowResult
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import voluptuous as vol

from ..const import (
    CONF_CLOSE_RELAY,
    CONF_CLOSED_LIMIT,
    CONF_KEPT_OPEN_IN_LOCKDOWN,
    CONF_MODULE,
    CONF_OPEN_LIMIT,
    CONF_OPEN_RELAY,
    CONF_POLL_INTERVAL,
    CONF_PROFILE,
    CONF_PULSE_SECONDS,
    CONF_RELAY,
    CONF_STOP_RELAY,
    CONF_TRANSPORT,
    CONF_TRAVEL_TIMEOUT,
    CONF_UNIT_ID,
    CONF_VEHICLE_LOOP,
    SUBENTRY_IO_MODULE,
)
from ..devices.iomodule.module import (
    IoModule,
    ModuleError,
    ModuleRefusedError,
    ModuleUnreachableError,
)
from ..devices.iomodule.profiles import DEFAULT_PROFILE, PROFILES, TRANSPORTS, ModuleProfile
from ..iomodule import default_module_title, module_claims, module_options, module_profile
from ..iomodule_settings import (
    CHANNEL,
    POLL_INTERVAL,
    PORT,
    PULSE_SECONDS,
    TRAVEL_TIMEOUT,
    UNIT_ID,
)
from ..modbus_link import async_temporary_unit, link_params
from ..texts import clean_text
from ..validation import ERROR_NOT_A_NUMBER
from .base import DeviceSubentryFlow

DEFAULT_PORT: Final = 502
DEFAULT_POLL_INTERVAL: Final = 1
DEFAULT_TRAVEL_TIMEOUT: Final = 10
TRANSPORT_OF_PROFILE: Final = "profile"
"""The transport choice that takes the usual transport of the module's profile."""


def _channel(user_input: dict[str, Any], key: str) -> int | None:
    """Return a channel of the form, None when an optional one was left empty."""
    value = user_input.get(key)
    return None if value in (None, "") else int(value)


class IoModuleSubentryFlow(DeviceSubentryFlow):
    """Adds or changes an I/O module: where it is reached, its unit id and type; checks that it answers."""

    # A module sits in a cabinet; the gates and shed outputs wired to it carry the areas.
    has_area = False

    def device_schema(self, defaults: dict[str, Any]) -> vol.Schema:
        """Return the module's form."""
        return vol.Schema(
            {
                vol.Optional(CONF_NAME, default=defaults.get(CONF_NAME, "")): TextSelector(),
                vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, "")): TextSelector(),
                vol.Required(
                    CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PORT)
                ): PORT.selector(),
                vol.Required(
                    CONF_UNIT_ID, default=defaults.get(CONF_UNIT_ID, 1)
                ): UNIT_ID.selector(),
                vol.Required(
                    CONF_PROFILE, default=defaults.get(CONF_PROFILE, DEFAULT_PROFILE)
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=list(PROFILES),
                        translation_key=CONF_PROFILE,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Required(
                    CONF_TRANSPORT, default=defaults.get(CONF_TRANSPORT, TRANSPORT_OF_PROFILE)
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=[TRANSPORT_OF_PROFILE, *TRANSPORTS],
                        translation_key=CONF_TRANSPORT,
                        mode=SelectSelectorMode.LIST,
                    )
                ),
                vol.Required(
                    CONF_POLL_INTERVAL,
                    default=defaults.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL),
                ): POLL_INTERVAL.selector(),
            }
        )

    async def async_validate_device(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Clean the input and read the module once, so a wrong address or unit id shows here.

        Its numbers were checked and parsed by the shared step.
        """
        profile = PROFILES[user_input[CONF_PROFILE]]
        data = {
            CONF_NAME: clean_text(user_input.get(CONF_NAME, "")),
            CONF_HOST: str(user_input[CONF_HOST]).strip(),
            CONF_PORT: user_input[CONF_PORT],
            CONF_UNIT_ID: user_input[CONF_UNIT_ID],
            CONF_PROFILE: profile.key,
            # The profile knows how its modules are usually reached; the technician may differ.
            CONF_TRANSPORT: (
                profile.transport
                if user_input[CONF_TRANSPORT] == TRANSPORT_OF_PROFILE
                else user_input[CONF_TRANSPORT]
            ),
            CONF_POLL_INTERVAL: user_input[CONF_POLL_INTERVAL],
        }
        if not data[CONF_HOST]:
            return data, {CONF_HOST: "host_empty"}
        if self._is_added_already(data):
            return data, {CONF_UNIT_ID: "module_already_added"}
        return data, await self._async_probe(data, profile)

    def _is_added_already(self, data: dict[str, Any]) -> bool:
        excluding = self.reconfigured_subentry_id()
        address = (data[CONF_HOST], data[CONF_PORT], data[CONF_UNIT_ID])
        return any(
            subentry.subentry_type == SUBENTRY_IO_MODULE
            and subentry.subentry_id != excluding
            # .get: another module's settings may have been changed by hand.
            and tuple(subentry.data.get(key) for key in (CONF_HOST, CONF_PORT, CONF_UNIT_ID))
            == address
            for subentry in self._get_entry().subentries.values()
        )

    async def _async_probe(self, data: dict[str, Any], profile: ModuleProfile) -> dict[str, str]:
        """Read the module once; return the form errors its answer (or silence) calls for."""
        params = link_params(data[CONF_HOST], data[CONF_PORT], data[CONF_TRANSPORT])
        try:
            async with async_temporary_unit(self.hass, params, data[CONF_UNIT_ID]) as unit:
                await IoModule(unit, profile).async_read()
        except ModuleUnreachableError:
            return {"base": "cannot_connect"}
        except ModuleRefusedError:
            return {CONF_UNIT_ID: "module_refused"}
        except ModuleError:
            return {"base": "invalid_response"}
        except HomeAssistantError:
            return {"base": "link_settings_conflict"}
        return {}

    def device_title(self, data: dict[str, Any]) -> str:
        """Return the module's name, or one by its unit id (never its host) when it has none."""
        name: str = data[CONF_NAME]
        return name or default_module_title(
            self._get_entry(), data[CONF_UNIT_ID], excluding=self.reconfigured_subentry_id()
        )


class ModuleChannelFlow(DeviceSubentryFlow):
    """Base of the flows of devices wired to channels of an I/O module (gates, shed outputs)."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add the device, once the compound has an I/O module to wire it to."""
        if not module_options(self._get_entry()):
            return self.async_abort(reason="no_io_module")
        return await super().async_step_user(user_input)

    def module_schema(self, defaults: dict[str, Any]) -> tuple[dict[Any, Any], ModuleProfile]:
        """Return the name and module fields, and the profile of the module chosen by default."""
        options = module_options(self._get_entry())
        module_id: str = defaults.get(CONF_MODULE) or ""
        if module_id not in self._get_entry().subentries:
            module_id = options[0]["value"]
        fields = {
            vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, "")): TextSelector(),
            vol.Required(CONF_MODULE, default=module_id): SelectSelector(
                SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
            ),
        }
        # A module whose stored type was changed by hand offers the default type's defaults.
        profile = module_profile(self._get_entry(), module_id) or PROFILES[DEFAULT_PROFILE]
        return fields, profile

    def device_title(self, data: dict[str, Any]) -> str:
        """Return the device's name (a gate's is also its entrance's name)."""
        name: str = data[CONF_NAME]
        return name

    def wiring_errors(
        self,
        data: dict[str, Any],
        relays: dict[str, int | None],
        inputs: dict[str, int | None],
        optional: Collection[str] = (),
    ) -> dict[str, str]:
        """Return the form errors of the device's name and chosen channels, by field."""
        errors = self.channel_errors(data[CONF_MODULE], relays, inputs, optional)
        if not data[CONF_NAME]:
            errors[CONF_NAME] = "name_empty"
        return errors

    def channel_errors(
        self,
        module_id: str,
        relays: dict[str, int | None],
        inputs: dict[str, int | None],
        optional: Collection[str],
    ) -> dict[str, str]:
        """Return the form errors of the channels chosen for this device, by field.

        Only the optional channels may be left empty.
        """
        entry = self._get_entry()
        if module_id not in entry.subentries:
            return {CONF_MODULE: "module_missing"}
        if (profile := module_profile(entry, module_id)) is None:
            return {CONF_MODULE: "module_invalid"}
        claims = module_claims(entry, module_id, excluding=self.reconfigured_subentry_id())
        errors: dict[str, str] = {}
        for chosen, count, claimed, taken in (
            (relays, profile.relays, claims.relays, "relay_taken"),
            (inputs, profile.inputs, claims.inputs, "input_taken"),
        ):
            seen: set[int] = set()
            for key, channel in chosen.items():
                if channel is None:
                    if key not in optional:
                        errors[key] = ERROR_NOT_A_NUMBER
                    continue
                if not 0 <= channel < count:
                    errors[key] = "channel_out_of_range"
                elif channel in seen:
                    errors[key] = "channel_repeated"
                elif channel in claimed:
                    errors[key] = taken
                seen.add(channel)
        return errors


class BarrierGateSubentryFlow(ModuleChannelFlow):
    """Adds or changes a barrier gate: its module, relays, inputs, timings and lockdown role."""

    def device_schema(self, defaults: dict[str, Any]) -> vol.Schema:
        """Return the gate's form; channel ranges and pulse length follow the module's profile."""
        fields, profile = self.module_schema(defaults)
        relay = channel = CHANNEL.selector()

        def optional(key: str) -> vol.Optional:
            value = defaults.get(key)
            return vol.Optional(key) if value is None else vol.Optional(key, default=value)

        fields |= {
            vol.Required(CONF_OPEN_RELAY, default=defaults.get(CONF_OPEN_RELAY, 0)): relay,
            vol.Required(CONF_CLOSE_RELAY, default=defaults.get(CONF_CLOSE_RELAY, 1)): relay,
            optional(CONF_STOP_RELAY): relay,
            vol.Required(
                CONF_PULSE_SECONDS, default=defaults.get(CONF_PULSE_SECONDS, profile.pulse_seconds)
            ): PULSE_SECONDS.selector(),
            vol.Required(CONF_OPEN_LIMIT, default=defaults.get(CONF_OPEN_LIMIT, 0)): channel,
            vol.Required(CONF_CLOSED_LIMIT, default=defaults.get(CONF_CLOSED_LIMIT, 1)): channel,
            optional(CONF_VEHICLE_LOOP): channel,
            vol.Required(
                CONF_TRAVEL_TIMEOUT,
                default=defaults.get(CONF_TRAVEL_TIMEOUT, DEFAULT_TRAVEL_TIMEOUT),
            ): TRAVEL_TIMEOUT.selector(),
            vol.Required(
                CONF_KEPT_OPEN_IN_LOCKDOWN, default=defaults.get(CONF_KEPT_OPEN_IN_LOCKDOWN, False)
            ): BooleanSelector(),
        }
        return vol.Schema(fields)

    async def async_validate_device(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Clean the wiring and refuse channels out of range, repeated or used by another device.

        Its numbers were checked and parsed by the shared step; optional channels may be empty.
        """
        relays = {
            key: _channel(user_input, key)
            for key in (CONF_OPEN_RELAY, CONF_CLOSE_RELAY, CONF_STOP_RELAY)
        }
        inputs = {
            key: _channel(user_input, key)
            for key in (CONF_OPEN_LIMIT, CONF_CLOSED_LIMIT, CONF_VEHICLE_LOOP)
        }
        data = {
            CONF_NAME: clean_text(user_input[CONF_NAME]),
            CONF_MODULE: user_input[CONF_MODULE],
            **relays,
            **inputs,
            CONF_PULSE_SECONDS: user_input[CONF_PULSE_SECONDS],
            CONF_TRAVEL_TIMEOUT: user_input[CONF_TRAVEL_TIMEOUT],
            CONF_KEPT_OPEN_IN_LOCKDOWN: bool(user_input[CONF_KEPT_OPEN_IN_LOCKDOWN]),
        }
        return data, self.wiring_errors(
            data, relays, inputs, optional=(CONF_STOP_RELAY, CONF_VEHICLE_LOOP)
        )


class ShedOutputSubentryFlow(ModuleChannelFlow):
    """Adds or changes a shed output: a name and one relay of an I/O module."""

    def device_schema(self, defaults: dict[str, Any]) -> vol.Schema:
        """Return the output's form."""
        fields, _ = self.module_schema(defaults)
        fields[vol.Required(CONF_RELAY, default=defaults.get(CONF_RELAY, 0))] = CHANNEL.selector()
        return vol.Schema(fields)

    async def async_validate_device(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Refuse a relay out of range or used by another device."""
        data = {
            CONF_NAME: clean_text(user_input[CONF_NAME]),
            CONF_MODULE: user_input[CONF_MODULE],
            CONF_RELAY: _channel(user_input, CONF_RELAY),
        }
        return data, self.wiring_errors(data, {CONF_RELAY: data[CONF_RELAY]}, {})


class ShedLightSubentryFlow(ShedOutputSubentryFlow):
    """Adds or changes a shed light."""


class ShedSocketSubentryFlow(ShedOutputSubentryFlow):
    """Adds or changes a shed's switched sockets (e-bike charging)."""
