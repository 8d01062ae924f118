"""IEEE-11073 FLOAT/SFLOAT and the Health Thermometer's Temperature Measurement (GATT 0x2A1C)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
import struct
from typing import Final

HEALTH_THERMOMETER_SERVICE_UUID: Final = "00001809-0000-1000-8000-00805f9b34fb"
TEMPERATURE_MEASUREMENT_UUID: Final = "00002a1c-0000-1000-8000-00805f9b34fb"

_FLAG_FAHRENHEIT: Final = 0x01
_FLAG_TIMESTAMP: Final = 0x02
_FLAG_TEMPERATURE_TYPE: Final = 0x04
_FLAGS_KNOWN: Final = _FLAG_FAHRENHEIT | _FLAG_TIMESTAMP | _FLAG_TEMPERATURE_TYPE
_FLOAT_SIZE: Final = 4
_SFLOAT_SIZE: Final = 2
_FLAGS_SIZE: Final = 1
_TIMESTAMP_SIZE: Final = 7


class MeasurementError(ValueError):
    """A measurement that carries no usable number."""


class MalformedMeasurementError(MeasurementError):
    """The bytes are not a Temperature Measurement (too short, too long, impossible date)."""


class SpecialValue(StrEnum):
    """The reserved mantissas of IEEE-11073 FLOAT and SFLOAT."""

    NAN = "NaN"
    NRES = "NRes"
    POSITIVE_INFINITY = "+INF"
    NEGATIVE_INFINITY = "-INF"
    RESERVED = "reserved"


class SpecialValueError(MeasurementError):
    """The device sent a special value (not a number, not at this resolution, infinite) instead of a reading."""

    def __init__(self, special: SpecialValue) -> None:
        """Remember which special value was sent."""
        super().__init__(f"the device sent {special}, not a number")
        self.special = special


# Reserved mantissas at exponent 0, as listed in IEEE 11073-20601 and the Bluetooth SIG's GATT
# specification supplement (FLOAT: 24-bit mantissa, SFLOAT: 12-bit mantissa).
_FLOAT_SPECIALS: Final = {
    0x7FFFFF: SpecialValue.NAN,
    0x800000: SpecialValue.NRES,
    0x7FFFFE: SpecialValue.POSITIVE_INFINITY,
    0x800002: SpecialValue.NEGATIVE_INFINITY,
    0x800001: SpecialValue.RESERVED,
}
_SFLOAT_SPECIALS: Final = {
    0x07FF: SpecialValue.NAN,
    0x0800: SpecialValue.NRES,
    0x07FE: SpecialValue.POSITIVE_INFINITY,
    0x0802: SpecialValue.NEGATIVE_INFINITY,
    0x0801: SpecialValue.RESERVED,
}


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


def _decode(
    raw: int, mantissa_bits: int, exponent_bits: int, specials: dict[int, SpecialValue]
) -> float:
    mantissa_raw = raw & ((1 << mantissa_bits) - 1)
    exponent_raw = raw >> mantissa_bits
    if exponent_raw == 0 and mantissa_raw in specials:
        raise SpecialValueError(specials[mantissa_raw])
    mantissa = _signed(mantissa_raw, mantissa_bits)
    exponent = _signed(exponent_raw, exponent_bits)
    # Rounding to the digits the exponent allows keeps 36.4 from turning into 36.400000000000006.
    return round(mantissa * 10.0**exponent, max(0, -exponent))


def decode_float(data: bytes) -> float:
    """Decode a little-endian IEEE-11073 32-bit FLOAT (8-bit exponent, 24-bit mantissa, both signed)."""
    if len(data) != _FLOAT_SIZE:
        raise MalformedMeasurementError(f"a FLOAT has {_FLOAT_SIZE} bytes, not {len(data)}")
    return _decode(int.from_bytes(data, "little"), 24, 8, _FLOAT_SPECIALS)


def decode_sfloat(data: bytes) -> float:
    """Decode a little-endian IEEE-11073 16-bit SFLOAT (4-bit exponent, 12-bit mantissa, both signed)."""
    if len(data) != _SFLOAT_SIZE:
        raise MalformedMeasurementError(f"an SFLOAT has {_SFLOAT_SIZE} bytes, not {len(data)}")
    return _decode(int.from_bytes(data, "little"), 12, 4, _SFLOAT_SPECIALS)


class TemperatureType(IntEnum):
    """Where on the body a temperature was taken (Temperature Type characteristic 0x2A1D)."""

    ARMPIT = 1
    BODY = 2
    EAR = 3
    FINGER = 4
    GASTROINTESTINAL_TRACT = 5
    MOUTH = 6
    RECTUM = 7
    TOE = 8
    TYMPANUM = 9


@dataclass(frozen=True, slots=True)
class TemperatureMeasurement:
    """One reading of a Health Thermometer, always in °C."""

    celsius: float
    sent_in_fahrenheit: bool
    timestamp: datetime | None
    temperature_type: TemperatureType | None


def parse_temperature_measurement(data: bytes) -> TemperatureMeasurement:
    """Parse the value of a Temperature Measurement indication; raise MeasurementError if it has no reading."""
    if not data:
        raise MalformedMeasurementError("a Temperature Measurement is never empty")
    flags = data[0]
    if flags & ~_FLAGS_KNOWN:
        raise MalformedMeasurementError(f"reserved flag bits are set: {flags:#04x}")
    expected = (
        _FLAGS_SIZE
        + _FLOAT_SIZE
        + (_TIMESTAMP_SIZE if flags & _FLAG_TIMESTAMP else 0)
        + (1 if flags & _FLAG_TEMPERATURE_TYPE else 0)
    )
    if len(data) != expected:
        raise MalformedMeasurementError(
            f"flags {flags:#04x} call for {expected} bytes, not {len(data)}"
        )
    offset = _FLAGS_SIZE + _FLOAT_SIZE
    value = decode_float(data[_FLAGS_SIZE:offset])
    fahrenheit = bool(flags & _FLAG_FAHRENHEIT)
    celsius = round((value - 32) * 5 / 9, 2) if fahrenheit else value
    timestamp = None
    if flags & _FLAG_TIMESTAMP:
        year, month, day, hour, minute, second = struct.unpack_from("<HBBBBB", data, offset)
        offset += _TIMESTAMP_SIZE
        # A zero year, month or day means the device does not know the date.
        if 0 not in (year, month, day):
            try:
                timestamp = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - the device's local clock, without a zone
            except ValueError as err:
                raise MalformedMeasurementError(f"impossible timestamp: {err}") from err
    temperature_type = None
    if flags & _FLAG_TEMPERATURE_TYPE:
        try:
            temperature_type = TemperatureType(data[offset])
        except ValueError as err:
            raise MalformedMeasurementError(f"unknown temperature type {data[offset]}") from err
    return TemperatureMeasurement(
        celsius=celsius,
        sent_in_fahrenheit=fahrenheit,
        timestamp=timestamp,
        temperature_type=temperature_type,
    )
