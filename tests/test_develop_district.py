"""scripts/develop --district's provisioning, through Home Assistant's REST flows, against the shipped broker."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from pathlib import Path
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.hanyang_compound.const import CONF_DISTRICT, CONF_DISTRICT_LINK, DOMAIN
from scripts.demo_client import HomeAssistantClient
from scripts.demo_district import (
    async_link_compound,
    async_set_up_district,
    district_accounts,
)
from tests.conftest import make_compound_entry
from tests.district.broker import DistrictBroker, Watcher, running, wait_until

COMPOUND = {"name": "Longdengli", "zone": "Qingchuan", "service_tier": "standard"}
BASE = "hanyang/hanyang/qingchuan/longdengli"


@pytest.fixture
def district_broker(tmp_path: Path, socket_enabled: None) -> Generator[DistrictBroker]:
    """The demo's district broker: the office, Longdengli and the 160 simulated compounds' accounts."""
    with running(DistrictBroker(tmp_path, district_accounts(COMPOUND))) as server:
        yield server


@pytest.fixture
async def client(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_access_token: str,
    tmp_path: Path,
) -> AsyncGenerator[HomeAssistantClient]:
    """The demo's client of this Home Assistant, logged in."""
    hass.config.config_dir = str(tmp_path)  # where the integration installs its blueprints
    # mqtt's flow needs file_upload, and the integration serves its reports: their HTTP views
    # must exist before the server starts.
    for component in ("websocket_api", "config", "file_upload", DOMAIN):
        assert await async_setup_component(hass, component, {})
    server = await hass_client()
    async with aiohttp.ClientSession() as session:
        demo_client = HomeAssistantClient(session, str(server.make_url("")).rstrip("/"), "log")
        demo_client.token = hass_access_token
        with patch("homeassistant.config.async_hass_config_yaml", return_value={}):
            yield demo_client
    for entry in hass.config_entries.async_entries():
        await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def test_the_demo_compound_gets_mqtt_on_its_own_account_and_is_linked(
    hass: HomeAssistant, client: HomeAssistantClient, district_broker: DistrictBroker
) -> None:
    office = district_broker.client("district-hanyang-office")
    compound = make_compound_entry()
    compound.add_to_hass(hass)
    assert await hass.config_entries.async_setup(compound.entry_id)
    try:
        accounts = district_accounts(COMPOUND)
        await async_link_compound(
            client, COMPOUND, accounts, district_broker.passwords, district_broker.port
        )

        assert compound.options[CONF_DISTRICT_LINK] is True
        assert compound.options[CONF_DISTRICT] == "hanyang"
        await wait_until(lambda: {f"{BASE}/ha", f"{BASE}/state"} <= set(office.messages))
        assert office.messages[f"{BASE}/ha"] == b"online"
        (mqtt,) = hass.config_entries.async_entries("mqtt")
        settings: dict[str, Any] = {**mqtt.data, **mqtt.options}
        assert settings["username"] == "compound-hanyang-qingchuan-longdengli"
        assert settings["discovery"] is False
        # Run again (a restart of the demo): nothing is added twice.
        await async_link_compound(
            client, COMPOUND, accounts, district_broker.passwords, district_broker.port
        )
        assert len(hass.config_entries.async_entries("mqtt")) == 1
    finally:
        office.close()


async def test_the_district_gets_mqtt_on_the_office_account_and_its_district_entry(
    hass: HomeAssistant, client: HomeAssistantClient, district_broker: DistrictBroker
) -> None:
    accounts = district_accounts(COMPOUND)
    await async_set_up_district(client, accounts, district_broker.passwords, district_broker.port)

    (mqtt,) = hass.config_entries.async_entries("mqtt")
    assert mqtt.data["username"] == "district-hanyang-office"
    (district,) = hass.config_entries.async_entries(DOMAIN)
    assert district.title == "Hanyang district"
    assert district.data[CONF_DISTRICT] == "hanyang"
    assert not hass.config_entries.flow.async_progress()
    # Run again (a restart of the demo): nothing is added twice.
    await async_set_up_district(client, accounts, district_broker.passwords, district_broker.port)
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1
    watcher = Watcher(
        district_broker.port, mqtt.data["username"], mqtt.data["password"], subscribe=None
    )
    try:
        assert await watcher.connected()
    finally:
        watcher.close()
