"""Tests of the IEEE-11073 FLOAT/SFLOAT decoder and the Temperature Measurement parser."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, strategies as st
import pytest

from custom_components.hanyang_compound.devices.ble.health_thermometer import (
    MalformedMeasurementError,
    MeasurementError,
    SpecialValue,
    SpecialValueError,
    TemperatureType,
    decode_float,
    decode_sfloat,
    parse_temperature_measurement,
)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        # 36.4 °C as IEEE 11073-20601 writes it: exponent -1, mantissa 364 (0xFF00016C).
        (bytes.fromhex("6c0100ff"), 36.4),
        # 98.6 °F: exponent -1, mantissa 986.
        (bytes.fromhex("da0300ff"), 98.6),
        # Negative mantissa and exponent -2: -12.34.
        (bytes.fromhex("2efbfffe"), -12.34),
        # Positive exponent: 5 x 10^2.
        (bytes.fromhex("05000002"), 500.0),
        # Largest positive mantissa below the reserved ones, exponent 0.
        (bytes.fromhex("fdff7f00"), 8388605.0),
    ],
)
def test_float_examples(raw: bytes, value: float) -> None:
    assert decode_float(raw) == value


@pytest.mark.parametrize(
    ("raw", "special"),
    [
        (bytes.fromhex("ffff7f00"), SpecialValue.NAN),
        (bytes.fromhex("00008000"), SpecialValue.NRES),
        (bytes.fromhex("feff7f00"), SpecialValue.POSITIVE_INFINITY),
        (bytes.fromhex("02008000"), SpecialValue.NEGATIVE_INFINITY),
        (bytes.fromhex("01008000"), SpecialValue.RESERVED),
    ],
)
def test_float_special_values_are_errors_not_numbers(raw: bytes, special: SpecialValue) -> None:
    with pytest.raises(SpecialValueError) as caught:
        decode_float(raw)
    assert caught.value.special is special


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # SFLOAT 0xF16C: exponent -1, mantissa 0x16C = 364 -> 36.4.
        (bytes.fromhex("6cf1"), 36.4),
        # 0x0FFE... negative mantissa 0xFFE = -2 at exponent 0.
        (bytes.fromhex("fe0f"), -2.0),
        (bytes.fromhex("0120"), 100.0),
    ],
)
def test_sfloat_examples(raw: bytes, expected: float) -> None:
    assert decode_sfloat(raw) == expected


@pytest.mark.parametrize(
    ("raw", "special"),
    [
        (bytes.fromhex("ff07"), SpecialValue.NAN),
        (bytes.fromhex("0008"), SpecialValue.NRES),
        (bytes.fromhex("fe07"), SpecialValue.POSITIVE_INFINITY),
        (bytes.fromhex("0208"), SpecialValue.NEGATIVE_INFINITY),
        (bytes.fromhex("0108"), SpecialValue.RESERVED),
    ],
)
def test_sfloat_special_values(raw: bytes, special: SpecialValue) -> None:
    with pytest.raises(SpecialValueError) as caught:
        decode_sfloat(raw)
    assert caught.value.special is special


def test_wrong_sizes_are_malformed() -> None:
    with pytest.raises(MalformedMeasurementError):
        decode_float(b"\x00\x00")
    with pytest.raises(MalformedMeasurementError):
        decode_sfloat(b"\x00")


def test_measurement_in_celsius_with_timestamp_and_type() -> None:
    data = bytes.fromhex("06" + "6c0100ff" + "ea07" + "0b19" + "080f1e" + "03")

    measurement = parse_temperature_measurement(data)

    assert measurement.celsius == 36.4
    assert not measurement.sent_in_fahrenheit
    assert measurement.timestamp == datetime(2026, 11, 25, 8, 15, 30)  # noqa: DTZ001
    assert measurement.temperature_type is TemperatureType.EAR


def test_measurement_in_fahrenheit_is_converted() -> None:
    measurement = parse_temperature_measurement(bytes.fromhex("01" + "da0300ff"))

    assert measurement.celsius == 37.0
    assert measurement.sent_in_fahrenheit
    assert measurement.timestamp is None
    assert measurement.temperature_type is None


def test_unknown_date_gives_no_timestamp() -> None:
    data = bytes.fromhex("02" + "6c0100ff" + "0000" + "0000" + "000000")
    assert parse_temperature_measurement(data).timestamp is None


@pytest.mark.parametrize(
    "hex_data",
    [
        "",
        "00",
        "006c01",
        "086c0100ff",  # a reserved flag bit
        "026c0100ff",  # timestamp announced, missing
        "006c0100ff00",  # one byte too many
        "046c0100ff0a",  # temperature type 10 does not exist
        "026c0100ffea070d01000000",  # month 13
        "00ffff7f00",  # NaN
    ],
)
def test_bad_measurements_raise_typed_errors(hex_data: str) -> None:
    with pytest.raises(MeasurementError):
        parse_temperature_measurement(bytes.fromhex(hex_data))


@given(st.binary(max_size=20))
def test_any_bytes_give_a_measurement_or_a_typed_error(data: bytes) -> None:
    try:
        measurement = parse_temperature_measurement(data)
    except MeasurementError:
        return
    assert measurement.celsius == measurement.celsius  # never NaN


@given(
    st.integers(min_value=-(2**23) + 3, max_value=2**23 - 3),
    st.integers(min_value=-10, max_value=5),
)
def test_float_round_trips(mantissa: int, exponent: int) -> None:
    raw = ((exponent & 0xFF) << 24) | (mantissa & 0xFFFFFF)
    assert decode_float(raw.to_bytes(4, "little")) == pytest.approx(mantissa * 10.0**exponent)
