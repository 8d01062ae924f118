"""An access terminal's settings, their ranges and checks, and reaching the terminal with them.

The terminal's flow, the compound's reauth step and the running terminal all read a
terminal's settings through this module.
"""

from __future__ import annotations

from collections.abc import Mapping
import ipaddress
import re
from typing import Any, Final

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
from yarl import URL

from .const import LOGGER
from .devices.isapi.client import DeviceInfo, IsapiClient
from .devices.isapi.errors import NotSupportedError, TerminalAuthError, TerminalError
from .validation import InvalidSettingError, NumberRange

ERROR_HOST_INVALID: Final = "host_invalid"
PORT: Final = NumberRange(1, 65535)
DOOR: Final = NumberRange(1, 8)
"""Door numbers of a terminal (most control one door; controllers up to eight)."""
ALERT_DURATION: Final = NumberRange(10, 86400, unit="s")
HOST_MAX_LENGTH: Final = 253
"""The longest host name DNS can carry, dots included."""
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.IGNORECASE)
"""A label of a host name; underscores are not standard but common in names DHCP hands out."""


def normalized_host(value: Any) -> str:
    """Return a terminal's host name or IP address; raise ValueError if value is neither.

    Only the host: no scheme, credentials, path, port or spaces. An IPv6 address may be
    written in brackets, as in URLs; it is returned without them.
    """
    host = value.strip() if isinstance(value, str) else ""
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        ascii_name = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError("not a host name") from None
    labels = ascii_name.removesuffix(".").split(".")
    if (
        len(ascii_name) > HOST_MAX_LENGTH
        or not all(_HOST_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()  # a mistyped IPv4 address, not a name
    ):
        raise ValueError("not a host name")
    # IDNA maps some characters away (a soft hyphen) that URLs refuse: the client must take it.
    URL.build(scheme="http", host=host)
    return host


def stored_text(data: Mapping[str, Any], key: str) -> str:
    """Return a stored text setting; raise InvalidSettingError if it is missing or not text."""
    value = data.get(key)
    if not isinstance(value, str):
        raise InvalidSettingError(key)
    return value


def stored_flag(data: Mapping[str, Any], key: str, *, default: bool) -> bool:
    """Return a stored on/off setting (default when absent); raise InvalidSettingError if not one."""
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise InvalidSettingError(key)
    return value


def terminal_client(hass: HomeAssistant, data: Mapping[str, Any]) -> IsapiClient:
    """Return a client for the terminal described by settings, on Home Assistant's session.

    Raises InvalidSettingError, before anything is created, if a setting cannot be used.
    """
    try:
        host = normalized_host(data.get(CONF_HOST))
    except ValueError:
        raise InvalidSettingError(CONF_HOST) from None
    port = int(PORT.stored(data, CONF_PORT))
    username, password = stored_text(data, CONF_USERNAME), stored_text(data, CONF_PASSWORD)
    https = stored_flag(data, CONF_SSL, default=False)
    verify_ssl = stored_flag(data, CONF_VERIFY_SSL, default=True)
    return IsapiClient(
        async_get_clientsession(hass),
        host,
        port,
        username=username,
        password=password,
        https=https,
        verify_ssl=verify_ssl,
    )


async def async_check_terminal(
    hass: HomeAssistant, data: Mapping[str, Any]
) -> tuple[DeviceInfo | None, str | None]:
    """Ask the terminal who it is; return its identity, or the flow error key saying why not.

    Every failure is a key, never an exception: a flow shows it as a translated message.
    """
    try:
        client = terminal_client(hass, data)
    except InvalidSettingError as err:
        return None, ERROR_HOST_INVALID if err.key == CONF_HOST else "cannot_connect"
    try:
        return await client.async_get_device_info(), None
    except TerminalAuthError:
        return None, "invalid_auth"
    except NotSupportedError:
        return None, "not_supported"
    except TerminalError:
        return None, "cannot_connect"
    except Exception as err:  # noqa: BLE001 - a flow answers with a message, never a traceback
        # The type only: the texts of such errors may name the host.
        LOGGER.debug("Reaching an access terminal failed unexpectedly: %s", type(err).__name__)
        return None, "cannot_connect"
