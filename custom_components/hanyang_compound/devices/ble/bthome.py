"""BTHome v2 advertisements of one sensor, decoded with bthome-ble, with downgrades and replays dropped."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
import logging
from typing import TYPE_CHECKING, Final, override

from bthome_ble import BTHomeBluetoothDeviceData
from habluetooth.models import BluetoothServiceInfoBleak

from .address import redact_addresses

if TYPE_CHECKING:
    from datetime import date, datetime
    from decimal import Decimal

    # bthome-ble's own types (of the library it builds on), for the methods overridden below.
    from sensor_state_data import BinarySensorDeviceClass, SensorDeviceClass, Units

BTHOME_SERVICE_UUID: Final = "0000fcd2-0000-1000-8000-00805f9b34fb"
BIND_KEY_LENGTH: Final = 16

_LOGGER = logging.getLogger(__name__)
_BTHOME_LOGGER = logging.getLogger("bthome_ble.parser")

_FLAG_ENCRYPTED: Final = 0x01
_FLAG_MAC_INCLUDED: Final = 0x02
_VERSION_2: Final = 2
# Encrypted payload: at least 3 bytes of objects, a counter (4 bytes) and an integrity check (4 bytes).
_ENCRYPTED_MINIMUM: Final = 11
# What bthome-ble reports besides the sensor's measurements.
_NOT_MEASUREMENTS: Final = frozenset({"packet_id", "signal_strength"})


class BindKeyError(ValueError):
    """The sensor encrypts its advertisements and the bind key is missing or does not decrypt them."""

    def __init__(self, *, missing: bool) -> None:
        """Say whether the key was missing (rather than wrong)."""
        super().__init__(
            "the sensor is encrypted and no bind key was given"
            if missing
            else "the bind key does not decrypt the sensor's advertisements"
        )
        self.missing = missing


def parse_bind_key(text: str) -> bytes:
    """Return the 16-byte key written as 32 hexadecimal digits; raise ValueError otherwise."""
    key = bytes.fromhex(text.strip())
    if len(key) != BIND_KEY_LENGTH:
        raise ValueError(f"a bind key has {BIND_KEY_LENGTH} bytes, not {len(key)}")
    return key


def is_bthome_v2(service_info: BluetoothServiceInfoBleak) -> bool:
    """Whether an advertisement carries BTHome v2 service data."""
    data = service_info.service_data.get(BTHOME_SERVICE_UUID)
    return bool(data) and data is not None and (data[0] >> 5) & 7 == _VERSION_2


def is_encrypted(service_info: BluetoothServiceInfoBleak) -> bool:
    """Whether a BTHome v2 advertisement is encrypted."""
    return bool(service_info.service_data[BTHOME_SERVICE_UUID][0] & _FLAG_ENCRYPTED)


@dataclass(frozen=True, slots=True)
class BTHomeReading:
    """What one accepted advertisement said: measurements by bthome-ble key, e.g. temperature, opening."""

    values: Mapping[str, float | bool]
    encrypted: bool


class _DemoteToDebug(logging.Filter):
    """While one of our sensors is decoded, turns bthome-ble's warnings about bad input into debug lines.

    Malformed, replayed or downgraded advertisements are expected from the air and say nothing
    a user can act on; the same library's messages for core bthome are left alone.
    """

    active = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.active:
            return True
        _LOGGER.debug("bthome-ble: %s", redact_addresses(record.getMessage()))
        return False


_DEMOTE = _DemoteToDebug()
_BTHOME_LOGGER.addFilter(_DEMOTE)


class _MeasurementParser(BTHomeBluetoothDeviceData):
    """bthome-ble's parser, keeping only the measurements of the advertisement it parses.

    The library hands each measurement to update_sensor or update_binary_sensor, which by default
    build a description, a display name and a value object for integrations that create their
    entities from them. A compound's entities are fixed by the sensor's role: the numbers are
    all it needs, and building the rest was a third of the decoding's cost.
    """

    def __init__(self, bind_key: bytes | None) -> None:
        super().__init__(bindkey=bind_key)
        self.heard: dict[str, float | bool] = {}
        """The measurements of the advertisement parsed last, by bthome-ble key."""

    @override
    def update_sensor(
        self,
        key: str,
        native_unit_of_measurement: Units | None,
        native_value: str | float | date | datetime | Decimal | None,
        device_class: SensorDeviceClass | None = None,
        name: str | None = None,
        device_id: str | None = None,
    ) -> None:
        if isinstance(native_value, int | float) and key not in _NOT_MEASUREMENTS:
            self.heard[key] = native_value

    @override
    def update_binary_sensor(
        self,
        key: str,
        native_value: bool | None,
        device_class: BinarySensorDeviceClass | None = None,
        name: str | None = None,
        device_id: str | None = None,
    ) -> None:
        if native_value is not None:
            self.heard[key] = bool(native_value)

    def parse(self, service_info: BluetoothServiceInfoBleak) -> dict[str, float | bool]:
        """Return the measurements of one advertisement, by bthome-ble key.

        The parsing step of update(), without what update() adds for entity-building
        integrations: a signal-strength reading and a summary of every entity description.
        """
        self.heard = {}
        self._start_update(service_info)
        return self.heard


@contextmanager
def _quiet_bthome() -> Iterator[None]:
    _DEMOTE.active = True
    try:
        yield
    finally:
        _DEMOTE.active = False


class BTHomeSensorDecoder:
    """Decodes the advertisements of one BTHome v2 sensor.

    With a bind key, only encrypted advertisements whose counter moves forward are accepted:
    plaintext ones (a downgrade) and old counters (a replay) are dropped. A sensor whose
    counter restarts (a battery change) is accepted again once the decoder is rebuilt.
    """

    def __init__(self, bind_key: bytes | None, label: str = "BTHome sensor") -> None:
        """Prepare decoding for a sensor with or without a bind key; label names it in debug logs."""
        self._bind_key = bind_key
        self._label = label
        self._parser = _MeasurementParser(bind_key)
        self._last_counter: int | None = None
        self.decryption_failures = 0
        """Encrypted advertisements in a row that the bind key did not decrypt."""

    def decode(self, service_info: BluetoothServiceInfoBleak) -> BTHomeReading | None:
        """Return what the advertisement says, or None when it is dropped or says nothing new."""
        screened = self._screen(service_info)
        if screened is None:
            return None
        encrypted, counter = screened
        # Only an advertisement it parsed (and, if encrypted, decrypted) counts as heard.
        self._parser.decryption_failed = True
        # As _quiet_bthome does, without a context manager's cost on every advertisement.
        _DEMOTE.active = True
        try:
            values = self._parser.parse(service_info)
        except (ValueError, IndexError, TypeError, OverflowError) as err:
            _LOGGER.debug("%s: undecodable advertisement: %s", self._label, err)
            return None
        finally:
            _DEMOTE.active = False
        if encrypted and self._parser.decryption_failed:
            self.decryption_failures += 1
            _LOGGER.debug("%s: advertisement not decrypted", self._label)
            return None
        if self._parser.last_service_info is not service_info:
            _LOGGER.debug("%s: advertisement not accepted", self._label)
            return None
        self.decryption_failures = 0
        if counter is not None:
            self._last_counter = counter
        return BTHomeReading(values=values, encrypted=encrypted) if values else None

    def _screen(self, service_info: BluetoothServiceInfoBleak) -> tuple[bool, int | None] | None:
        """Return whether the advertisement is encrypted and its counter, or None to drop it."""
        label = self._label
        data = service_info.service_data.get(BTHOME_SERVICE_UUID)
        if not data or (data[0] >> 5) & 7 != _VERSION_2:
            _LOGGER.debug("%s: not a BTHome v2 advertisement: %s", label, data)
            return None
        encrypted = bool(data[0] & _FLAG_ENCRYPTED)
        if self._bind_key is None:
            if encrypted:
                _LOGGER.debug("%s: encrypted advertisement and no bind key", label)
                return None
            return False, None
        header = 1 + (6 if data[0] & _FLAG_MAC_INCLUDED else 0)
        if not encrypted or len(data) < header + _ENCRYPTED_MINIMUM:
            _LOGGER.debug("%s: plaintext or truncated advertisement from a keyed sensor", label)
            return None
        counter = int.from_bytes(data[-8:-4], "little")
        if self._last_counter is not None and counter <= self._last_counter:
            _LOGGER.debug("%s: counter %s replayed (last %s)", label, counter, self._last_counter)
            return None
        return True, counter


def check_bind_key(service_info: BluetoothServiceInfoBleak, bind_key: bytes | None) -> None:
    """Raise BindKeyError unless bind_key (or no key) fits the sensor's latest advertisement."""
    encrypted = is_encrypted(service_info)
    if not encrypted:
        return
    if bind_key is None:
        raise BindKeyError(missing=True)
    parser = BTHomeBluetoothDeviceData(bindkey=bind_key)
    with _quiet_bthome():
        parser.update(service_info)
    if parser.decryption_failed:
        raise BindKeyError(missing=False)
