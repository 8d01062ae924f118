"""Tests of the compound's Bluetooth sensors and thermometers, fed through Home Assistant's bluetooth manager."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
import inspect
import logging
import time
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import bluetooth
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.entity_platform import async_get_platforms
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.hanyang_compound.bthome_sensor import BTHomeSensorDevice
from custom_components.hanyang_compound.const import (
    CONF_BIND_KEY,
    CONF_LOCATION,
    CONF_ROLE,
    CONF_SERVES,
    DOMAIN,
    SUBENTRY_BLE_THERMOMETER,
    SUBENTRY_BTHOME_SENSOR,
)
from custom_components.hanyang_compound.entity import BleEntity
from custom_components.hanyang_compound.sensor import BTHomeSummarySensor
from simulator.devices.bthome_encoding import BTHOME_SERVICE_UUID, encode_service_data

from .conftest import make_compound_entry

MANHOLE = "A4:C1:38:00:00:01"
SHED = "A4:C1:38:00:00:02"
THERMOMETER = "C0:26:DA:00:00:09"
KEY = bytes.fromhex("231d39c1d7cc1ab1aee224cd096db932")
HEALTH_THERMOMETER = "00001809-0000-1000-8000-00805f9b34fb"
EAR_READING = "07" + "ec0300ff" + "ea07" + "0b19" + "080f1e" + "03"
"""A Health Thermometer indication: 100.4 °F from the ear, taken 25 November 2026, 08:15:30."""
# bleak 0.22 (lane A) requires a device's signal strength; bleak 3 (lane B) deprecates it.
_BLE_DEVICE_HAS_RSSI = "rssi" in inspect.signature(BLEDevice.__init__).parameters


def advertisement(
    address: str,
    service_data: bytes | None = None,
    *,
    name: str = "BTHome",
    rssi: int = -70,
    service_uuids: list[str] | None = None,
    connectable: bool = False,
) -> bluetooth.BluetoothServiceInfoBleak:
    """Return an advertisement as a local adapter or proxy reports it."""
    data = {BTHOME_SERVICE_UUID: service_data} if service_data is not None else {}
    return bluetooth.BluetoothServiceInfoBleak(
        name,
        address,
        rssi,
        {},
        data,
        service_uuids or ([BTHOME_SERVICE_UUID] if service_data is not None else []),
        "local",
        BLEDevice(address, name, None, **({"rssi": rssi} if _BLE_DEVICE_HAS_RSSI else {})),
        None,
        connectable,
        time.monotonic(),
        None,
    )


def inject(hass: HomeAssistant, info: bluetooth.BluetoothServiceInfoBleak) -> None:
    """Hand an advertisement to Home Assistant's bluetooth manager."""
    bluetooth.async_get_advertisement_callback(hass)(info)


def manhole_subentry(address: str = MANHOLE, **data: Any) -> ConfigSubentryData:
    return ConfigSubentryData(
        data={"address": address, CONF_ROLE: "manhole", CONF_LOCATION: "Manhole 3", **data},
        subentry_type=SUBENTRY_BTHOME_SENSOR,
        title="Manhole 3",
        unique_id=address,
    )


def shed_subentry() -> ConfigSubentryData:
    return ConfigSubentryData(
        data={"address": SHED, CONF_ROLE: "shed_thermometer", CONF_LOCATION: "Shed 2"},
        subentry_type=SUBENTRY_BTHOME_SENSOR,
        title="Shed 2",
        unique_id=SHED,
    )


def thermometer_subentry() -> ConfigSubentryData:
    return ConfigSubentryData(
        data={"address": THERMOMETER, "name": "North gate thermometer", CONF_SERVES: "North gate"},
        subentry_type=SUBENTRY_BLE_THERMOMETER,
        title="North gate thermometer",
        unique_id=THERMOMETER,
    )


async def setup_compound(hass: HomeAssistant, *subentries: ConfigSubentryData) -> MockConfigEntry:
    entry = make_compound_entry(subentries_data=subentries)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


pytestmark = pytest.mark.usefixtures("enable_bluetooth")


