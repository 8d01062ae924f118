"""A district's view: its compounds by zone from what they publish, with every bad publication dropped."""

from __future__ import annotations

import json
import logging

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import area_registry as ar, device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound import async_remove_config_entry_device
from custom_components.hanyang_compound.const import DOMAIN
from custom_components.hanyang_compound.diagnostics import async_get_config_entry_diagnostics
from custom_components.hanyang_compound.district_role import issuer_name
from custom_components.hanyang_compound.modes import CompoundMode

from .broker import Broker, Watcher, wait_until
from .conftest import DISTRICT, district_entry

YUEHU = "hanyang/hanyang/yuehu/guqintai"
SIMULATED_STATE = {
    "name": "Guqintai",
    "zone": "Yuehu",
    "mode": "controlled",
    "entrances": {
        "east": {"state": "offline", "fault": True},
        "west": {"state": "closed", "fault": False},
    },
    "passes_today": 120,
    "fever_today": 2,
    "no_mask_today": 5,
    "manholes_attention": 1,
    "sheds_overheating": 0,
    "rounds_completed_today": 3,
    "rounds_missed_today": 1,
    "patrol_overdue": True,
    "devices_offline": 1,
}


def entity_of(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str | None:
    """Return the entity id of a district entity by its unique id's key (zone_<zone>_<key> or <key>)."""
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.entry_id}_{key}")


def state_of(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str | None:
    """Return the state of a district entity, None while it does not exist."""
    entity_id = entity_of(hass, entry, platform, key)
    state = hass.states.get(entity_id) if entity_id else None
    return state.state if state else None


async def test_the_district_shows_each_zone_of_its_compounds_as_a_device(
    hass: HomeAssistant, district: MockConfigEntry, linked: MockConfigEntry, watcher: Watcher
) -> None:
    await wait_until(
        lambda: (
            state_of(hass, district, "sensor", "zone_qingchuan_district_compounds_online") == "1"
        )
    )
    assert state_of(hass, district, "select", "zone_qingchuan_zone_mode") == "normal"

    qingchuan = zone_device(hass, district, "qingchuan")
    assert qingchuan is not None
    assert qingchuan.name == "Qingchuan"
    area = ar.async_get(hass).async_get_area(qingchuan.area_id or "")
    assert area is not None
    assert area.name == "Qingchuan"

    # A compound of another zone, published by another Home Assistant: a new zone appears.
    watcher.publish(f"{YUEHU}/availability", "online")
    watcher.publish(f"{YUEHU}/state", json.dumps(SIMULATED_STATE))
    await wait_until(
        lambda: state_of(hass, district, "select", "zone_yuehu_zone_mode") == "controlled"
    )
    assert state_of(hass, district, "sensor", "zone_yuehu_district_entrances_offline") == "1"
    assert state_of(hass, district, "sensor", "zone_yuehu_district_fever_today") == "2"
    assert state_of(hass, district, "sensor", "zone_yuehu_district_compounds_patrol_overdue") == "1"
    await wait_until(lambda: state_of(hass, district, "sensor", "district_compounds") == "2")
    assert state_of(hass, district, "sensor", "district_compounds_online") == "2"
    assert state_of(hass, district, "sensor", "district_passes_today") == "120"
    assert state_of(hass, district, "sensor", "district_rounds_missed_today") == "1"

    # The compound's own mode change reaches the district.
    await linked.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    await wait_until(
        lambda: state_of(hass, district, "select", "zone_qingchuan_zone_mode") == "lockdown"
    )
    assert state_of(hass, district, "sensor", "district_compounds_lockdown") == "1"

    # A compound stopping goes offline; one removed from the district (state cleared) goes.
    assert await hass.config_entries.async_unload(linked.entry_id)
    await wait_until(lambda: state_of(hass, district, "sensor", "district_compounds_online") == "1")
    yuehu_entities = [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), district.entry_id)
        if entity.unique_id.startswith(f"{district.entry_id}_zone_yuehu_")
    ]
    assert yuehu_entities
    watcher.publish(f"{YUEHU}/state", b"")
    # Its zone has no compound left: the zone's device and entities go; the other zone stays.
    await wait_until(lambda: zone_device(hass, district, "yuehu") is None)
    assert all(hass.states.get(entity_id) is None for entity_id in yuehu_entities)
    assert state_of(hass, district, "sensor", "district_compounds") == "1"
    assert zone_device(hass, district, "qingchuan") is not None
    assert state_of(hass, district, "select", "zone_qingchuan_zone_mode") == "lockdown"


