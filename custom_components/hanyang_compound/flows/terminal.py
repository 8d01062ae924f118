"""Subentry flow of an access terminal: where it is, how to log in, which door and entrance it guards."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.const import (
    CONF_HOST,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.helpers.selector import (
    BooleanSelector,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from ..const import (
    CONF_ALERT_DURATION,
    CONF_DOOR,
    CONF_FIRMWARE,
    CONF_KEPT_OPEN_IN_LOCKDOWN,
    CONF_MODEL,
    CONF_SERIAL_NUMBER,
    DOMAIN,
    SUBENTRY_ACCESS_TERMINAL,
)
from ..terminal_auth import (
    ALERT_DURATION,
    DOOR,
    ERROR_HOST_INVALID,
    PORT,
    async_check_terminal,
    normalized_host,
)
from ..texts import clean_text
from ..validation import ERROR_NOT_A_NUMBER
from .base import DeviceSubentryFlow

DEFAULT_PORT: Final = 80
DEFAULT_USERNAME: Final = "admin"
DEFAULT_ALERT_DURATION: Final = 300
"""Seconds a fever or no-mask alert stays on after the last such screening."""
NUMBER_FIELDS: Final = {CONF_PORT: PORT, CONF_DOOR: DOOR, CONF_ALERT_DURATION: ALERT_DURATION}


class AccessTerminalSubentryFlow(DeviceSubentryFlow):
    """Adds or reconfigures a face-recognition temperature-screening terminal at an entrance."""

    def device_schema(self, defaults: dict[str, Any]) -> vol.Schema:
        """Return the terminal's form, prefilled with defaults."""
        return vol.Schema(
            {
                vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, "")): TextSelector(),
                vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, "")): TextSelector(),
                vol.Required(
                    CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PORT)
                ): PORT.selector(),
                vol.Required(CONF_SSL, default=defaults.get(CONF_SSL, False)): BooleanSelector(),
                vol.Required(
                    CONF_VERIFY_SSL, default=defaults.get(CONF_VERIFY_SSL, True)
                ): BooleanSelector(),
                vol.Required(
                    CONF_USERNAME, default=defaults.get(CONF_USERNAME, DEFAULT_USERNAME)
                ): TextSelector(),
                vol.Required(CONF_PASSWORD, default=defaults.get(CONF_PASSWORD, "")): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.PASSWORD)
                ),
                vol.Required(CONF_DOOR, default=defaults.get(CONF_DOOR, 1)): DOOR.selector(),
                vol.Required(
                    CONF_KEPT_OPEN_IN_LOCKDOWN,
                    default=defaults.get(CONF_KEPT_OPEN_IN_LOCKDOWN, False),
                ): BooleanSelector(),
                vol.Required(
                    CONF_ALERT_DURATION,
                    default=defaults.get(CONF_ALERT_DURATION, DEFAULT_ALERT_DURATION),
                ): ALERT_DURATION.selector(),
            }
        )

    async def async_validate_device(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Reach the terminal, read its serial number and make sure no compound has it already.

        The numbers arrive parsed and in range (whole numbers as int), unless left empty.
        """
        data = {**user_input, CONF_NAME: clean_text(user_input[CONF_NAME])}
        errors = {key: ERROR_NOT_A_NUMBER for key in NUMBER_FIELDS if data.get(key) in (None, "")}
        if not data[CONF_NAME]:
            errors[CONF_NAME] = "entrance_name_empty"
        try:
            data[CONF_HOST] = normalized_host(data[CONF_HOST])
        except ValueError:
            errors[CONF_HOST] = ERROR_HOST_INVALID
        if errors:
            return data, errors
        info, error = await async_check_terminal(self.hass, data)
        if info is None:
            return data, {"base": error or "cannot_connect"}
        own = self.reconfigured_subentry_id()
        if (
            own is not None
            and self._get_reconfigure_subentry().data[CONF_SERIAL_NUMBER] != info.serial_number
        ):
            return data, {"base": "another_terminal"}
        if self._serial_in_use(info.serial_number, except_subentry=own):
            return data, {"base": "terminal_already_configured"}
        data |= {
            CONF_SERIAL_NUMBER: info.serial_number,
            CONF_MODEL: info.model,
            CONF_FIRMWARE: info.firmware_version,
        }
        return data, {}

    def _serial_in_use(self, serial: str, *, except_subentry: str | None) -> bool:
        # Subentry unique ids are unique within one compound only; a terminal belongs to one compound.
        return any(
            subentry.data.get(CONF_SERIAL_NUMBER) == serial
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            for subentry in entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_ACCESS_TERMINAL
            and subentry.subentry_id != except_subentry
        )

    def device_title(self, data: dict[str, Any]) -> str:
        """Return the entrance's name: the terminal is listed as the entrance it guards."""
        return str(data[CONF_NAME])
