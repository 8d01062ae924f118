"""Number fields of the module, gate and shed flows; the titles of unnamed modules; a frozen module in a flow."""

from __future__ import annotations

import json
import math
import time
from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.diagnostics import async_get_config_entry_diagnostics
from simulator.devices.io_module import Fault, Gateway
from tests.conftest import make_compound_entry
from tests.iomodule.conftest import gate_data, module_data, subentry

MODULE_INPUT = {
    "host": "127.0.0.1",
    "port": 502,
    "unit_id": 1,
    "profile": "tcp_relay_8",
    "transport": "profile",
    "poll_interval": 1,
}
GATE_INPUT = {
    "name": "North gate",
    "module": "module1",
    "open_relay": 0,
    "close_relay": 1,
    "stop_relay": 2,
    "pulse_seconds": 0.5,
    "open_limit": 0,
    "closed_limit": 1,
    "vehicle_loop": 2,
    "travel_timeout": 10,
    "kept_open_in_lockdown": False,
}
SHED_INPUT = {"name": "East shed", "module": "module1", "relay": 4}
NOT_NUMBERS = ["nan", math.nan, math.inf, -math.inf, "many"]
INVALID, OUT_OF_RANGE = "number_invalid", "number_out_of_range"


def _cases(kind: str, fields: dict[str, tuple[list[Any], bool]]) -> list[Any]:
    """Return (kind, field, value, error) for every bad value of every number field of a kind."""
    cases = []
    for field, (out_of_range, whole) in fields.items():
        cases += [(kind, field, value, INVALID) for value in NOT_NUMBERS]
        cases += [(kind, field, value, OUT_OF_RANGE) for value in out_of_range]
        if whole:
            cases.append((kind, field, 1.5, INVALID))
    return cases


CHANNEL_LIMITS = ([-1, 2000], True)
"""Below zero and beyond what a Modbus read returns; the module's own count is checked after."""
CASES = [
    *_cases(
        "io_module",
        {
            "port": ([0, 65536], True),
            "unit_id": ([-1, 248], True),
            "poll_interval": ([0, 61], True),
        },
    ),
    *_cases(
        "barrier_gate",
        {
            **dict.fromkeys(
                (
                    "open_relay",
                    "close_relay",
                    "stop_relay",
                    "open_limit",
                    "closed_limit",
                    "vehicle_loop",
                ),
                CHANNEL_LIMITS,
            ),
            "pulse_seconds": ([0.05, 5.5], False),
            "travel_timeout": ([0, 121], True),
        },
    ),
    *_cases("shed_light", {"relay": CHANNEL_LIMITS}),
    *_cases("shed_socket", {"relay": CHANNEL_LIMITS}),
]
INPUTS = {
    "io_module": MODULE_INPUT,
    "barrier_gate": GATE_INPUT,
    "shed_light": SHED_INPUT,
    "shed_socket": SHED_INPUT,
}


def _compound() -> MockConfigEntry:
    return make_compound_entry(
        subentries_data=(subentry("module1", "io_module", "North", module_data(502)),)
    )


async def _start(hass: HomeAssistant, entry: MockConfigEntry, kind: str, **context: Any) -> Any:
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, kind), context={"source": SOURCE_USER, **context}
    )


async def _submit(hass: HomeAssistant, result: Any, user_input: dict[str, Any]) -> Any:
    return await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)


@pytest.mark.usefixtures("no_setup")
@pytest.mark.parametrize(("kind", "field", "value", "error"), CASES)
async def test_a_number_field_refuses_what_is_no_number_of_its_range(
    hass: HomeAssistant, kind: str, field: str, value: Any, error: str
) -> None:
    entry = _compound()
    entry.add_to_hass(hass)
    result = await _start(hass, entry, kind)
    result = await _submit(hass, result, {**INPUTS[kind], field: value})
    assert (result["type"], result["errors"]) == (FlowResultType.FORM, {field: error})
    assert len(entry.subentries) == 1  # nothing was stored


