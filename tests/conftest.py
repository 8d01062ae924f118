"""Fixtures shared by the integration's tests."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.config_flow import compound_unique_id
from custom_components.hanyang_compound.const import CONF_SERVICE_TIER, CONF_ZONE, DOMAIN

COMPOUND_NAME = "Longdengli"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components/."""


def make_compound_entry(
    name: str = COMPOUND_NAME,
    *,
    options: dict[str, Any] | None = None,
    subentries_data: tuple[ConfigSubentryData, ...] = (),
) -> MockConfigEntry:
    """Return a compound's config entry as the config flow creates it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=name,
        unique_id=compound_unique_id(name),
        data={CONF_ZONE: "Qingchuan", CONF_SERVICE_TIER: "standard"},
        options=options or {},
        subentries_data=subentries_data,
    )


@pytest.fixture
def compound_entry() -> MockConfigEntry:
    """The Longdengli compound's config entry, not yet added."""
    return make_compound_entry()


@pytest.fixture
async def loaded_compound(hass: HomeAssistant, compound_entry: MockConfigEntry) -> MockConfigEntry:
    """The Longdengli compound, set up."""
    compound_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(compound_entry.entry_id)
    await hass.async_block_till_done()
    return compound_entry


@pytest.fixture
def no_setup() -> Generator[None]:
    """Create config entries without setting the integration up."""
    with patch("custom_components.hanyang_compound.async_setup_entry", return_value=True):
        yield


@pytest.fixture(autouse=True)
def mock_bluetooth_radio(mock_bluetooth: None) -> None:
    """Let Home Assistant's bluetooth integration (a dependency) start without a radio."""
