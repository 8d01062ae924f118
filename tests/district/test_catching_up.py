"""A compound that was away carries out what stands now: never a withdrawn or superseded directive."""

from __future__ import annotations

import json
import logging

from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.modes import CompoundMode

from .broker import Broker, Watcher, wait_until
from .conftest import (
    BASE,
    TARGET_COMPOUND,
    TOPIC_ALL,
    TOPIC_COMPOUND,
    TOPIC_ZONE,
    directive,
    linked_entry,
)
from .test_directives import RESULT, result_of


async def test_an_offline_compound_applies_only_the_directive_standing_now(
    hass: HomeAssistant, mqtt_ready: MockConfigEntry, watcher: Watcher
) -> None:
    # While the compound is away: a lockdown for all, withdrawn; an evacuation for the
    # compound, superseded by a newer controlled mode for its zone.
    watcher.publish(TOPIC_ALL, directive("d-all", "all", "lockdown"))
    watcher.publish(TOPIC_ALL, b"")
    watcher.publish(
        TOPIC_COMPOUND,
        directive("d-old", TARGET_COMPOUND, "evacuation", issued_at="2026-12-01T07:00:00+00:00"),
    )
    watcher.publish(TOPIC_ZONE, directive("d-zone", "qingchuan", "controlled"))

    entry = linked_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    await wait_until(lambda: result_of(watcher, "d-zone") == "applied")
    assert entry.runtime_data.mode is CompoundMode.CONTROLLED
    reports = [
        (payload_id, result)
        for topic, payload in watcher.history
        if topic == RESULT
        for payload_id, result in [_report(payload)]
    ]
    assert ("d-old", "superseded") in reports
    assert not [report for report in reports if report[0] == "d-all"]
    assert ("d-old", "applied") not in reports


def _report(payload: bytes) -> tuple[str, str]:
    data = json.loads(payload)
    return data["id"], data["result"]


async def test_an_older_directive_arriving_late_is_not_carried_out(
    hass: HomeAssistant, linked: MockConfigEntry, watcher: Watcher
) -> None:
    watcher.publish(TOPIC_ZONE, directive("d-new", "qingchuan", "lockdown"))
    await wait_until(lambda: result_of(watcher, "d-new") == "applied")
    watcher.publish(
        TOPIC_COMPOUND,
        directive("d-late", TARGET_COMPOUND, "evacuation", issued_at="2026-12-01T07:00:00+00:00"),
    )
    await wait_until(lambda: result_of(watcher, "d-late") == "superseded")
    assert linked.runtime_data.mode is CompoundMode.LOCKDOWN


async def test_after_a_broker_restart_everything_is_published_again_and_directives_arrive(
    hass: HomeAssistant, linked: MockConfigEntry, broker: Broker, watcher: Watcher
) -> None:
    watcher.close()
    broker.stop()  # without persistence: every retained message is gone
    await wait_until(lambda: not mqtt.is_connected(hass))
    broker.start()
    await wait_until(lambda: mqtt.is_connected(hass), within=30)
    fresh = Watcher(broker.port)
    try:
        await wait_until(lambda: f"{BASE}/state" in fresh.messages, within=30)
        assert fresh.messages[f"{BASE}/availability"] == b"online"
        fresh.publish(TOPIC_ZONE, directive("d-1", "qingchuan", "lockdown"))
        await wait_until(lambda: result_of(fresh, "d-1") == "applied")
        assert linked.runtime_data.mode is CompoundMode.LOCKDOWN
    finally:
        fresh.close()


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"{" + b'"x": "' + b"a" * 2000 + b'"}', "larger than 1024 bytes"),
        (directive("d-1", "all", "lockdown").encode(), "target does not match"),
        (directive("d-1", "qingchuan", "curfew").encode(), "unknown mode"),
        (directive("bad id!", "qingchuan", "lockdown").encode(), "id missing or invalid"),
        (directive("d-1", "qingchuan", "lockdown", issuer="").encode(), "issuer missing"),
        (directive("d-1", "qingchuan", "lockdown", reason="x" * 201).encode(), "reason invalid"),
        (
            directive("d-1", "qingchuan", "lockdown", issued_at="yesterday").encode(),
            "no ISO 8601",
        ),
        (
            directive("d-1", "qingchuan", "lockdown", issued_at="2026-12-01T08:00:00").encode(),
            "no time zone",
        ),
        (b'{"id": "d-1", "extra": 1}', "unknown fields"),
        (b'{"id": "d-1", "issuer": "x", "target": "qingchuan", "mode": "lockdown"}', "issued_at"),
    ],
)
@pytest.mark.usefixtures("hass")
async def test_a_malformed_directive_is_dropped_with_one_log_line(
    linked: MockConfigEntry,
    watcher: Watcher,
    caplog: pytest.LogCaptureFixture,
    payload: bytes,
    why: str,
) -> None:
    caplog.set_level(logging.INFO)
    watcher.publish(TOPIC_ZONE, payload)
    await wait_until(lambda: "Dropped a directive" in caplog.text)

    dropped = [r for r in caplog.records if "Dropped a directive" in r.getMessage()]
    assert len(dropped) == 1
    assert why in dropped[0].getMessage()
    assert linked.runtime_data.mode is CompoundMode.NORMAL
    assert RESULT not in watcher.messages