@pytest.mark.usefixtures("no_setup")
async def test_channels_are_checked_against_the_module_and_may_be_left_empty_only_if_optional(
    hass: HomeAssistant,
) -> None:
    entry = _compound()
    entry.add_to_hass(hass)
    result = await _start(hass, entry, "barrier_gate")
    for change, errors in (
        (
            {"open_relay": 8, "vehicle_loop": 9},
            {"open_relay": "channel_out_of_range"} | {"vehicle_loop": "channel_out_of_range"},
        ),
        (
            {"open_relay": "", "closed_limit": None},
            {"open_relay": INVALID, "closed_limit": INVALID},
        ),
    ):
        result = await _submit(hass, result, {**GATE_INPUT, **change})
        assert result["errors"] == errors
    result = await _submit(hass, result, {**GATE_INPUT, "stop_relay": "", "vehicle_loop": None})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert (result["data"]["stop_relay"], result["data"]["vehicle_loop"]) == (None, None)
    assert (result["data"]["pulse_seconds"], result["data"]["travel_timeout"]) == (0.5, 10)

    result = await _start(hass, entry, "shed_light")
    result = await _submit(hass, result, {**SHED_INPUT, "relay": ""})
    assert result["errors"] == {"relay": INVALID}


@pytest.mark.usefixtures("no_setup")
async def test_reconfiguring_checks_the_numbers_too(hass: HomeAssistant) -> None:
    entry = make_compound_entry(
        subentries_data=(
            subentry("module1", "io_module", "North", module_data(502)),
            subentry("gate1", "barrier_gate", "North gate", gate_data()),
        )
    )
    entry.add_to_hass(hass)
    result = await _start(
        hass, entry, "barrier_gate", source=SOURCE_RECONFIGURE, subentry_id="gate1"
    )
    result = await _submit(hass, result, {**GATE_INPUT, "pulse_seconds": math.nan})
    assert result["errors"] == {"pulse_seconds": INVALID}
    assert entry.subentries["gate1"].data == gate_data()


@pytest.mark.usefixtures("no_setup", "socket_enabled")
async def test_a_module_whose_settings_were_changed_by_hand_breaks_no_form(
    hass: HomeAssistant,
) -> None:
    broken = {key: value for key, value in module_data(502).items() if key != "host"}
    entry = make_compound_entry(
        subentries_data=(
            subentry("module1", "io_module", "North", module_data(502, profile="relay_9000")),
            subentry("module2", "io_module", "South", broken),
        )
    )
    entry.add_to_hass(hass)
    result = await _start(hass, entry, "shed_socket")
    assert result["step_id"] == "user"  # the form still opens
    result = await _submit(hass, result, SHED_INPUT)
    assert result["errors"] == {"module": "module_invalid"}
    result = await _start(hass, entry, "io_module")
    result = await _submit(hass, result, {**MODULE_INPUT, "port": 1})  # nothing listens there
    assert result["errors"] == {"base": "cannot_connect"}


async def test_unnamed_modules_are_titled_by_unit_id_never_by_host(
    hass: HomeAssistant, gateway: Gateway
) -> None:
    bridge = Gateway("bridge", {"modules": [{"unit_id": 1}]})
    await bridge.async_start()
    entry = make_compound_entry()
    entry.add_to_hass(hass)
    try:
        titles = []
        for port in (gateway.port, bridge.port):
            result = await _start(hass, entry, "io_module")
            result = await _submit(hass, result, {**MODULE_INPUT, "port": port})
            titles.append(result["title"])
        assert titles == ["I/O module #1", "I/O module #1 (2)"]  # unique in the compound
        (first, _) = entry.subentries
        result = await _start(
            hass, entry, "io_module", source=SOURCE_RECONFIGURE, subentry_id=first
        )
        result = await _submit(
            hass, result, {**MODULE_INPUT, "port": gateway.port, "poll_interval": 2}
        )
        assert result["reason"] == "reconfigure_successful"
        assert entry.subentries[first].title == "I/O module #1"  # its own title is not taken

        assert await hass.config_entries.async_setup(entry.entry_id)
        diagnostics = json.dumps(await async_get_config_entry_diagnostics(hass, entry))
        assert "I/O module #1 (2)" in diagnostics
        assert "127.0.0.1" not in diagnostics
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await bridge.async_stop()


@pytest.mark.usefixtures("no_setup")
async def test_a_frozen_module_is_reported_in_the_flow_without_a_long_wait(
    hass: HomeAssistant, gateway: Gateway
) -> None:
    gateway.fault = Fault.NO_ANSWER  # accepts the connection, never answers
    entry = make_compound_entry()
    entry.add_to_hass(hass)
    result = await _start(hass, entry, "io_module")
    started = time.monotonic()
    result = await _submit(hass, result, {**MODULE_INPUT, "port": gateway.port})
    assert result["errors"] == {"base": "cannot_connect"}
    assert time.monotonic() - started < 3  # not the ten seconds a borrowed link would wait
