"""Health Thermometers of a compound: body temperature readings over a Bluetooth connection."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from bleak_retry_connector import BleakClientWithServiceCache, establish_connection
from habluetooth import BluetoothServiceInfoBleak
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_NAME
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .ble_base import (
    BleDevice,
    stored_text,
)
from .compound import Compound
from .const import (
    CONF_SERVES,
    DOMAIN,
    LOGGER,
)
from .coordinator import Listeners
from .devices.ble.address import redact_addresses
from .devices.ble.health_thermometer import (
    TEMPERATURE_MEASUREMENT_UUID,
    MeasurementError,
    TemperatureMeasurement,
    parse_temperature_measurement,
)

if TYPE_CHECKING:
    # Only for types: Home Assistant's bluetooth module is imported once Bluetooth runs, as
    # importing it needs the requirements of Bluetooth (and USB) that a failed setup may lack.
    from homeassistant.components.bluetooth import BluetoothChange

THERMOMETER_IDLE_SECONDS = 30.0
"""A thermometer is disconnected after this long without an indication, so it can sleep."""
BACKOFF_FIRST_SECONDS = 10.0
BACKOFF_MAX_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class ThermometerReading:
    """A body temperature reading and when it was received."""

    measurement: TemperatureMeasurement
    received: datetime

    @property
    def temperature_type(self) -> str | None:
        """Where on the body it was taken (e.g. forehead), if the thermometer says."""
        kind = self.measurement.temperature_type
        return kind.name.lower() if kind else None


class BleThermometerDevice(BleDevice):
    """A Bluetooth Health Thermometer at an entrance or checkpoint.

    It sleeps between uses and advertises when woken: the integration then connects, subscribes
    to Temperature Measurement indications and disconnects once idle. A thermometer out of
    range is retried with a growing pause, never in a loop.
    """

    def __init__(self, compound: Compound, subentry: ConfigSubentry) -> None:
        """Check the stored settings and prepare the connection state; raise InvalidSettingError if one is bad."""
        super().__init__(compound, subentry)
        # The name is only the title's source, but a corrupted one means a corrupted subentry.
        stored_text(subentry.data, CONF_NAME)
        self.serves = stored_text(subentry.data, CONF_SERVES, required=False)
        self.reading: ThermometerReading | None = None
        self._client: BleakClient | None = None
        self._connect_task: asyncio.Task[None] | None = None
        self._not_before = 0.0
        self._backoff = BACKOFF_FIRST_SECONDS
        self._idle: CALLBACK_TYPE | None = None
        self.reading_listeners: Listeners[ThermometerReading] = Listeners()
        """Called with every new reading."""

    model = "Health thermometer"

    @property
    def fever(self) -> bool | None:
        """Whether the latest reading is at or above the compound's fever threshold."""
        if self.reading is None:
            return None
        return self.reading.measurement.celsius >= self.compound.fever_threshold

    @callback
    def async_listen(self) -> None:
        """Wait for the thermometer to advertise."""
        from homeassistant.components import bluetooth  # noqa: PLC0415 - see TYPE_CHECKING above

        self._unsubscribers.append(
            bluetooth.async_register_callback(
                self.hass,
                self._async_on_advertisement,
                bluetooth.BluetoothCallbackMatcher(address=self.address, connectable=True),
                bluetooth.BluetoothScanningMode.PASSIVE,
            )
        )

    async def async_stop(self) -> None:
        """Stop listening and disconnect."""
        await super().async_stop()
        if self._connect_task:
            self._connect_task.cancel()
            self._connect_task = None
        await self._async_disconnect()

    @callback
    def _async_on_advertisement(
        self, service_info: BluetoothServiceInfoBleak, change: BluetoothChange
    ) -> None:
        self.heard(service_info)
        self.notify()
        if self._client is not None or self._connect_task is not None:
            return
        if self.hass.loop.time() < self._not_before:
            return
        self._connect_task = self.compound.entry.async_create_background_task(
            self.hass, self._async_connect(), f"{DOMAIN} connect {self.address}"
        )

    async def _async_connect(self) -> None:
        try:
            client = await establish_connection(
                BleakClientWithServiceCache,
                self._ble_device(),
                self.title,
                disconnected_callback=self._on_disconnected,
                max_attempts=2,
            )
            self._client = client
            await client.start_notify(TEMPERATURE_MEASUREMENT_UUID, self._on_indication)
        except (BleakError, TimeoutError) as err:
            self._not_before = self.hass.loop.time() + self._backoff
            LOGGER.debug(
                "Could not connect to %s, next try in %.0f s: %s",
                self.title,
                self._backoff,
                redact_addresses(str(err)),
            )
            self._backoff = min(self._backoff * 2, BACKOFF_MAX_SECONDS)
            await self._async_disconnect()
        else:
            self._backoff = BACKOFF_FIRST_SECONDS
            self._restart_idle_timer()
        finally:
            self._connect_task = None

    def _ble_device(self) -> BLEDevice:
        from homeassistant.components import bluetooth  # noqa: PLC0415 - see TYPE_CHECKING above

        ble_device = bluetooth.async_ble_device_from_address(
            self.hass, self.address, connectable=True
        )
        if ble_device is None:
            raise BleakError("no connectable adapter or proxy hears the thermometer")
        return ble_device

    def _on_disconnected(self, client: BleakClient) -> None:
        self._client = None

    def _on_indication(self, characteristic: BleakGATTCharacteristic, data: bytearray) -> None:
        try:
            measurement = parse_temperature_measurement(bytes(data))
        except MeasurementError as err:
            LOGGER.debug("%s sent no usable reading: %s", self.title, err)
            return
        self.reading = ThermometerReading(measurement=measurement, received=dt_util.utcnow())
        self._restart_idle_timer()
        self.reading_listeners.notify(self.reading)
        self.notify()

    def _restart_idle_timer(self) -> None:
        if self._idle:
            self._idle()
        self._idle = async_call_later(self.hass, THERMOMETER_IDLE_SECONDS, self._on_idle)

    @callback
    def _on_idle(self, _now: datetime) -> None:
        self._idle = None
        self.compound.entry.async_create_background_task(
            self.hass, self._async_disconnect(), f"{DOMAIN} disconnect {self.address}"
        )

    async def _async_disconnect(self) -> None:
        if self._idle:
            self._idle()
            self._idle = None
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.disconnect()
            except BleakError as err:
                LOGGER.debug("Disconnecting %s failed: %s", self.title, redact_addresses(str(err)))
