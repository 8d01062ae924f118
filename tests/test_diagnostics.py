"""Tests of a compound's diagnostics."""

from __future__ import annotations

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.diagnostics import async_get_config_entry_diagnostics

from .conftest import make_compound_entry


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
