"""Tests of a compound's diagnostics: what they show, and that secrets and identities are hidden."""

from __future__ import annotations

import json

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_dumps
from homeassistant.util.json import json_loads_object
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion
from syrupy.matchers import path_type

from custom_components.hanyang_compound.diagnostics import async_get_config_entry_diagnostics

from .conftest import make_compound_entry
from .full_compound import RESIDENT, full_compound_fixture  # noqa: F401 - a fixture
from .iomodule.conftest import gateway  # noqa: F401 - a fixture
from .terminal_fixtures import east_terminal, fast_links  # noqa: F401 - fixtures
from .terminal_sim import PASSWORD
from .test_ble import MANHOLE, SHED, THERMOMETER
from .test_patrol_route import shanghai  # noqa: F401 - a fixture


async def test_diagnostics_describe_the_compound_and_redact_secrets(hass: HomeAssistant) -> None:
    entry: MockConfigEntry = make_compound_entry(
        subentries_data=(
            ConfigSubentryData(
                data={"host": "10.0.0.7", "username": "admin", "password": "s3cret", "door": 1},
                subentry_type="unknown_kind",
                title="North entrance terminal",
                unique_id="DS-K1T671",
            ),
        )
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)

    assert diagnostics["entry"] == {
        "title": "Longdengli",
        "data": {"zone": "Qingchuan", "service_tier": "standard"},
        "options": {},
    }
    assert diagnostics["subentries"] == [
        {
            "subentry_type": "unknown_kind",
            "title": "North entrance terminal",
            "data": {
                "host": "**REDACTED**",
                "username": "**REDACTED**",
                "password": "**REDACTED**",
                "door": 1,
            },
        }
    ]
    assert diagnostics["compound"]["mode"] == "normal"
    assert "s3cret" not in repr(diagnostics)


async def test_addresses_are_redacted_inside_titles_and_error_texts(hass: HomeAssistant) -> None:
    entry: MockConfigEntry = make_compound_entry(
        options={"mode_pin_hash": "pbkdf2_sha256$1$00$00"},
        subentries_data=(
            ConfigSubentryData(
                data={"host": "192.168.31.20", "port": 502},
                subentry_type="unknown_kind",
                title="I/O module 192.168.31.20:502 #1",
                unique_id=None,
            ),
            ConfigSubentryData(
                data={"address": "A4:C1:38:00:11:22", "bind_key": "00" * 16},
                subentry_type="unknown_kind",
                title="Manhole A4:C1:38:00:11:22",
                unique_id="A4:C1:38:00:11:22",
            ),
        ),
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)

    class Failing:
        async def async_stop(self) -> None:
            """Nothing runs."""

        def diagnostics(self) -> dict[str, object]:
            return {"link": {"last_error": "Cannot connect to host 192.168.31.20:502 [refused]"}}

    entry.runtime_data.devices["failing"] = Failing()  # type: ignore[assignment]
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)

    text = repr(diagnostics)
    assert "192.168.31.20" not in text
    assert "A4:C1:38:00:11:22" not in text
    assert "pbkdf2" not in text
    assert diagnostics["subentries"][0]["title"] == "I/O module **REDACTED**:502 #1"
    assert diagnostics["devices"]["failing"]["link"]["last_error"] == (
        "Cannot connect to host **REDACTED**:502 [refused]"
    )


@pytest.mark.usefixtures("socket_enabled")
async def test_diagnostics_of_a_compound_with_every_kind_of_device(
    hass: HomeAssistant, full_compound: MockConfigEntry, snapshot: SnapshotAssertion
) -> None:
    # As the diagnostics download serialises them: in JSON, with Home Assistant's encoder.
    diagnostics = json_loads_object(
        json_dumps(await async_get_config_entry_diagnostics(hass, full_compound))
    )

    # The simulators listen on ports of their own each run; everything else is fixed.
    ports = path_type({r"subentries\.\d+\.data\.port": (int,)}, regex=True)
    assert diagnostics == snapshot(matcher=ports)
    text = json.dumps(diagnostics, ensure_ascii=False)
    terminal = next(
        subentry.data
        for subentry in full_compound.subentries.values()
        if subentry.subentry_type == "access_terminal"
    )
    for secret in (
        "127.0.0.1",
        terminal["username"],
        PASSWORD,
        terminal["serial_number"],
        MANHOLE,
        SHED,
        THERMOMETER,
        RESIDENT,
    ):
        assert secret not in text
