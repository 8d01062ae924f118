"""A compound linked through the shipped broker configuration: its own account, the ACL and TLS with the CA."""

from __future__ import annotations

from homeassistant.core import HomeAssistant

from custom_components.hanyang_compound.modes import CompoundMode

from .broker import DistrictBroker, wait_until
from .conftest import (
    BASE,
    HA_STATUS,
    LONGDENGLI_ACCOUNT,
    OFFICE,
    TOPIC_ZONE,
    directive,
    linked_entry,
    mqtt_entry,
    unload_all,
)

DISCOVERY = "homeassistant/device/hanyang_hanyang_qingchuan_longdengli/config"


async def test_a_compound_links_over_tls_with_its_own_account_and_takes_a_zone_directive(
    hass: HomeAssistant, district_broker: DistrictBroker, no_yaml: None
) -> None:
    assert district_broker.certificates is not None
    office = district_broker.client(OFFICE)
    mqtt = mqtt_entry(
        district_broker.tls_port,
        connection={
            "username": LONGDENGLI_ACCOUNT,
            "password": district_broker.passwords[LONGDENGLI_ACCOUNT],
            "certificate": district_broker.certificates.ca.read_text(),
        },
    )
    compound = linked_entry()
    try:
        mqtt.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mqtt.entry_id)
        await wait_until(lambda: office.messages.get(HA_STATUS) == b"online")
        compound.add_to_hass(hass)
        assert await hass.config_entries.async_setup(compound.entry_id)
        await hass.async_block_till_done()

        # What the compound publishes reaches the district through the ACL.
        await wait_until(lambda: {f"{BASE}/state", DISCOVERY} <= set(office.messages))
        assert office.messages[f"{BASE}/availability"] == b"online"
        assert office.json(DISCOVERY)["dev"]["sa"] == "Qingchuan"

        # And the district office's zone directive reaches the compound, which reports it.
        office.publish(TOPIC_ZONE, directive("d-1", "qingchuan", "lockdown"))
        await wait_until(
            lambda: (
                f"{BASE}/result" in office.messages
                and office.json(f"{BASE}/result")["result"] == "applied"
            )
        )
        assert compound.runtime_data.mode is CompoundMode.LOCKDOWN
        await wait_until(lambda: office.json(f"{BASE}/state")["mode"] == "lockdown")

        await unload_all(hass)
        await wait_until(lambda: office.messages[f"{BASE}/availability"] == b"offline")
    finally:
        await unload_all(hass)
        office.close()
