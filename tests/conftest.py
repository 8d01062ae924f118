"""Fixtures shared by the integration's tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.hanyang_compound.config_flow import compound_unique_id
from custom_components.hanyang_compound.const import CONF_SERVICE_TIER, CONF_ZONE, DOMAIN

COMPOUND_NAME = "Longdengli"
TAGS = {"tag-north-gate": "North gate", "tag-shed": "E-bike shed", "tag-east-gate": "East gate"}
"""NFC tags of the night patrol route's checkpoints, by tag id."""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components/."""


def make_compound_entry(
    name: str = COMPOUND_NAME,
    *,
    options: dict[str, Any] | None = None,
    subentries_data: tuple[ConfigSubentryData, ...] = (),
    entry_id: str | None = None,
) -> MockConfigEntry:
    """Return a compound's config entry as the config flow creates it (a new id unless given)."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=entry_id,
        title=name,
        unique_id=compound_unique_id(name),
        data={CONF_ZONE: "Qingchuan", CONF_SERVICE_TIER: "standard"},
        options=options or {},
        subentries_data=subentries_data,
    )


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Syrupy's snapshot with Home Assistant's extension, as in Home Assistant's own tests.

    Snapshots go to a snapshots/ folder beside the test module.
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


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


type Mover = Callable[[datetime], Awaitable[None]]


@pytest.fixture
def move_to(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Mover:
    """Move the frozen clock to an instant and let the timers due by then run."""

    async def move(when: datetime) -> None:
        freezer.move_to(when)
        async_fire_time_changed(hass, when)
        await hass.async_block_till_done()

    return move


@pytest.fixture
async def tags(hass: HomeAssistant, hass_ws_client: Any, tmp_path: Path) -> Any:
    """Home Assistant's tag integration with the three checkpoint tags of the night route."""
    # The integration installs its blueprints into the configuration: a test's own folder.
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(hass, "tag", {})
    # The calendar and the integration register HTTP views, which must happen before the websocket
    # client starts HTTP (a real server lets views come later; the test client does not).
    assert await async_setup_component(hass, "calendar", {})
    assert await async_setup_component(hass, DOMAIN, {})
    client = await hass_ws_client(hass)
    for tag_id, name in TAGS.items():
        await client.send_json_auto_id({"type": "tag/create", "tag_id": tag_id, "name": name})
        assert (await client.receive_json())["success"]
    await hass.async_block_till_done()
    return client
