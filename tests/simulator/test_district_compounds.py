"""Simulated compounds on the district's broker, each under its own account: what they publish, how they obey."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
import pytest

from broker.accounts import DistrictAccounts
from custom_components.hanyang_compound.district_publications import parse_assessment
from simulator.devices.district_compounds import PROPERTY_COMPANIES, DistrictCompounds
from simulator.district_protocol import district_layout
from tests.district.broker import DistrictBroker, Watcher, running, wait_until
from tests.district.conftest import mqtt_entry, unload_all

PLACES = district_layout("hanyang", 6, 3)
OFFICE = "district-hanyang-office"
ROOT = "hanyang/hanyang"
ZONE = PLACES[0].zone_level
IN_ZONE = [place for place in PLACES if place.zone_level == ZONE]
ELSEWHERE = [place for place in PLACES if place.zone_level != ZONE]


@pytest.fixture
def district_broker(tmp_path: Path, socket_enabled: None) -> Generator[DistrictBroker]:
    """The district's broker with an account for the office and each simulated compound."""
    accounts = DistrictAccounts(
        "hanyang", ("office",), tuple((place.zone_level, place.level) for place in PLACES)
    )
    with running(DistrictBroker(tmp_path, accounts)) as server:
        yield server


@pytest.fixture
async def office(district_broker: DistrictBroker) -> AsyncGenerator[Watcher]:
    """The district office's client, seeing everything of the district."""
    client = district_broker.client(OFFICE)
    yield client
    client.close()


@pytest.fixture
async def compounds(
    district_broker: DistrictBroker, office: Watcher, tmp_path: Path
) -> AsyncGenerator[DistrictCompounds]:
    """Six simulated compounds in three zones, published."""
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps(district_broker.passwords))
    simulated = DistrictCompounds(
        "district",
        {
            "broker": f"127.0.0.1:{district_broker.port}",
            "compounds": len(PLACES),
            "zones": 3,
            "credentials": str(credentials),
            "state_interval": 0.5,
        },
    )
    await simulated.async_start()
    await wait_until(lambda: all(f"{p.base}/state" in office.messages for p in PLACES))
    yield simulated
    await simulated.async_stop()


def directive(directive_id: str, target: str, mode: str, minute: int = 0) -> str:
    """Return a directive's JSON as the district publishes it."""
    return json.dumps(
        {
            "id": directive_id,
            "issuer": "district-office",
            "target": target,
            "mode": mode,
            "reason": None,
            "issued_at": f"2026-12-01T08:{minute:02d}:00+00:00",
        }
    )


def result(office: Watcher, base: str, directive_id: str) -> Any:
    """Return what a compound reported last about a directive, or None."""
    report = office.json(f"{base}/result") if f"{base}/result" in office.messages else {}
    return report.get("result") if report.get("id") == directive_id else None


async def test_each_compound_publishes_its_device_in_its_zone(
    compounds: DistrictCompounds, office: Watcher
) -> None:
    assert compounds.status()["connected"] == len(PLACES)
    for place in PLACES:
        config = office.json(f"homeassistant/device/{place.unique_id}/config")
        assert config["dev"] == {
            "ids": [place.unique_id],
            "name": place.name,
            "mf": "Hanyang Compound",
            "mdl": "Compound",
            "sa": place.zone,
        }
        assert office.messages[f"{place.base}/availability"] == b"online"
        assert office.messages[f"{place.base}/ha"] == b"online"
        assert office.json(f"{place.base}/state")["mode"] == "normal"
        # What the district role reads of a compound's assessment, as it reads a real one's.
        await wait_until(lambda place=place: f"{place.base}/assessment" in office.messages)
        assessment = parse_assessment(office.messages[f"{place.base}/assessment"])
        assert assessment.property_company in PROPERTY_COMPANIES
        assert set(assessment.month_so_far) == {"patrol_rounds", "entrance_availability"}


async def test_zone_all_and_compound_directives_are_carried_out_by_their_targets_only(
    compounds: DistrictCompounds, office: Watcher
) -> None:
    office.publish(f"{ROOT}/{ZONE}/directive", directive("z-1", ZONE, "lockdown", 1))
    await wait_until(lambda: all(result(office, p.base, "z-1") == "applied" for p in IN_ZONE))
    assert all(office.json(f"{p.base}/state")["mode"] == "lockdown" for p in IN_ZONE)
    assert all(result(office, p.base, "z-1") is None for p in ELSEWHERE)
    assert {compounds.compounds[f"{p.zone_level}/{p.level}"].mode for p in ELSEWHERE} == {"normal"}

    office.publish(f"{ROOT}/directive", directive("a-1", "all", "controlled", 2))
    await wait_until(lambda: all(result(office, p.base, "a-1") == "applied" for p in PLACES))

    one = ELSEWHERE[0]
    target = f"{one.zone_level}/{one.level}"
    office.publish(f"{one.base}/directive", directive("c-1", target, "evacuation", 3))
    await wait_until(lambda: result(office, one.base, "c-1") == "applied")
    assert office.json(f"{one.base}/state")["entrances"]["gate1"]["state"] == "open"
    assert compounds.status()["modes"] == {"controlled": len(PLACES) - 1, "evacuation": 1}
    assert compounds.status()["applied_twice"] == []


