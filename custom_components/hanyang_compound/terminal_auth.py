"""Reaching an access terminal from a flow, and the compound's reauth step for a terminal's password.

Home Assistant has no reauth flow for a subentry: a terminal that refuses its credentials
starts the compound entry's reauth flow naming the terminal's subentry, and this step asks
for that terminal's new user name and password.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
import voluptuous as vol

from .devices.isapi.client import DeviceInfo, IsapiClient
from .devices.isapi.errors import NotSupportedError, TerminalAuthError, TerminalError

SUBENTRY_TYPE_ACCESS_TERMINAL: Final = "access_terminal"
CONF_SERIAL_NUMBER: Final = "serial_number"
ATTR_SUBENTRY_ID: Final = "subentry_id"


def terminal_client(hass: HomeAssistant, data: Mapping[str, Any]) -> IsapiClient:
    """Return a client for the terminal described by a subentry's data, on Home Assistant's session."""
    return IsapiClient(
        async_get_clientsession(hass),
        data[CONF_HOST],
        int(data[CONF_PORT]),
        username=data[CONF_USERNAME],
        password=data[CONF_PASSWORD],
        https=bool(data.get(CONF_SSL, False)),
        verify_ssl=bool(data.get(CONF_VERIFY_SSL, True)),
    )


async def async_check_terminal(
    hass: HomeAssistant, data: Mapping[str, Any]
) -> tuple[DeviceInfo | None, str | None]:
    """Ask the terminal who it is; return its identity, or the flow error key saying why not."""
    try:
        return await terminal_client(hass, data).async_get_device_info(), None
    except TerminalAuthError:
        return None, "invalid_auth"
    except NotSupportedError:
        return None, "not_supported"
    except TerminalError:
        return None, "cannot_connect"


class TerminalReauthMixin(ConfigFlow):
    """The compound flow's reauth steps for one of its terminals."""

    _reauth_subentry_id: str

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
        subentry = entry.subentries[self._reauth_subentry_id]
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**subentry.data, **user_input}
            info, error = await async_check_terminal(self.hass, data)
            if error:
                errors["base"] = error
            elif info is not None and info.serial_number != subentry.data[CONF_SERIAL_NUMBER]:
                errors["base"] = "another_terminal"
            else:
                # The entry's update listener reloads the compound with the new credentials.
                self.hass.config_entries.async_update_subentry(entry, subentry, data=data)
                return self.async_abort(reason="reauth_successful")
        schema = vol.Schema(
            {
                vol.Required(CONF_USERNAME, default=subentry.data[CONF_USERNAME]): TextSelector(),
                vol.Required(CONF_PASSWORD): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.PASSWORD)
                ),
            }
        )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=schema,
            errors=errors,
            description_placeholders={"terminal": subentry.title, "host": subentry.data[CONF_HOST]},
        )
