"""A compound with a device of every kind, set up against the simulators, for the snapshot tests.

Test modules import the fixtures they use: full_compound and the ones it needs (east_terminal,
fast_links, gateway, shanghai), and entity_registry_enabled_by_default where every entity should
have a state. Only Bluetooth is faked: advertisements go through Home Assistant's Bluetooth test
helpers, and the thermometer's connection is a stand-in.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator
import time
from unittest.mock import AsyncMock, PropertyMock, patch

from homeassistant.config_entries import ConfigSubentryData, ConfigSubentryDataWithId
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.terminal import AccessTerminal
from simulator.devices.access_terminal import AccessTerminal as SimulatedTerminal
from simulator.devices.bthome_encoding import encode_service_data
from simulator.devices.io_module import Gateway

from .conftest import make_compound_entry
from .iomodule.conftest import NORTH_GATE, subentry, wired_subentries
from .terminal_fixtures import HISTORY
from .test_ble import (
    EAR_READING,
    MANHOLE,
    SHED,
    FakeThermometer,
    advertisement,
    inject,
    manhole_subentry,
    shed_subentry,
    thermometer_advertisement,
    thermometer_subentry,
)
from .test_patrol_route import route_data
from .test_terminal_delivery import SUBENTRY_ID as TERMINAL, terminal_subentry

ENTRY_ID = "01JCOMPOUNDLONGDENGLI00000"
"""The compound's entry id, fixed so that unique ids are the same on every run."""
RESIDENT = "张伟"
"""The resident who passes the terminal: a name that must show nowhere by default."""
PAUSE = 0.02
"""Seconds between two checks of settle."""


def with_id(subentry_id: str, data: ConfigSubentryData) -> ConfigSubentryDataWithId:
    """Return a subentry as stored, with a fixed id."""
    return ConfigSubentryDataWithId(subentry_id=subentry_id, **data)


def full_compound_entry(gateway: Gateway, east: SimulatedTerminal) -> MockConfigEntry:
    """Return the compound with one device of every kind, wired to the simulators."""
    return make_compound_entry(
        entry_id=ENTRY_ID,
        subentries_data=(
            *wired_subentries(gateway.port),
            terminal_subentry(east),
            subentry("patrol1", "patrol_route", "Night patrol", route_data()),
            with_id("manhole3", manhole_subentry()),
            with_id("shed2", shed_subentry()),
            with_id("thermometer1", thermometer_subentry()),
        ),
    )


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Register every entity enabled, also those disabled by default, so each has a state."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


async def settle(hass: HomeAssistant, condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait until condition holds while the clock is frozen.

    A frozen clock stops the event loop's timers too (no asyncio.sleep ever ends), so the waits
    between checks are real pauses in the executor, during which the loop still reads sockets.
    """
    for _ in range(int(within / PAUSE)):
        if condition():
            return
        await hass.async_add_executor_job(time.sleep, PAUSE)
    raise AssertionError(f"condition not met within {within} s")


@pytest.fixture(name="full_compound")
async def full_compound_fixture(
    hass: HomeAssistant,
    shanghai: None,
    tags: object,
    *,
    enable_bluetooth: None,
    gateway: Gateway,
    east: SimulatedTerminal,
) -> AsyncGenerator[MockConfigEntry]:
    """The compound with every kind of device, each having reported something.

    The clock stands still at 20:00 in Shanghai (the route's clock and every timestamp) from
    before the simulated terminal starts (shanghai comes first among the fixtures) to the end.
    At that instant the gate is closed, both Bluetooth sensors and the thermometer have sent a
    reading and a resident has passed the terminal. Unloaded at the end so its links close.
    """
    entry = full_compound_entry(gateway, east)
    thermometer = FakeThermometer()
    entry.add_to_hass(hass)
    with patch(
        "custom_components.hanyang_compound.thermometer.establish_connection",
        AsyncMock(return_value=thermometer.client),
    ):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        inject(hass, thermometer_advertisement())
        await hass.async_block_till_done()
    assert thermometer.indicate is not None
    thermometer.indicate(None, bytearray.fromhex(EAR_READING))
    inject(
        hass,
        advertisement(
            MANHOLE,
            encode_service_data(
                {
                    "packet_id": 1,
                    "battery": 90,
                    "opening": 0,
                    "moisture": 0,
                    "rotation": 2.5,
                    "distance_mm": 1200,
                },
                address=MANHOLE,
            ),
        ),
    )
    inject(
        hass,
        advertisement(
            SHED,
            encode_service_data({"temperature": 31.5, "humidity": 40, "battery": 75}, address=SHED),
        ),
    )
    terminal = entry.runtime_data.devices[TERMINAL]
    assert isinstance(terminal, AccessTerminal)
    # Heartbeats wait on the stopped clock; the stream is read once the history it replays on
    # opening is (the backfill after connecting comes before), so a pass now is a live event.
    await settle(
        hass,
        lambda: terminal.monitor is not None and terminal.monitor.stats.replayed_ignored == HISTORY,
    )
    await east.async_command("pass", {"temperature": 36.5, "mask": True, "name": RESIDENT})
    await settle(hass, lambda: terminal.counts.passes == 1)
    await settle(hass, lambda: getattr(hass.states.get(NORTH_GATE), "state", None) == "closed")
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)