async def test_the_district_cannot_end_a_lockdown_the_compound_started(
    compounds: DistrictCompounds, office: Watcher
) -> None:
    own = IN_ZONE[0]
    await compounds.async_command(
        "set_mode", {"compound": f"{own.zone_level}/{own.level}", "mode": "lockdown"}
    )
    office.publish(f"{ROOT}/{ZONE}/directive", directive("z-2", ZONE, "normal", 4))
    # "pending" comes first; wait for each compound's decision.
    await wait_until(
        lambda: all(result(office, p.base, "z-2") in {"applied", "refused"} for p in IN_ZONE)
    )
    assert result(office, own.base, "z-2") == "refused"
    assert office.json(f"{own.base}/result")["refusal"] == "mode_refused_district_not_its_own"
    assert all(result(office, p.base, "z-2") == "applied" for p in IN_ZONE[1:])


async def test_an_offline_compound_catches_up_once_and_never_with_a_withdrawn_directive(
    compounds: DistrictCompounds, office: Watcher
) -> None:
    first, second = IN_ZONE[0], ELSEWHERE[0]
    first_key, second_key = (f"{p.zone_level}/{p.level}" for p in (first, second))
    await compounds.async_command("drop", {"compound": first_key})
    await compounds.async_command("drop", {"compound": second_key})
    # Their Home Assistants are gone: the broker says so with their wills.
    await wait_until(lambda: office.messages[f"{first.base}/ha"] == b"offline")

    office.publish(f"{ROOT}/{ZONE}/directive", directive("z-3", ZONE, "lockdown", 5))
    office.publish(f"{second.base}/directive", directive("c-3", second_key, "lockdown", 5))
    office.publish(f"{second.base}/directive", b"")
    await wait_until(lambda: result(office, IN_ZONE[1].base, "z-3") == "applied")

    for key in (first_key, second_key):
        await compounds.async_command("restore", {"compound": key})
    await wait_until(lambda: result(office, first.base, "z-3") == "applied")
    await wait_until(lambda: office.messages[f"{second.base}/ha"] == b"online")
    # Reconnecting again brings the standing directive again; it is not carried out twice.
    await compounds.async_command("drop", {"compound": first_key})
    await compounds.async_command("restore", {"compound": first_key})
    await wait_until(lambda: compounds.compounds[first_key].client.connected)
    await wait_until(lambda: office.messages[f"{first.base}/ha"] == b"online")

    assert compounds.compounds[first_key].applied["z-3"] == 1
    assert compounds.compounds[second_key].mode == "normal"
    assert "c-3" not in compounds.compounds[second_key].results


async def test_a_malformed_directive_is_dropped_with_one_log_line(
    compounds: DistrictCompounds, office: Watcher, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    office.publish(f"{ROOT}/directive", directive("a-9", ZONE, "lockdown"))
    office.publish(f"{ROOT}/{ZONE}/directive", directive("z-9", ZONE, "lockdown", 9))
    await wait_until(lambda: all(result(office, p.base, "z-9") == "applied" for p in IN_ZONE))

    def dropped() -> int:
        return sum("dropped a directive" in r.getMessage() for r in caplog.records)

    # Every compound reads the directive for all, each drops it once.
    await wait_until(lambda: dropped() >= len(PLACES))
    assert dropped() == len(PLACES)
    assert all("a-9" not in c.results for c in compounds.compounds.values())


async def test_a_district_home_assistant_shows_every_simulated_compound_in_its_zone(
    hass: HomeAssistant, compounds: DistrictCompounds, district_broker: DistrictBroker
) -> None:
    entry = mqtt_entry(
        district_broker.port,
        discovery=True,
        own_status=False,
        connection={"username": OFFICE, "password": district_broker.passwords[OFFICE]},
    )
    entry.add_to_hass(hass)
    with patch("homeassistant.config.async_hass_config_yaml", return_value={}):
        assert await hass.config_entries.async_setup(entry.entry_id)
    devices = dr.async_get(hass)
    areas = ar.async_get(hass)
    try:
        await wait_until(
            lambda: len(dr.async_entries_for_config_entry(devices, entry.entry_id)) >= len(PLACES)
        )
        # Looked up as both lanes' registries allow (2026.x deprecates async_get_device).
        by_id = {
            identifier: device
            for device in dr.async_entries_for_config_entry(devices, entry.entry_id)
            for identifier in device.identifiers
        }
        for place in PLACES:
            device = by_id[("mqtt", place.unique_id)]
            assert device.area_id is not None
            area = areas.async_get_area(device.area_id)
            assert area is not None
            assert area.name == place.zone
        # Available once both its Home Assistant and the compound say online (availability_mode all).
        # Its entities are registered a moment after its device.
        entities = er.async_get(hass)
        mode_id = f"{PLACES[0].unique_id}_mode"
        await wait_until(
            lambda: entities.async_get_entity_id("sensor", "mqtt", mode_id) is not None
        )
        mode = entities.async_get_entity_id("sensor", "mqtt", mode_id)
        assert mode is not None
        await wait_until(lambda: getattr(hass.states.get(mode), "state", None) == "normal")
    finally:
        await unload_all(hass)