async def test_only_a_zone_without_compounds_may_be_deleted(
    hass: HomeAssistant, district: MockConfigEntry, watcher: Watcher
) -> None:
    watcher.publish(f"{YUEHU}/state", json.dumps(SIMULATED_STATE))
    await wait_until(lambda: zone_device(hass, district, "yuehu") is not None)
    # A zone's device left from before a restart, its compounds gone from the broker meanwhile.
    stale = dr.async_get(hass).async_get_or_create(
        config_entry_id=district.entry_id, identifiers={(DOMAIN, f"{district.entry_id}_zone_old")}
    )
    zone = zone_device(hass, district, "yuehu")
    own = next(
        device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), district.entry_id)
        if (DOMAIN, district.entry_id) in device.identifiers
    )
    assert zone is not None
    assert await async_remove_config_entry_device(hass, district, stale)
    assert not await async_remove_config_entry_device(hass, district, zone)
    assert not await async_remove_config_entry_device(hass, district, own)


def zone_device(hass: HomeAssistant, district: MockConfigEntry, zone: str) -> dr.DeviceEntry | None:
    """Return a zone's device of the district (looked up as both lanes' registries allow)."""
    return next(
        (
            device
            for device in dr.async_entries_for_config_entry(dr.async_get(hass), district.entry_id)
            if (DOMAIN, f"{district.entry_id}_zone_{zone}") in device.identifiers
        ),
        None,
    )


@pytest.mark.parametrize(
    ("topic", "payload", "why"),
    [
        (f"{YUEHU}/state", b"x" * 16385, "larger than 16384 bytes"),
        (f"{YUEHU}/state", b"{not json", "not JSON"),
        (f"{YUEHU}/state", b"[1, 2]", "not a JSON object"),
        (
            f"{YUEHU}/state",
            json.dumps({**SIMULATED_STATE, "mode": "party"}).encode(),
            "unknown mode",
        ),
        (
            f"{YUEHU}/state",
            json.dumps({**SIMULATED_STATE, "fever_today": -1}).encode(),
            "fever_today is no count",
        ),
        (
            f"{YUEHU}/state",
            json.dumps({**SIMULATED_STATE, "fever_today": True}).encode(),
            "fever_today is no count",
        ),
        (f"{YUEHU}/state", b'{"mode": "normal", "passes_today": NaN}', "not JSON"),
        (
            f"{YUEHU}/state",
            json.dumps({**SIMULATED_STATE, "entrances": {"e": {"fault": 1}}}).encode(),
            "an entrance has no state",
        ),
        (f"{YUEHU}/availability", b"maybe", "neither online nor offline"),
        (f"{YUEHU}/result", b'{"id": "d 1", "result": "applied"}', "id missing or invalid"),
        (f"{YUEHU}/result", b'{"id": "d-1", "result": "done"}', "unknown result"),
        (f"{YUEHU}/assessment", b'{"month": "2026-13x", "day": "2026-12-01"}', "month invalid"),
        ("hanyang/hanyang/Yuehu!/guqintai/state", b"{}", "not a compound's topic"),
        ("hanyang/hanyang/Yuehu!/directive", b"{}", "not a directive's topic"),
        ("hanyang/hanyang/yuehu/directive", b'{"id": "x"}', "issuer missing or invalid"),
    ],
)
async def test_a_bad_publication_is_dropped_with_one_log_line(  # noqa: PLR0917 - fixtures and parameters
    hass: HomeAssistant,
    district: MockConfigEntry,
    watcher: Watcher,
    caplog: pytest.LogCaptureFixture,
    topic: str,
    payload: bytes,
    why: str,
) -> None:
    caplog.set_level(logging.WARNING)
    watcher.publish(f"{YUEHU}/state", json.dumps(SIMULATED_STATE))
    await wait_until(
        lambda: state_of(hass, district, "select", "zone_yuehu_zone_mode") == "controlled"
    )
    before = {state.entity_id: state.state for state in hass.states.async_all()}

    watcher.publish(topic, payload)
    await wait_until(lambda: "Dropped a publication" in caplog.text)
    # One publication that is fine after it shows the bad one changed nothing.
    watcher.publish("hanyang/hanyang/yuehu/other/availability", "offline")
    await wait_until(
        lambda: state_of(hass, district, "sensor", "zone_yuehu_district_compounds") == "2"
    )

    dropped = [r for r in caplog.records if "Dropped a publication" in r.message]
    assert len(dropped) == 1
    assert why in dropped[0].message
    after = {state.entity_id: state.state for state in hass.states.async_all()}
    changed = {key for key in after if before.get(key) != after[key]}
    assert changed <= {
        entity_of(hass, district, "sensor", "zone_yuehu_district_compounds"),
        entity_of(hass, district, "sensor", "district_compounds"),
    }
    assert (
        district.runtime_data.model.find("yuehu", "guqintai").state.mode is CompoundMode.CONTROLLED
    )