async def test_manhole_reports_cover_tilt_water_and_needs_attention(hass: HomeAssistant) -> None:
    await setup_compound(hass, manhole_subentry(), shed_subentry())
    healthy = {"packet_id": 1, "battery": 90, "opening": 0, "moisture": 0, "rotation": 2.5}
    inject(
        hass,
        advertisement(
            MANHOLE, encode_service_data({**healthy, "distance_mm": 1200}, address=MANHOLE)
        ),
    )
    await hass.async_block_till_done()

    assert state(hass, "binary_sensor.manhole_3_cover") == STATE_OFF
    assert state(hass, "binary_sensor.manhole_3_tilted") == STATE_OFF
    assert state(hass, "sensor.manhole_3_water_level_below_cover") == "120.0"
    assert state(hass, "binary_sensor.manhole_3_flooded") == STATE_OFF
    assert state(hass, "binary_sensor.manhole_3_needs_attention") == STATE_OFF
    assert state(hass, "sensor.longdengli_manholes_needing_attention") == "0"

    lifted = {**healthy, "packet_id": 2, "opening": 1, "rotation": 20.0, "distance_mm": 250}
    inject(hass, advertisement(MANHOLE, encode_service_data(lifted, address=MANHOLE)))
    await hass.async_block_till_done()

    attention = hass.states.get("binary_sensor.manhole_3_needs_attention")
    assert attention is not None
    assert attention.state == STATE_ON
    assert attention.attributes["reasons"] == ["open", "tilted", "flooded"]
    summary = hass.states.get("sensor.longdengli_manholes_needing_attention")
    assert summary is not None
    assert summary.state == "1"
    assert summary.attributes["manholes"] == ["Manhole 3"]


async def test_an_advertisement_reaches_only_the_followers_of_what_it_changed(
    hass: HomeAssistant,
) -> None:
    entry = await setup_compound(hass, manhole_subentry())
    (device,) = entry.runtime_data.devices.of_kind(BTHomeSensorDevice)
    figures = ("heard", "distance", "rotation", "cover_open", "tilted", "flooded", "attention")
    told: dict[str, int] = dict.fromkeys((*figures, "availability"), 0)

    def count(name: str) -> Callable[[], None]:
        def listener() -> None:
            told[name] += 1

        return listener

    for figure in figures:
        device.async_add_listener(count(figure), (figure,))
    device.async_add_availability_listener(count("availability"))
    # One listener following two figures that change together is told once.
    both = {"told": 0}
    device.async_add_listener(lambda: both.update(told=both["told"] + 1), ("distance", "rotation"))

    def heard(packet_id: int, **values: float) -> None:
        base = {"battery": 90, "opening": 0, "moisture": 0, "rotation": 2.5, "distance_mm": 1200}
        data = encode_service_data({**base, "packet_id": packet_id, **values}, address=MANHOLE)
        inject(hass, advertisement(MANHOLE, data))

    heard(1)
    await hass.async_block_till_done()
    first = dict(told)
    # The first reading changes every value and alarm; nothing needs attention, as before it.
    assert {figure for figure in figures if first[figure]} == set(figures) - {"attention"}

    heard(2, rotation=5.0)  # within the tilt threshold: the rotation alone changes
    await hass.async_block_till_done()
    assert {name: told[name] - first[name] for name in told} == dict.fromkeys(told, 0) | {
        "heard": 1,
        "rotation": 1,
    }

    before = dict(told)
    heard(3, rotation=20.0, distance_mm=900)  # tilted: an alarm and the attention change
    await hass.async_block_till_done()
    assert {name: told[name] - before[name] for name in told} == dict.fromkeys(told, 0) | {
        "heard": 1,
        "distance": 1,
        "rotation": 1,
        "tilted": 1,
        "attention": 1,
    }
    assert both["told"] == 3  # once per advertisement that changed either


