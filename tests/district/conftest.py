"""Fixtures of the district link's tests: a real broker, Home Assistant's mqtt on it, a linked compound."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from broker.accounts import DistrictAccounts
from custom_components.hanyang_compound.const import (
    CONF_DISTRICT,
    CONF_DISTRICT_LINK,
    CONF_DISTRICT_MAY,
    CONF_ENTRY_KIND,
    CONF_ZONE,
    DOMAIN,
    ENTRY_KIND_DISTRICT,
)
from tests.conftest import make_compound_entry

from .broker import Broker, DistrictBroker, Watcher, running, wait_until
from .certificates import make_certificates

DISTRICT = "hanyang"
BASE = "hanyang/hanyang/qingchuan/longdengli"
HA_STATUS = f"{BASE}/ha"
ACCOUNTS = DistrictAccounts(
    district=DISTRICT,
    district_accounts=("office",),
    compounds=(("qingchuan", "longdengli"), ("qingchuan", "yuegong"), ("yuehu", "qintai")),
)
"""The district's broker accounts: the district office, Longdengli and two other compounds."""
OFFICE = "district-hanyang-office"
LONGDENGLI_ACCOUNT = "compound-hanyang-qingchuan-longdengli"


@pytest.fixture
def broker(tmp_path: Path, socket_enabled: None) -> Generator[Broker]:
    """A Mosquitto of the test's own, on a free port of 127.0.0.1."""
    with running(Broker(tmp_path)) as server:
        yield server


@pytest.fixture
def district_broker(tmp_path: Path, socket_enabled: None) -> Generator[DistrictBroker]:
    """A Mosquitto from the shipped template with the district's accounts and a TLS listener."""
    with running(DistrictBroker(tmp_path, ACCOUNTS, make_certificates(tmp_path))) as server:
        yield server


@pytest.fixture
def watcher(broker: Broker) -> Generator[Watcher]:
    """A plain MQTT client on the broker that sees every message."""
    client = Watcher(broker.port)
    yield client
    client.close()


def mqtt_entry(
    port: int,
    *,
    discovery: bool = False,
    own_status: bool = True,
    connection: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """Return Home Assistant's mqtt config entry for the broker.

    connection adds to how it connects (account, the CA certificate for TLS); own_status gives its birth and will messages a topic of the compound's own, as the README
    asks; without, they keep mqtt's default topic, which every Home Assistant shares.
    """
    status = {
        "birth_message": {"topic": HA_STATUS, "payload": "online", "qos": 1, "retain": True},
        "will_message": {"topic": HA_STATUS, "payload": "offline", "qos": 1, "retain": True},
    }
    return MockConfigEntry(
        domain="mqtt",
        version=1,
        minor_version=2,
        data={"broker": "127.0.0.1", "port": port, **(connection or {})},
        options={"discovery": discovery} | (status if own_status else {}),
    )


@pytest.fixture
def no_yaml() -> Generator[None]:
    """An installation without configuration.yaml, which the mqtt integration reads as it starts."""
    with patch("homeassistant.config.async_hass_config_yaml", return_value={}):
        yield


@pytest.fixture
async def mqtt_ready(
    hass: HomeAssistant, broker: Broker, watcher: Watcher, no_yaml: None
) -> AsyncGenerator[MockConfigEntry]:
    """Home Assistant's mqtt integration, connected and born; unloaded before the broker stops."""
    entry = mqtt_entry(broker.port)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # Until its birth message is out, mqtt's own start-up may still fail on a broker restart.
    await wait_until(lambda: watcher.messages.get(HA_STATUS) == b"online")
    yield entry
    await unload_all(hass)


async def unload_all(hass: HomeAssistant) -> None:
    """Unload the compounds first, then mqtt, as Home Assistant would on removal."""
    entries = hass.config_entries.async_entries()
    for entry in sorted(entries, key=lambda entry: entry.domain == "mqtt"):
        if entry.state.recoverable:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


def linked_entry(rights: str | None = None, name: str = "Longdengli") -> MockConfigEntry:
    """Return a compound linked to the district, with the district's rights if given."""
    options = {CONF_DISTRICT_LINK: True, CONF_DISTRICT: DISTRICT}
    if rights:
        options[CONF_DISTRICT_MAY] = rights
    return make_compound_entry(name, options=options)


@pytest.fixture
async def linked(
    hass: HomeAssistant, mqtt_ready: MockConfigEntry, watcher: Watcher
) -> MockConfigEntry:
    """The Longdengli compound, linked to the district and published."""
    entry = linked_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await wait_until(lambda: f"{BASE}/state" in watcher.messages)
    return entry


def directive(
    directive_id: str,
    target: str,
    mode: str,
    *,
    issued_at: str = "2026-12-01T08:00:00+00:00",
    issuer: str = "district-office",
    reason: str | None = "Epidemic control notice",
) -> str:
    """Return a directive's JSON as the district publishes it."""
    return json.dumps(
        {
            "id": directive_id,
            "issuer": issuer,
            "target": target,
            "mode": mode,
            "reason": reason,
            "issued_at": issued_at,
        }
    )


TOPIC_ALL = "hanyang/hanyang/directive"
TOPIC_ZONE = "hanyang/hanyang/qingchuan/directive"
TOPIC_COMPOUND = f"{BASE}/directive"
TARGET_COMPOUND = "qingchuan/longdengli"


DISTRICT_NAME = "Hanyang District"


def district_entry(district: str = DISTRICT, name: str = DISTRICT_NAME) -> MockConfigEntry:
    """Return a district's config entry as the config flow creates it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=name,
        unique_id=f"district {district}",
        data={CONF_ENTRY_KIND: ENTRY_KIND_DISTRICT, CONF_DISTRICT: district},
    )


@pytest.fixture
async def district(hass: HomeAssistant, mqtt_ready: MockConfigEntry) -> MockConfigEntry:
    """The Hanyang district's view, loaded and hearing the broker."""
    entry = district_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await wait_until(lambda: entry.runtime_data.connected)
    return entry


async def add_linked(
    hass: HomeAssistant, name: str, zone: str = "Qingchuan", **options: Any
) -> MockConfigEntry:
    """Add and set up a compound of a zone, linked to the district."""
    entry = linked_entry(name=name)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_ZONE: zone}, options={**entry.options, **options}
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
