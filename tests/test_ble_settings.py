"""Stored settings of the Bluetooth devices are checked when a device is built, and a failed start leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryData
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.hanyang_compound.ble_base import BleDevice
from custom_components.hanyang_compound.bthome_sensor import BTHomeSensorDevice
from custom_components.hanyang_compound.compound import Compound
from custom_components.hanyang_compound.thermometer import BleThermometerDevice
from custom_components.hanyang_compound.validation import InvalidSettingError
from simulator.devices.bthome_encoding import encode_service_data

from .conftest import make_compound_entry
from .test_ble import (
    MANHOLE,
    advertisement,
    inject,
    manhole_subentry,
    thermometer_subentry,
)

NAN = float("nan")
INF = float("inf")
KINDS: dict[str, tuple[type[BleDevice], ConfigSubentryData]] = {
    "manhole": (BTHomeSensorDevice, manhole_subentry()),
    "thermometer": (BleThermometerDevice, thermometer_subentry()),
}


def _compound(hass: HomeAssistant) -> Compound:
    entry = make_compound_entry()
    entry.add_to_hass(hass)
    return Compound(hass, entry)


def _subentry(data: ConfigSubentryData, **changes: Any) -> ConfigSubentry:
    """Return the subentry with some of its stored data changed (None: removed), as if edited by hand."""
    stored = {**data["data"], **changes}
    return ConfigSubentry(
        data=MappingProxyType({key: value for key, value in stored.items() if value is not None}),
        subentry_type=data["subentry_type"],
        title=data["title"],
        unique_id=data["unique_id"],
    )


@pytest.mark.parametrize(
    ("kind", "changes", "key"),
    [
        ("manhole", {"address": None}, "address"),
        ("manhole", {"address": "a4:c1:38:00:00:01"}, "address"),
        ("manhole", {"address": "A4-C1-38-00-00-01"}, "address"),
        ("manhole", {"address": "A4:C1:38:00:00"}, "address"),
        ("manhole", {"address": 42}, "address"),
        ("manhole", {"role": None}, "role"),
        ("manhole", {"role": "sewer"}, "role"),
        ("manhole", {"role": ["manhole"]}, "role"),
        ("manhole", {"location": None}, "location"),
        ("manhole", {"location": " "}, "location"),
        ("manhole", {"location": 3}, "location"),
        ("manhole", {"bind_key": "abc"}, "bind_key"),
        ("manhole", {"bind_key": "00" * 15}, "bind_key"),
        ("manhole", {"bind_key": 123}, "bind_key"),
        ("manhole", {"tilt_threshold": NAN}, "tilt_threshold"),
        ("manhole", {"tilt_threshold": INF}, "tilt_threshold"),
        ("manhole", {"tilt_threshold": 0}, "tilt_threshold"),
        ("manhole", {"tilt_threshold": 15.5}, "tilt_threshold"),
        ("manhole", {"tilt_threshold": True}, "tilt_threshold"),
        ("manhole", {"manhole_depth": -INF}, "manhole_depth"),
        ("manhole", {"manhole_depth": 5}, "manhole_depth"),
        ("manhole", {"flood_level": -1}, "flood_level"),
        ("manhole", {"flood_level": "deep"}, "flood_level"),
        ("manhole", {"overheat_threshold": 90.5}, "overheat_threshold"),
        ("manhole", {"overheat_threshold": [45]}, "overheat_threshold"),
        ("manhole", {"silence_timeout": 0}, "silence_timeout"),
        ("manhole", {"silence_timeout": 1441}, "silence_timeout"),
        ("thermometer", {"address": "C0:26:DA:00:00:9"}, "address"),
        ("thermometer", {"name": None}, "name"),
        ("thermometer", {"name": ""}, "name"),
        ("thermometer", {"serves": 3}, "serves"),
    ],
)
async def test_a_corrupted_device_is_refused_at_construction(
    hass: HomeAssistant, kind: str, changes: dict[str, Any], key: str
) -> None:
    device, stored = KINDS[kind]
    with pytest.raises(InvalidSettingError) as refused:
        device(_compound(hass), _subentry(stored, **changes))
    assert refused.value.key == key


async def test_stored_settings_are_read_as_numbers_and_defaults_fill_the_unset(
    hass: HomeAssistant,
) -> None:
    sensor = BTHomeSensorDevice(
        _compound(hass),
        _subentry(
            manhole_subentry(), tilt_threshold="20", silence_timeout=30.0, bind_key="00" * 16
        ),
    )
    assert (sensor.tilt_threshold, sensor.depth_cm, sensor.flood_level_cm) == (20, 150.0, 30.0)
    assert sensor.silence_timeout == timedelta(minutes=30)
    thermometer = BleThermometerDevice(
        _compound(hass), _subentry(thermometer_subentry(), serves=None)
    )
    assert thermometer.serves == ""


@pytest.mark.usefixtures("enable_bluetooth")
async def test_a_failed_start_leaves_nothing_listening(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    sensor = BTHomeSensorDevice(_compound(hass), _subentry(manhole_subentry(), silence_timeout=1))
    with (
        patch(
            "homeassistant.components.bluetooth.async_last_service_info",
            side_effect=RuntimeError("the radio went away"),
        ),
        pytest.raises(RuntimeError),
    ):
        await sensor.async_start()
    assert not sensor.radio_ready

    inject(hass, advertisement(MANHOLE, encode_service_data({"opening": 1}, address=MANHOLE)))
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    # Neither the advertisement callback nor the silence timer outlived the failed start.
    assert sensor.values == {}
    assert sensor.last_seen is None
    assert sensor.heard_recently
