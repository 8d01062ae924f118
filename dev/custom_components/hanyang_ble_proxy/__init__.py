"""Development only: a Bluetooth proxy that hears the simulator's BLE sensors, as ESPHome proxies hear real ones.

Configured in configuration.yaml by scripts/develop:
  hanyang_ble_proxy:
    url: http://127.0.0.1:15060/advertisements
It registers a remote scanner with Home Assistant's bluetooth integration and feeds it the
simulator's advertisement stream, so every integration (core bthome included) hears them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import aiohttp
from habluetooth import BaseHaRemoteScanner
from homeassistant.components import bluetooth
from homeassistant.const import CONF_URL, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

DOMAIN = "hanyang_ble_proxy"
SOURCE = "hanyang-simulated-proxy"
RETRY_SECONDS = 5
_LOGGER = logging.getLogger(__name__)

CONFIG_SCHEMA = vol.Schema(
    {DOMAIN: vol.Schema({vol.Required(CONF_URL): cv.url})}, extra=vol.ALLOW_EXTRA
)


class SimulatedProxyScanner(BaseHaRemoteScanner):
    """A remote scanner fed by the simulator instead of a radio."""

    def feed(self, advertisement: dict[str, Any]) -> None:
        """Hand one advertisement of the stream to Home Assistant's bluetooth manager."""
        self._async_on_advertisement(
            str(advertisement["address"]).upper(),
            int(advertisement["rssi"]),
            advertisement.get("name"),
            list(advertisement.get("service_uuids", [])),
            {
                uuid: bytes.fromhex(data)
                for uuid, data in advertisement.get("service_data", {}).items()
            },
            {
                int(company): bytes.fromhex(data)
                for company, data in advertisement.get("manufacturer_data", {}).items()
            },
            None,
            {},
            time.monotonic(),
        )


async def _async_follow(hass: HomeAssistant, scanner: SimulatedProxyScanner, url: str) -> None:
    session = async_get_clientsession(hass)
    while True:
        try:
            async with session.get(
                url, timeout=aiohttp.ClientTimeout(total=None, sock_read=60)
            ) as response:
                _LOGGER.info("Hearing the simulator's BLE sensors at %s", url)
                async for line in response.content:
                    if line.strip():
                        scanner.feed(json.loads(line))
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as err:
            _LOGGER.info("Simulator stream at %s unavailable (%s); retrying", url, err)
        await asyncio.sleep(RETRY_SECONDS)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the simulated proxy and follow the simulator's stream."""
    url = config[DOMAIN][CONF_URL]
    scanner = SimulatedProxyScanner(SOURCE, "Simulated BLE proxy", None, False)  # noqa: FBT003 - habluetooth's positional API
    unregister = bluetooth.async_register_scanner(hass, scanner, source_domain=DOMAIN)
    unsetup = scanner.async_setup()
    task = hass.async_create_background_task(_async_follow(hass, scanner, url), f"{DOMAIN} stream")

    def _stop(_event: Event) -> None:
        task.cancel()
        unsetup()
        unregister()

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _stop)
    return True