async def test_summary_names_the_manholes_needing_attention_in_order(hass: HomeAssistant) -> None:
    addresses = [f"A4:C1:38:00:01:0{number}" for number in range(1, 4)]
    await setup_compound(
        hass,
        *(
            ConfigSubentryData(
                **{
                    **manhole_subentry(address, location=f"Manhole {number}"),
                    "title": f"Manhole {number}",
                }
            )
            for number, address in enumerate(addresses, start=1)
        ),
    )

    def cover(address: str, packet_id: int, *, opening: int) -> None:
        values = {"packet_id": packet_id, "opening": opening, "distance_mm": 1200}
        inject(hass, advertisement(address, encode_service_data(values, address=address)))

    for address in addresses:
        cover(address, 1, opening=0)
    cover(addresses[2], 2, opening=1)
    cover(addresses[0], 2, opening=1)
    # New addresses are offered to core bthome as well, whose flow loads in the background.
    await hass.async_block_till_done(wait_background_tasks=True)
    summary = hass.states.get("sensor.longdengli_manholes_needing_attention")
    assert summary is not None
    assert (summary.state, summary.attributes["manholes"]) == ("2", ["Manhole 1", "Manhole 3"])

    cover(addresses[0], 3, opening=0)
    cover(addresses[1], 2, opening=1)
    await hass.async_block_till_done()
    summary = hass.states.get("sensor.longdengli_manholes_needing_attention")
    assert summary is not None
    assert (summary.state, summary.attributes["manholes"]) == ("2", ["Manhole 2", "Manhole 3"])


async def test_shed_thermometer_overheats(hass: HomeAssistant) -> None:
    await setup_compound(hass, shed_subentry())
    inject(
        hass,
        advertisement(
            SHED,
            encode_service_data({"temperature": 46.5, "humidity": 40, "battery": 15}, address=SHED),
        ),
    )
    await hass.async_block_till_done()

    assert state(hass, "sensor.shed_2_temperature") == "46.5"
    assert state(hass, "sensor.shed_2_humidity") == "40.0"
    assert state(hass, "binary_sensor.shed_2_overheating") == STATE_ON
    assert state(hass, "binary_sensor.shed_2_battery") == STATE_ON
    assert state(hass, "sensor.longdengli_sheds_overheating") == "1"


