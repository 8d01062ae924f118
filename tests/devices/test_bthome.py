"""Tests of the BTHome decoder of one sensor: bthome-ble's values, with downgrades and replays dropped."""

from __future__ import annotations

import inspect
import time

from bleak.backends.device import BLEDevice
from habluetooth.models import BluetoothServiceInfoBleak
from hypothesis import given, strategies as st
import pytest

from custom_components.hanyang_compound.devices.ble.bthome import (
    BindKeyError,
    BTHomeSensorDecoder,
    check_bind_key,
    is_bthome_v2,
    parse_bind_key,
)
from simulator.devices.bthome_encoding import BTHOME_SERVICE_UUID, encode_service_data

ADDRESS = "A4:C1:38:00:00:01"
KEY = bytes.fromhex("231d39c1d7cc1ab1aee224cd096db932")
_BLE_DEVICE_HAS_RSSI = "rssi" in inspect.signature(BLEDevice.__init__).parameters


def heard(service_data: bytes) -> BluetoothServiceInfoBleak:
    return BluetoothServiceInfoBleak(
        "BTHome",
        ADDRESS,
        -60,
        {},
        {BTHOME_SERVICE_UUID: service_data},
        [BTHOME_SERVICE_UUID],
        "local",
        BLEDevice(ADDRESS, "BTHome", None, **({"rssi": -60} if _BLE_DEVICE_HAS_RSSI else {})),
        None,
        False,  # noqa: FBT003
        time.monotonic(),
        None,
    )


def test_plaintext_values_are_decoded() -> None:
    reading = BTHomeSensorDecoder(None).decode(
        heard(
            encode_service_data(
                {"temperature": 25.5, "opening": 1, "distance_mm": 800}, address=ADDRESS
            )
        )
    )
    assert reading is not None
    assert not reading.encrypted
    assert reading.values == {"temperature": 25.5, "opening": True, "distance": 800}


def test_keyed_sensor_accepts_only_fresh_encrypted_advertisements() -> None:
    decoder = BTHomeSensorDecoder(KEY)

    def encrypted(counter: int, opening: int) -> BluetoothServiceInfoBleak:
        values = {"packet_id": counter % 256, "opening": opening}
        return heard(encode_service_data(values, address=ADDRESS, bind_key=KEY, counter=counter))

    first = decoder.decode(encrypted(5, 0))
    assert first is not None
    assert first.encrypted
    assert first.values == {"opening": False}
    assert decoder.decode(encrypted(5, 1)) is None  # replayed counter
    assert decoder.decode(encrypted(4, 1)) is None  # older counter
    assert decoder.decode(heard(encode_service_data({"opening": 1}, address=ADDRESS))) is None
    later = decoder.decode(encrypted(6, 1))
    assert later is not None
    assert later.values == {"opening": True}


def test_encrypted_advertisement_without_key_is_dropped() -> None:
    data = encode_service_data(
        {"packet_id": 1, "opening": 1}, address=ADDRESS, bind_key=KEY, counter=1
    )
    assert BTHomeSensorDecoder(None).decode(heard(data)) is None


def test_bind_key_check() -> None:
    data = encode_service_data(
        {"packet_id": 1, "opening": 1}, address=ADDRESS, bind_key=KEY, counter=1
    )
    check_bind_key(heard(data), KEY)
    with pytest.raises(BindKeyError) as missing:
        check_bind_key(heard(data), None)
    assert missing.value.missing
    with pytest.raises(BindKeyError) as wrong:
        check_bind_key(heard(data), bytes(16))
    assert not wrong.value.missing
    check_bind_key(heard(encode_service_data({"opening": 1}, address=ADDRESS)), None)


@pytest.mark.parametrize("text", ["", "abc", "00" * 15, "zz" * 16])
def test_bad_bind_keys_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r".*"):
        parse_bind_key(text)


def test_bind_key_is_read_from_hex() -> None:
    assert parse_bind_key(f"  {KEY.hex().upper()} ") == KEY


@given(st.binary(max_size=40))
def test_any_service_data_is_decoded_or_dropped_never_raised(data: bytes) -> None:
    info = heard(data)
    reading = BTHomeSensorDecoder(None).decode(info)
    assert reading is None or is_bthome_v2(info)
    # Without the key's integrity check passing, a keyed sensor takes nothing from random bytes.
    assert BTHomeSensorDecoder(KEY).decode(info) is None


@given(st.binary(min_size=12, max_size=40))
def test_forged_encrypted_advertisements_are_never_accepted(payload: bytes) -> None:
    assert BTHomeSensorDecoder(KEY).decode(heard(bytes([0x41]) + payload)) is None
