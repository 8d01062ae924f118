"""Tests of the Bluetooth subentry flows and of Bluetooth discovery offering a device to a compound."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_BLUETOOTH, SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.const import (
    CONF_BIND_KEY,
    CONF_LOCATION,
    CONF_ROLE,
    DOMAIN,
    SUBENTRY_BLE_THERMOMETER,
    SUBENTRY_BTHOME_SENSOR,
)
from simulator.devices.bthome_encoding import encode_service_data
from tests.conftest import make_compound_entry
from tests.district.conftest import district_entry
from tests.test_ble import (
    HEALTH_THERMOMETER,
    KEY,
    MANHOLE,
    THERMOMETER,
    advertisement,
    inject,
    manhole_subentry,
)

pytestmark = pytest.mark.usefixtures("enable_bluetooth", "no_setup")

MANHOLE_INPUT = {"address": "a4-c1-38-00-00-01", CONF_ROLE: "manhole", CONF_LOCATION: " Manhole 3 "}


async def _start(hass: HomeAssistant, entry: MockConfigEntry, kind: str) -> Any:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, kind), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    return result


def _compound(hass: HomeAssistant, name: str = "Longdengli", *subentries: Any) -> MockConfigEntry:
    entry = make_compound_entry(name, subentries_data=subentries)
    entry.add_to_hass(hass)
    return entry


async def test_bthome_sensor_is_added_with_normalised_address(hass: HomeAssistant) -> None:
    entry = _compound(hass)
    result = await _start(hass, entry, SUBENTRY_BTHOME_SENSOR)
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], MANHOLE_INPUT)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Manhole 3"
    subentry = next(iter(entry.subentries.values()))
    assert subentry.data["address"] == MANHOLE
    assert subentry.data[CONF_BIND_KEY] is None


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({**MANHOLE_INPUT, "address": "not an address"}, {"address": "address_invalid"}),
        ({**MANHOLE_INPUT, CONF_LOCATION: " "}, {CONF_LOCATION: "location_empty"}),
        ({**MANHOLE_INPUT, CONF_BIND_KEY: "abc"}, {CONF_BIND_KEY: "bind_key_invalid"}),
    ],
)
async def test_bthome_sensor_form_errors(
    hass: HomeAssistant, user_input: dict[str, Any], errors: dict[str, str]
) -> None:
    entry = _compound(hass)
    result = await _start(hass, entry, SUBENTRY_BTHOME_SENSOR)
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors


async def test_address_is_unique_across_compounds(hass: HomeAssistant) -> None:
    _compound(hass, "Longdengli", manhole_subentry())
    other = _compound(hass, "Qintai")
    result = await _start(hass, other, SUBENTRY_BLE_THERMOMETER)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"address": MANHOLE, "name": "Gate", "serves": "North gate"}
    )
    assert result["errors"] == {"address": "address_taken"}


@pytest.mark.parametrize(
    ("bind_key", "error"),
    [("", "bind_key_missing"), ("00" * 16, "bind_key_wrong"), (KEY.hex(), None)],
)
async def test_bind_key_is_checked_against_a_heard_encrypted_sensor(
    hass: HomeAssistant, bind_key: str, error: str | None
) -> None:
    inject(
        hass,
        advertisement(
            MANHOLE,
            encode_service_data(
                {"packet_id": 1, "opening": 0}, address=MANHOLE, bind_key=KEY, counter=3
            ),
        ),
    )
    await hass.async_block_till_done()
    entry = _compound(hass)
    result = await _start(hass, entry, SUBENTRY_BTHOME_SENSOR)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**MANHOLE_INPUT, CONF_BIND_KEY: bind_key}
    )
    if error:
        assert result["errors"] == {CONF_BIND_KEY: error}
    else:
        assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_thermometer_is_added_and_reconfigured(hass: HomeAssistant) -> None:
    entry = _compound(hass)
    result = await _start(hass, entry, SUBENTRY_BLE_THERMOMETER)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"address": THERMOMETER, "name": " ", "serves": ""}
    )
    assert result["errors"] == {"name": "name_empty"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {"address": THERMOMETER, "name": "Gate thermometer", "serves": "North gate"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = next(iter(entry.subentries.values()))

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_BLE_THERMOMETER),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry.subentry_id},
    )
    assert result["step_id"] == "reconfigure"
    # Keeping its own address is not a clash with itself.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {"address": THERMOMETER, "name": "East gate thermometer", "serves": "East gate"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries[subentry.subentry_id].title == "East gate thermometer"


async def _discover(hass: HomeAssistant, info: Any) -> Any:
    """Return the discovery flow of a device: the one Home Assistant started when it heard it, or a new one."""
    # Home Assistant starts discovery flows in the background: let any it is starting exist first.
    await hass.async_block_till_done(wait_background_tasks=True)
    for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN):
        if flow["context"].get("unique_id") == f"bluetooth {info.address}":
            return await hass.config_entries.flow.async_configure(flow["flow_id"])
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_BLUETOOTH}, data=info
    )


async def test_discovered_manhole_is_added_to_the_chosen_compound(hass: HomeAssistant) -> None:
    _compound(hass)
    other = _compound(hass, "Qintai")
    info = advertisement(
        MANHOLE,
        encode_service_data(
            {"packet_id": 1, "opening": 0}, address=MANHOLE, bind_key=KEY, counter=3
        ),
    )
    inject(hass, info)
    await hass.async_block_till_done()

    result = await _discover(hass, info)
    assert result.get("reason") is None
    assert result["step_id"] == "bluetooth_confirm"
    answer = {"compound": other.entry_id, CONF_ROLE: "manhole", CONF_LOCATION: "Manhole 7"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_BIND_KEY: "bind_key_missing"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**answer, CONF_BIND_KEY: KEY.hex()}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "device_added"
    subentry = next(iter(other.subentries.values()))
    assert subentry.subentry_type == SUBENTRY_BTHOME_SENSOR
    assert subentry.title == "Manhole 7"
    assert subentry.data[CONF_BIND_KEY] == KEY.hex()

    again = await _discover(hass, info)
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "already_configured"


async def test_discovered_thermometer_is_added(hass: HomeAssistant) -> None:
    entry = _compound(hass)
    info = advertisement(
        THERMOMETER, name="HTS", service_uuids=[HEALTH_THERMOMETER], connectable=True
    )
    result = await _discover(hass, info)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"compound": entry.entry_id, "name": "", "serves": ""}
    )
    assert result["errors"] == {"name": "name_empty"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"compound": entry.entry_id, "name": "Gate thermometer", "serves": "North gate"},
    )
    assert result["reason"] == "device_added"
    assert next(iter(entry.subentries.values())).subentry_type == SUBENTRY_BLE_THERMOMETER


async def test_discovery_aborts_without_compound_or_for_foreign_devices(
    hass: HomeAssistant,
) -> None:
    info = advertisement(MANHOLE, encode_service_data({"opening": 0}, address=MANHOLE))
    result = await _discover(hass, info)
    assert result["reason"] == "no_compound"
    # A district's entry is no compound to add a device to.
    district_entry().add_to_hass(hass)
    result = await _discover(hass, info)
    assert result["reason"] == "no_compound"

    _compound(hass)
    foreign = advertisement(
        MANHOLE, name="Other", service_uuids=["0000180f-0000-1000-8000-00805f9b34fb"]
    )
    result = await _discover(hass, foreign)
    assert result["reason"] == "not_supported"


async def test_discovery_form_for_a_removed_compound_says_so(hass: HomeAssistant) -> None:
    entry = _compound(hass)
    info = advertisement(MANHOLE, encode_service_data({"opening": 0}, address=MANHOLE))
    result = await _discover(hass, info)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"compound": entry.entry_id, CONF_ROLE: "manhole", CONF_LOCATION: ""}
    )
    assert result["errors"] == {CONF_LOCATION: "location_empty"}
    await hass.config_entries.async_remove(entry.entry_id)
    _compound(hass, "Qintai")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"compound": entry.entry_id, CONF_ROLE: "manhole", CONF_LOCATION: "M"}
    )
    assert result["errors"] == {"compound": "compound_unknown"}


NAN = float("nan")
INF = float("inf")
BAD_NUMBERS = [
    ("tilt_threshold", NAN, "number_invalid"),
    ("tilt_threshold", INF, "number_invalid"),
    ("tilt_threshold", 15.5, "number_invalid"),
    ("tilt_threshold", 91, "number_out_of_range"),
    ("manhole_depth", -INF, "number_invalid"),
    ("manhole_depth", 5, "number_out_of_range"),
    ("flood_level", "deep", "number_invalid"),
    ("flood_level", -1, "number_out_of_range"),
    ("overheat_threshold", NAN, "number_invalid"),
    ("overheat_threshold", 90.5, "number_out_of_range"),
    ("silence_timeout", INF, "number_invalid"),
    ("silence_timeout", 0, "number_out_of_range"),
]


@pytest.mark.parametrize(("field", "value", "error"), BAD_NUMBERS)
async def test_bthome_number_fields_refuse_what_is_no_number_in_range(
    hass: HomeAssistant, field: str, value: Any, error: str
) -> None:
    entry = _compound(hass)
    result = await _start(hass, entry, SUBENTRY_BTHOME_SENSOR)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**MANHOLE_INPUT, field: value}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    assert not entry.subentries


@pytest.mark.parametrize(("field", "value", "error"), BAD_NUMBERS)
async def test_the_discovery_form_refuses_what_is_no_number_in_range(
    hass: HomeAssistant, field: str, value: Any, error: str
) -> None:
    entry = _compound(hass)
    info = advertisement(MANHOLE, encode_service_data({"opening": 0}, address=MANHOLE))
    result = await _discover(hass, info)
    answer = {"compound": entry.entry_id, CONF_ROLE: "manhole", CONF_LOCATION: "Manhole 3"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**answer, field: value}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    assert not entry.subentries


async def test_numbers_are_stored_as_numbers_of_their_range(hass: HomeAssistant) -> None:
    entry = _compound(hass)
    result = await _start(hass, entry, SUBENTRY_BTHOME_SENSOR)
    await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {**MANHOLE_INPUT, "tilt_threshold": "20", "overheat_threshold": 47.5, "flood_level": 0},
    )
    data = next(iter(entry.subentries.values())).data
    assert (data["tilt_threshold"], data["overheat_threshold"], data["flood_level"]) == (
        20,
        47.5,
        0,
    )
    assert isinstance(data["tilt_threshold"], int)


async def test_a_discovery_form_left_open_refuses_a_sensor_a_compound_took_meanwhile(
    hass: HomeAssistant,
) -> None:
    entry = _compound(hass)
    info = advertisement(MANHOLE, encode_service_data({"opening": 0}, address=MANHOLE))
    discovery = await _discover(hass, info)
    result = await _start(hass, entry, SUBENTRY_BTHOME_SENSOR)
    await hass.config_entries.subentries.async_configure(result["flow_id"], MANHOLE_INPUT)

    result = await hass.config_entries.flow.async_configure(
        discovery["flow_id"],
        {"compound": entry.entry_id, CONF_ROLE: "manhole", CONF_LOCATION: "Manhole 9"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "address_taken"}
    assert len(entry.subentries) == 1