async def test_keyed_sensor_ignores_downgraded_replayed_and_malformed_advertisements(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    await setup_compound(hass, manhole_subentry(**{CONF_BIND_KEY: KEY.hex()}))
    first = encode_service_data(
        {"opening": 0, "distance_mm": 1200}, address=MANHOLE, bind_key=KEY, counter=7
    )
    inject(hass, advertisement(MANHOLE, first))
    await hass.async_block_till_done()
    assert state(hass, "binary_sensor.manhole_3_cover") == STATE_OFF

    caplog.clear()
    caplog.set_level(logging.INFO)
    bad = [
        encode_service_data({"opening": 1}, address=MANHOLE),  # plaintext: a downgrade
        encode_service_data(
            {"packet_id": 9, "opening": 1}, address=MANHOLE, bind_key=KEY, counter=7
        ),  # replay
        encode_service_data(
            {"packet_id": 9, "opening": 1}, address=MANHOLE, bind_key=bytes(16), counter=8
        ),  # wrong key
        b"\x41\x00",  # truncated
        b"\x20\x11\x01",  # BTHome v1 flag
        b"",
    ]
    for index, service_data in enumerate(bad):
        inject(hass, advertisement(MANHOLE, service_data, rssi=-50 - index))
        await hass.async_block_till_done()

    assert state(hass, "binary_sensor.manhole_3_cover") == STATE_OFF
    assert [r for r in caplog.records if r.name.startswith(("custom_components", "bthome"))] == []

    fresh = encode_service_data(
        {"packet_id": 9, "opening": 1}, address=MANHOLE, bind_key=KEY, counter=8
    )
    inject(hass, advertisement(MANHOLE, fresh))
    await hass.async_block_till_done()
    assert state(hass, "binary_sensor.manhole_3_cover") == STATE_ON


async def test_a_bind_key_that_keeps_failing_is_a_repair_issue_until_it_works(
    hass: HomeAssistant,
) -> None:
    await setup_compound(hass, manhole_subentry(**{CONF_BIND_KEY: KEY.hex()}))
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    (subentry_id,) = entry.subentries
    issue_id = f"bind_key_failing_{subentry_id}"

    def issue() -> ir.IssueEntry | None:
        return ir.async_get(hass).async_get_issue(DOMAIN, issue_id)

    for counter in range(1, 4):
        changed_key = encode_service_data(
            {"packet_id": counter, "opening": 1},
            address=MANHOLE,
            bind_key=bytes(16),
            counter=counter,
        )
        inject(hass, advertisement(MANHOLE, changed_key, rssi=-60 - counter))
        await hass.async_block_till_done()
        assert (issue() is not None) is (counter == 3)
    assert issue().translation_placeholders == {  # type: ignore[union-attr]
        "sensor": "Manhole 3",
        "compound": "Longdengli",
    }

    working = encode_service_data(
        {"packet_id": 9, "opening": 0}, address=MANHOLE, bind_key=KEY, counter=9
    )
    inject(hass, advertisement(MANHOLE, working))
    await hass.async_block_till_done()
    assert issue() is None


async def test_silent_sensor_turns_unavailable_and_comes_back(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    await setup_compound(hass, manhole_subentry(silence_timeout=10))
    inject(hass, advertisement(MANHOLE, encode_service_data({"opening": 0}, address=MANHOLE)))
    await hass.async_block_till_done()
    assert state(hass, "binary_sensor.manhole_3_cover") == STATE_OFF

    freezer.tick(timedelta(minutes=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert state(hass, "binary_sensor.manhole_3_cover") == STATE_UNAVAILABLE
    attention = hass.states.get("binary_sensor.manhole_3_needs_attention")
    assert attention is not None
    assert attention.state == STATE_ON
    assert attention.attributes["reasons"] == ["silent"]
    assert sum("has not been heard" in record.message for record in caplog.records) == 1

    freezer.tick(timedelta(minutes=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert sum("has not been heard" in record.message for record in caplog.records) == 1

    inject(hass, advertisement(MANHOLE, encode_service_data({"opening": 1}, address=MANHOLE)))
    await hass.async_block_till_done()
    assert state(hass, "binary_sensor.manhole_3_cover") == STATE_ON
    assert sum("is heard again" in record.message for record in caplog.records) == 1


async def test_values_are_restored_until_the_sensor_is_heard(hass: HomeAssistant) -> None:
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.manhole_3_water_level_below_cover", "25.0"),
                {"native_value": 25.0, "native_unit_of_measurement": "cm"},
            ),
            (
                State("sensor.manhole_3_battery", "80"),
                {"native_value": 80, "native_unit_of_measurement": "%"},
            ),
            (State("binary_sensor.manhole_3_cover", STATE_ON), {}),
        ],
    )
    await setup_compound(hass, manhole_subentry())

    assert state(hass, "sensor.manhole_3_water_level_below_cover") == "25.0"
    assert state(hass, "binary_sensor.manhole_3_cover") == STATE_ON
    assert state(hass, "binary_sensor.manhole_3_flooded") == STATE_ON
    assert state(hass, "sensor.manhole_3_battery") == "80.0"

    inject(
        hass,
        advertisement(
            MANHOLE, encode_service_data({"opening": 0, "distance_mm": 1300}, address=MANHOLE)
        ),
    )
    await hass.async_block_till_done()
    assert state(hass, "sensor.manhole_3_water_level_below_cover") == "130.0"
    assert state(hass, "binary_sensor.manhole_3_cover") == STATE_OFF


class FakeThermometer:
    """The GATT side of a Health Thermometer, behind establish_connection."""

    def __init__(self) -> None:
        self.indicate: Callable[[Any, bytearray], None] | None = None
        self.client = MagicMock()
        self.client.start_notify = AsyncMock(side_effect=self._start_notify)
        self.client.disconnect = AsyncMock()

    async def _start_notify(self, uuid: str, handler: Callable[[Any, bytearray], None]) -> None:
        self.indicate = handler


def thermometer_advertisement() -> bluetooth.BluetoothServiceInfoBleak:
    return advertisement(
        THERMOMETER, name="HTS", service_uuids=[HEALTH_THERMOMETER], connectable=True
    )


async def connect_thermometer(hass: HomeAssistant) -> FakeThermometer:
    """Set up the compound's thermometer and let it advertise, so the integration connects."""
    fake = FakeThermometer()
    with patch(
        "custom_components.hanyang_compound.thermometer.establish_connection",
        AsyncMock(return_value=fake.client),
    ) as connect:
        await setup_compound(hass, thermometer_subentry())
        inject(hass, thermometer_advertisement())
        await hass.async_block_till_done()
    assert connect.await_count == 1
    assert fake.indicate is not None
    return fake


async def test_thermometer_connects_when_it_advertises_and_reports_a_reading(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    fake = await connect_thermometer(hass)
    assert fake.indicate is not None
    fake.indicate(None, bytearray.fromhex(EAR_READING))
    await hass.async_block_till_done()

    assert state(hass, "sensor.north_gate_thermometer_body_temperature") == "38.0"
    assert state(hass, "sensor.north_gate_thermometer_temperature_type") == "ear"
    assert state(hass, "binary_sensor.north_gate_thermometer_fever") == STATE_ON
    event = hass.states.get("event.north_gate_thermometer_reading")
    assert event is not None
    assert event.attributes["temperature"] == 38.0
    assert event.attributes["fever"] is True

    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    fake.client.disconnect.assert_awaited_once()


async def test_thermometer_out_of_range_is_not_stormed(hass: HomeAssistant) -> None:
    with patch(
        "custom_components.hanyang_compound.thermometer.establish_connection",
        AsyncMock(side_effect=BleakError("out of range")),
    ) as connect:
        await setup_compound(hass, thermometer_subentry())
        for rssi in range(-90, -80):
            info = thermometer_advertisement()
            info.rssi = rssi
            inject(hass, info)
            await hass.async_block_till_done()

    assert connect.await_count == 1


async def test_thermometer_ignores_unusable_indications(hass: HomeAssistant) -> None:
    fake = await connect_thermometer(hass)
    assert fake.indicate is not None
    fake.indicate(None, bytearray.fromhex("00ffff7f00"))  # NaN
    await hass.async_block_till_done()

    assert state(hass, "sensor.north_gate_thermometer_body_temperature") == "unknown"


async def test_a_sensor_heard_before_any_compound_is_offered_when_one_starts(
    hass: HomeAssistant,
) -> None:
    inject(hass, advertisement(SHED, encode_service_data({"temperature": 30}, address=SHED)))
    await hass.async_block_till_done()
    assert not hass.config_entries.flow.async_progress_by_handler("hanyang_compound")

    await setup_compound(hass)
    # The sensor is offered to core bthome as well, whose flow loads in the background.
    await hass.async_block_till_done(wait_background_tasks=True)

    offered = hass.config_entries.flow.async_progress_by_handler("hanyang_compound")
    assert [flow["context"]["unique_id"] for flow in offered] == [f"bluetooth {SHED}"]


async def test_thermometer_readings_are_restored_after_a_restart(hass: HomeAssistant) -> None:
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.north_gate_thermometer_body_temperature", "36.8"),
                {"native_value": 36.8, "native_unit_of_measurement": "°C"},
            ),
            (
                State("sensor.north_gate_thermometer_temperature_type", "mouth"),
                {"native_value": "mouth", "native_unit_of_measurement": None},
            ),
            (State("binary_sensor.north_gate_thermometer_fever", STATE_OFF), {}),
        ],
    )
    await setup_compound(hass, thermometer_subentry())

    assert state(hass, "sensor.north_gate_thermometer_body_temperature") == "36.8"
    assert state(hass, "sensor.north_gate_thermometer_temperature_type") == "mouth"
    assert state(hass, "binary_sensor.north_gate_thermometer_fever") == STATE_OFF
    assert state(hass, "sensor.north_gate_thermometer_reading_time") == "unknown"


async def test_a_reading_without_timestamp_is_dated_when_received(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-11-25T08:00:00+00:00")
    fake = await connect_thermometer(hass)
    assert fake.indicate is not None
    fake.indicate(None, bytearray.fromhex("00" + "6c0100ff"))  # 36.4 °C, nothing else
    await hass.async_block_till_done()

    assert state(hass, "sensor.north_gate_thermometer_body_temperature") == "36.4"
    assert state(hass, "sensor.north_gate_thermometer_reading_time") == "2026-11-25T08:00:00+00:00"
    assert state(hass, "sensor.north_gate_thermometer_temperature_type") == "unknown"
    assert state(hass, "binary_sensor.north_gate_thermometer_fever") == STATE_OFF


async def test_bluetooth_entities_are_pushed_not_polled(hass: HomeAssistant) -> None:
    await setup_compound(hass, manhole_subentry(), shed_subentry(), thermometer_subentry())
    entities = [
        entity
        for platform in async_get_platforms(hass, DOMAIN)
        for entity in platform.entities.values()
        if isinstance(entity, BleEntity | BTHomeSummarySensor)
    ]
    assert {type(entity).__name__ for entity in entities} >= {
        "BTHomeSensor",
        "BTHomeBinarySensor",
        "ManholeAttentionSensor",
        "ThermometerSensor",
        "ThermometerFeverSensor",
        "ThermometerReadingEvent",
        "BTHomeSummarySensor",
    }
    assert [entity.entity_id for entity in entities if entity.should_poll] == []


async def test_no_bluetooth_address_reaches_the_logs(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # Long enough to be taken for an encrypted advertisement, so bthome-ble decodes it.
    cover_and_water = {"opening": 0, "distance_mm": 1200}
    with patch(
        "custom_components.hanyang_compound.thermometer.establish_connection",
        AsyncMock(side_effect=BleakError(f"{THERMOMETER} - North gate: Failed to connect")),
    ):
        await setup_compound(
            hass, manhole_subentry(silence_timeout=10, bind_key=KEY.hex()), thermometer_subentry()
        )
        inject(hass, thermometer_advertisement())
        for service_data in (
            encode_service_data({"opening": 1}, address=MANHOLE),  # a downgrade
            encode_service_data(cover_and_water, address=MANHOLE, bind_key=bytes(16), counter=2),
            b"\x41\x00",
            encode_service_data(cover_and_water, address=MANHOLE, bind_key=KEY, counter=3),
            encode_service_data(cover_and_water, address=MANHOLE, bind_key=KEY, counter=3),
        ):
            inject(hass, advertisement(MANHOLE, service_data))
            await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    inject(
        hass,
        advertisement(
            MANHOLE, encode_service_data(cover_and_water, address=MANHOLE, bind_key=KEY, counter=4)
        ),
    )
    await hass.async_block_till_done()

    # bthome-ble's own lines while it decodes for us come out as ours; core bthome's are its own.
    ours = [r for r in caplog.records if r.name.startswith("custom_components")]
    assert any("bthome-ble:" in record.getMessage() for record in ours)
    assert any("has not been heard" in record.getMessage() for record in ours)
    assert any("Could not connect" in record.getMessage() for record in ours)
    assert [
        record.getMessage()
        for record in ours
        if MANHOLE in record.getMessage().upper() or THERMOMETER in record.getMessage().upper()
    ] == []


async def test_bluetooth_devices_are_put_in_the_area_they_were_given(hass: HomeAssistant) -> None:
    shed, thermometer = shed_subentry(), thermometer_subentry()
    entry = await setup_compound(
        hass,
        ConfigSubentryData(**{**shed, "data": {**shed["data"], "area": "E-bike shed"}}),
        ConfigSubentryData(**{**thermometer, "data": {**thermometer["data"], "area": "北门"}}),
    )
    areas = ar.async_get(hass)
    placed = {
        next(iter(device.identifiers))[1]: areas.async_get_area(device.area_id).name
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        if device.area_id
    }
    assert placed == {SHED: "E-bike shed", THERMOMETER: "北门"}
