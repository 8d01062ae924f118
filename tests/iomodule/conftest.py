"""Fixtures of the I/O module tests: a simulated gateway and a compound wired to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import Any

from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.core import HomeAssistant, State
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.gate import BarrierGate
from simulator.devices.io_module import Gateway
from tests.conftest import make_compound_entry

NORTH_BARRIER = {
    "name": "north",
    "open_relay": 0,
    "close_relay": 1,
    "stop_relay": 2,
    "open_limit": 0,
    "closed_limit": 1,
    "vehicle_loop": 2,
    "travel_time": 1.0,
}
NORTH_GATE = "cover.north_gate"
NORTH_VEHICLE = "binary_sensor.north_gate_vehicle_present"
NORTH_PASSES = "sensor.north_gate_vehicle_passes_today"


def module_data(port: int, unit_id: int = 1, **changes: Any) -> dict[str, Any]:
    """Return an I/O module subentry's data as its flow stores it."""
    return {
        "name": "North gate I/O module",
        "host": "127.0.0.1",
        "port": port,
        "unit_id": unit_id,
        "profile": "tcp_relay_8",
        "transport": "tcp",
        "poll_interval": 1,
        **changes,
    }


def gate_data(**changes: Any) -> dict[str, Any]:
    """Return the north gate's subentry data as its flow stores it."""
    return {
        "name": "North gate",
        "module": "module1",
        "open_relay": 0,
        "close_relay": 1,
        "stop_relay": 2,
        "pulse_seconds": 0.1,
        "open_limit": 0,
        "closed_limit": 1,
        "vehicle_loop": 2,
        "travel_timeout": 2,
        "kept_open_in_lockdown": False,
        **changes,
    }


def subentry(
    subentry_id: str, subentry_type: str, title: str, data: dict[str, Any]
) -> ConfigSubentryDataWithId:
    """Return a subentry for a compound entry."""
    return ConfigSubentryDataWithId(
        subentry_id=subentry_id,
        subentry_type=subentry_type,
        title=title,
        data=data,
        unique_id=None,
    )


def wired_subentries(
    port: int, *, gate: dict[str, Any] | None = None, poll_interval: int = 1
) -> tuple[ConfigSubentryDataWithId, ...]:
    """Return a module, the north gate, a shed light and a shed socket wired to it."""
    module = module_data(port, poll_interval=poll_interval)
    return (
        subentry("module1", "io_module", "North gate I/O module", module),
        subentry("gate1", "barrier_gate", "North gate", gate or gate_data()),
        subentry(
            "light1",
            "shed_light",
            "East shed light",
            {"name": "East shed light", "module": "module1", "relay": 4},
        ),
        subentry(
            "socket1",
            "shed_socket",
            "East shed sockets",
            {"name": "East shed sockets", "module": "module1", "relay": 5},
        ),
    )


def wired_compound(
    port: int, *, gate: dict[str, Any] | None = None, poll_interval: int = 1
) -> MockConfigEntry:
    """Return a compound with a module, the north gate, a shed light and a shed socket."""
    return make_compound_entry(
        subentries_data=wired_subentries(port, gate=gate, poll_interval=poll_interval)
    )


@pytest.fixture
async def gateway(socket_enabled: None) -> AsyncGenerator[Gateway]:
    """A gateway with the north gate's module (unit 1) and a spare module (unit 2)."""
    gateway = Gateway(
        "north", {"modules": [{"unit_id": 1, "barriers": [NORTH_BARRIER]}, {"unit_id": 2}]}
    )
    await gateway.async_start()
    yield gateway
    await gateway.async_stop()


@pytest.fixture
async def compound(hass: HomeAssistant, gateway: Gateway) -> AsyncGenerator[MockConfigEntry]:
    """The compound wired to the gateway, set up; unloaded at the end so its link closes."""
    entry = wired_compound(gateway.port)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()  # first reads
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def wait_until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait until condition holds, checking it every few milliseconds."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - the simulator and HA state have no events to wait on
            await asyncio.sleep(0.02)


async def wait_for_state(
    hass: HomeAssistant,
    entity_id: str,
    predicate: Callable[[State], bool] | str,
    within: float = 10.0,
) -> State:
    """Wait until the entity's state matches (a state string or a predicate); return it."""
    matches = predicate if callable(predicate) else (lambda state: state.state == predicate)

    def matched() -> bool:
        state = hass.states.get(entity_id)
        return state is not None and matches(state)

    await wait_until(matched, within)
    state = hass.states.get(entity_id)
    assert state is not None
    return state


def barrier(gateway: Gateway) -> Any:
    """Return the simulated north barrier."""
    return gateway.modules[1].barrier("north")


def north_gate(entry: MockConfigEntry) -> BarrierGate:
    """Return the running north gate of a compound set up from these fixtures."""
    gate = entry.runtime_data.devices["gate1"]
    assert isinstance(gate, BarrierGate)
    return gate


async def drive_a_vehicle_through(hass: HomeAssistant, gateway: Gateway) -> None:
    """Drive a vehicle onto the north gate's loop, wait until it is seen, and drive it off."""
    await gateway.async_command("vehicle", {"barrier": "north"})
    await wait_for_state(hass, NORTH_VEHICLE, "on")
    await gateway.async_command("vehicle", {"barrier": "north", "present": False})