async def test_the_district_is_unavailable_while_its_broker_is_gone(
    hass: HomeAssistant, district: MockConfigEntry, watcher: Watcher, broker: Broker
) -> None:
    watcher.publish(f"{YUEHU}/state", json.dumps(SIMULATED_STATE))
    await wait_until(
        lambda: state_of(hass, district, "select", "zone_yuehu_zone_mode") == "controlled"
    )

    broker.stop()
    await wait_until(
        lambda: state_of(hass, district, "select", "zone_yuehu_zone_mode") == "unavailable"
    )
    broker.start()
    await wait_until(
        lambda: state_of(hass, district, "select", "zone_yuehu_zone_mode") == "controlled",
        within=30,
    )
    assert district.data["district"] == DISTRICT


async def test_the_diagnostics_of_a_district_show_its_view(
    hass: HomeAssistant, district: MockConfigEntry, watcher: Watcher
) -> None:
    watcher.publish(f"{YUEHU}/state", json.dumps(SIMULATED_STATE))
    watcher.publish(f"{YUEHU}/availability", "online")
    await wait_until(lambda: state_of(hass, district, "sensor", "district_compounds_online") == "1")

    diagnostics = await async_get_config_entry_diagnostics(hass, district)

    assert diagnostics["issuer"] == "hanyang_district"
    assert diagnostics["connected"] is True
    assert diagnostics["zones"]["yuehu"]["name"] == "Yuehu"
    assert diagnostics["zones"]["yuehu"]["totals"]["entrances_offline"] == 1
    assert diagnostics["compounds"] == {"yuehu/guqintai": {"online": True, "results": {}}}


async def test_a_district_without_mqtt_waits_for_it(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    entry = district_entry(name="汉阳区")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert "waits for Home Assistant's MQTT integration" in caplog.text
    # A name that is no id still makes an issuer.
    assert entry.runtime_data.issuer.endswith("_yang_qu")
    assert issuer_name("!!!", "hanyang") == "district-hanyang"
    assert await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN,
            "district_ranking",
            {"district": entry.entry_id},
            blocking=True,
            return_response=True,
        )
    assert refused.value.translation_key == "district_not_loaded"
