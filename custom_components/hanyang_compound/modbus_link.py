"""Modbus links to gateways, one per gateway: borrowed from core modbus where it shares them, else kept here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
import importlib
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey
from modbus_connection import ModbusSerialParams, ModbusTcpParams, ModbusUnit
from modbus_connection.tmodbus import ModbusConnection

from .const import DOMAIN
from .devices.iomodule.profiles import TRANSPORT_RTU_OVER_TCP

type LinkParams = ModbusTcpParams | ModbusSerialParams

MAX_REQUEST_TIMEOUT = 5.0
"""The longest any request waits for its answer: no Modbus module answers later than that.

Links opened here give up then; each module bounds its own requests further by its polling
interval, on a borrowed link too (core modbus's wait much longer).
"""
# The line speed core modbus gives an RTU link carried over TCP; equal params share one link.
SOCKET_BAUDRATE = 115200


def _core_connections() -> Any:
    """Return core modbus's shared-connection module, on releases that have it."""
    with suppress(ImportError):
        return importlib.import_module("homeassistant.components.modbus.connection")
    return None


CORE_CONNECTIONS = _core_connections()


def link_params(host: str, port: int, transport: str) -> LinkParams:
    """Return the parameters of the link to a gateway, in the form core modbus builds it from."""
    if transport == TRANSPORT_RTU_OVER_TCP:
        address = f"[{host}]" if ":" in host else host
        return ModbusSerialParams(
            device=f"socket://{address}:{port}", framer="rtu", baudrate=SOCKET_BAUDRATE
        )
    return ModbusTcpParams(host=host, port=port)


@dataclass
class _Link:
    connection: ModbusConnection
    holds: int = 0


@dataclass
class _Links:
    by_endpoint: dict[Any, _Link] = field(default_factory=dict)


DATA_LINKS: HassKey[_Links] = HassKey(f"{DOMAIN}_modbus_links")


@callback
def _acquire(
    hass: HomeAssistant, params: LinkParams
) -> tuple[ModbusConnection, Callable[[], Coroutine[Any, Any, None]]]:
    links = hass.data.setdefault(DATA_LINKS, _Links()).by_endpoint
    endpoint = params.endpoint
    if (link := links.get(endpoint)) is None:
        link = links[endpoint] = _Link(ModbusConnection(params, timeout=MAX_REQUEST_TIMEOUT))
    link.holds += 1

    async def release() -> None:
        link.holds -= 1
        if link.holds == 0 and links.get(endpoint) is link:
            del links[endpoint]
            await link.connection.close()

    return link.connection, release


@callback
def async_get_unit(
    hass: HomeAssistant, entry: ConfigEntry, params: LinkParams, unit_id: int
) -> ModbusUnit:
    """Return a unit on the gateway's one link, held until the compound unloads.

    Raises HomeAssistantError if core modbus already uses the gateway with other link settings.
    """
    if CORE_CONNECTIONS is not None:
        unit: ModbusUnit = CORE_CONNECTIONS.async_get_unit(hass, entry, params, unit_id)
        return unit
    connection, release = _acquire(hass, params)
    entry.async_on_unload(release)
    return connection.for_unit(unit_id)


@asynccontextmanager
async def async_temporary_unit(
    hass: HomeAssistant, params: LinkParams, unit_id: int
) -> AsyncIterator[ModbusUnit]:
    """Hold a unit for a config flow's check; a link opened for it is closed afterwards."""
    if CORE_CONNECTIONS is not None:
        async with CORE_CONNECTIONS.async_get_temporary_unit(hass, params, unit_id) as unit:
            yield unit
        return
    connection, release = _acquire(hass, params)
    try:
        yield connection.for_unit(unit_id)
    finally:
        await release()
