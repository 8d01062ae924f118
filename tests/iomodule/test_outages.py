"""Gates whose module is lost, frozen, refusing or fought over: the mode holds, with one log line each way."""

from __future__ import annotations

from collections.abc import AsyncGenerator
import time

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.barrier import BarrierGate
from simulator.devices.io_module import Fault, Gateway

from .conftest import NORTH_GATE, wait_for_state, wait_until, wired_compound


def _gate(entry: MockConfigEntry) -> BarrierGate:
    gate = entry.runtime_data.devices["gate1"]
    assert isinstance(gate, BarrierGate)
    return gate


@pytest.fixture
async def slow_compound(
    hass: HomeAssistant, gateway: Gateway, request: pytest.FixtureRequest
) -> AsyncGenerator[MockConfigEntry]:
    """The compound with its module polled at the interval the test is parametrized with."""
    entry = wired_compound(gateway.port, poll_interval=request.param)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("slow_compound", [1, 3], indirect=True)
async def test_a_frozen_module_is_unavailable_within_two_polls(
    hass: HomeAssistant, slow_compound: MockConfigEntry, gateway: Gateway
) -> None:
    interval = slow_compound.subentries["module1"].data["poll_interval"]
    coordinator = _gate(slow_compound).module.coordinator
    await wait_for_state(hass, NORTH_GATE, "closed")
    # The worst moment: the module freezes just after answering a poll. It keeps its
    # connection open and reads every request, but never answers again.
    polled: list[float] = []
    stop = coordinator.async_add_listener(lambda: polled.append(time.monotonic()))
    await wait_until(lambda: bool(polled), within=interval + 1)
    gateway.fault = Fault.NO_ANSWER
    frozen = time.monotonic()
    stop()
    await wait_for_state(hass, NORTH_GATE, STATE_UNAVAILABLE, within=3 * interval)
    assert time.monotonic() - frozen <= 2 * interval
    gateway.fault = Fault.NONE
    await wait_for_state(hass, NORTH_GATE, "closed", within=3 * interval)
