"""Tests of the subentry flows of I/O modules, barrier gates and shed outputs: every step and error."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.devices.io_module import Fault, Gateway
from tests.conftest import make_compound_entry
from tests.iomodule.conftest import gate_data, module_data, subentry

pytestmark = pytest.mark.usefixtures("no_setup")

MODULE_INPUT = {"host": "127.0.0.1", "unit_id": 1, "profile": "tcp_relay_8", "transport": "profile"}


async def _start(hass: HomeAssistant, entry: MockConfigEntry, kind: str, **context: Any) -> Any:
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, kind), context={"source": SOURCE_USER, **context}
    )


async def _submit(hass: HomeAssistant, result: Any, user_input: dict[str, Any]) -> Any:
    return await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)


def _compound(*subentries: Any) -> MockConfigEntry:
    return make_compound_entry(subentries_data=subentries)


async def test_adding_a_module_reads_it_once_and_titles_it(
    hass: HomeAssistant, gateway: Gateway
) -> None:
    entry = _compound()
    entry.add_to_hass(hass)
    result = await _start(hass, entry, "io_module")
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "user")
    gateway.requests = 0

    result = await _submit(hass, result, {**MODULE_INPUT, "port": gateway.port})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "I/O module #1"
    assert result["data"] == {
        "name": "",
        "host": "127.0.0.1",
        "port": gateway.port,
        "unit_id": 1,
        "profile": "tcp_relay_8",
        "transport": "tcp",
        "poll_interval": 1,
    }
    assert gateway.requests == 2


@pytest.mark.parametrize(
    ("change", "fault", "errors"),
    [
        ({"host": "  "}, Fault.NONE, {"host": "host_empty"}),
        ({"unit_id": 9}, Fault.NONE, {"unit_id": "module_refused"}),
        ({}, Fault.GARBAGE, {"base": "invalid_response"}),
        ({"port": 1}, Fault.NONE, {"base": "cannot_connect"}),
        ({"transport": "rtu_over_tcp"}, Fault.NONE, {"base": "cannot_connect"}),
    ],
)
async def test_a_module_that_does_not_answer_right_is_refused_with_a_reason(
    hass: HomeAssistant,
    gateway: Gateway,
    change: dict[str, Any],
    fault: Fault,
    errors: dict[str, str],
) -> None:
    entry = _compound()
    entry.add_to_hass(hass)
    gateway.fault = fault
    result = await _start(hass, entry, "io_module")
    result = await _submit(
        hass, result, {**MODULE_INPUT, "port": gateway.port, "poll_interval": 5, **change}
    )
    if change.get("transport") == "rtu_over_tcp":
        # RTU frames sent to a TCP gateway get nothing sensible back; either reading is right.
        assert result["errors"]["base"] in ("cannot_connect", "invalid_response")
        return
    assert (result["type"], result["errors"]) == (FlowResultType.FORM, errors)
    gateway.fault = Fault.NONE
    result = await _submit(
        hass, result, {**MODULE_INPUT, "port": gateway.port, "unit_id": 2, "name": "Spare"}
    )
    assert (result["type"], result["title"]) == (FlowResultType.CREATE_ENTRY, "Spare")


async def test_a_module_is_added_once_and_reconfigured_in_place(
    hass: HomeAssistant, gateway: Gateway
) -> None:
    entry = _compound(subentry("module1", "io_module", "North", module_data(gateway.port)))
    entry.add_to_hass(hass)
    result = await _start(hass, entry, "io_module")
    result = await _submit(hass, result, {**MODULE_INPUT, "port": gateway.port})
    assert result["errors"] == {"unit_id": "module_already_added"}

    result = await _start(
        hass, entry, "io_module", source=SOURCE_RECONFIGURE, subentry_id="module1"
    )
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "reconfigure")
    result = await _submit(
        hass,
        result,
        {**MODULE_INPUT, "port": gateway.port, "name": "North gate I/O", "poll_interval": 2},
    )
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "reconfigure_successful")
    assert entry.subentries["module1"].title == "North gate I/O"
    assert entry.subentries["module1"].data["poll_interval"] == 2


async def test_gates_and_shed_outputs_need_a_module_first(hass: HomeAssistant) -> None:
    entry = _compound()
    entry.add_to_hass(hass)
    for kind in ("barrier_gate", "shed_light", "shed_socket"):
        result = await _start(hass, entry, kind)
        assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "no_io_module")


GATE_INPUT = {
    "name": " North   gate ",
    "module": "module1",
    "open_relay": 0,
    "close_relay": 1,
    "pulse_seconds": 0.5,
    "open_limit": 0,
    "closed_limit": 1,
    "vehicle_loop": 2,
    "travel_timeout": 10,
    "kept_open_in_lockdown": True,
}


async def test_adding_a_gate_stores_its_wiring(hass: HomeAssistant) -> None:
    entry = _compound(subentry("module1", "io_module", "North", module_data(502)))
    entry.add_to_hass(hass)
    result = await _start(hass, entry, "barrier_gate")
    assert result["step_id"] == "user"
    schema = result["data_schema"].schema
    defaults = {str(key): key.default() for key in schema if callable(key.default)}
    assert defaults["pulse_seconds"] == 0.5
    assert "stop_relay" not in defaults

    result = await _submit(hass, result, GATE_INPUT)

    assert (result["type"], result["title"]) == (FlowResultType.CREATE_ENTRY, "North gate")
    assert result["data"] == {
        "name": "North gate",
        "module": "module1",
        "open_relay": 0,
        "close_relay": 1,
        "stop_relay": None,
        "pulse_seconds": 0.5,
        "open_limit": 0,
        "closed_limit": 1,
        "vehicle_loop": 2,
        "travel_timeout": 10.0,
        "kept_open_in_lockdown": True,
    }


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"name": " "}, {"name": "name_empty"}),
        ({"close_relay": 0}, {"close_relay": "channel_repeated"}),
        ({"open_relay": 8}, {"open_relay": "channel_out_of_range"}),
        ({"stop_relay": 4}, {"stop_relay": "relay_taken"}),
        ({"vehicle_loop": 3}, {"vehicle_loop": "input_taken"}),
    ],
)
async def test_a_gate_cannot_take_a_channel_twice(
    hass: HomeAssistant, change: dict[str, Any], errors: dict[str, str]
) -> None:
    entry = _compound(
        subentry("module1", "io_module", "North", module_data(502)),
        subentry(
            "light1", "shed_light", "Shed light", {"name": "Shed", "module": "module1", "relay": 4}
        ),
        subentry(
            "gate2",
            "barrier_gate",
            "South gate",
            gate_data(
                open_relay=5,
                close_relay=6,
                stop_relay=None,
                open_limit=4,
                closed_limit=5,
                vehicle_loop=3,
            ),
        ),
    )
    entry.add_to_hass(hass)
    result = await _start(hass, entry, "barrier_gate")
    result = await _submit(hass, result, {**GATE_INPUT, **change})
    assert (result["type"], result["errors"]) == (FlowResultType.FORM, errors)


async def test_a_module_removed_while_the_form_is_open_is_reported(hass: HomeAssistant) -> None:
    entry = _compound(
        subentry("module1", "io_module", "North", module_data(502)),
        subentry("module2", "io_module", "South", module_data(503)),
    )
    entry.add_to_hass(hass)
    result = await _start(hass, entry, "barrier_gate")
    hass.config_entries.async_remove_subentry(entry, "module1")
    result = await _submit(hass, result, GATE_INPUT)
    assert result["errors"] == {"module": "module_missing"}


async def test_reconfiguring_a_gate_keeps_its_own_channels(hass: HomeAssistant) -> None:
    entry = _compound(
        subentry("module1", "io_module", "North", module_data(502)),
        subentry("gate1", "barrier_gate", "North gate", gate_data()),
    )
    entry.add_to_hass(hass)
    result = await _start(
        hass, entry, "barrier_gate", source=SOURCE_RECONFIGURE, subentry_id="gate1"
    )
    assert result["step_id"] == "reconfigure"
    result = await _submit(hass, result, {**GATE_INPUT, "stop_relay": 2, "name": "North gate"})
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "reconfigure_successful")
    assert entry.subentries["gate1"].data["stop_relay"] == 2
    assert entry.subentries["gate1"].data["kept_open_in_lockdown"] is True


@pytest.mark.parametrize("kind", ["shed_light", "shed_socket"])
async def test_shed_outputs_take_a_free_relay(hass: HomeAssistant, kind: str) -> None:
    entry = _compound(
        subentry("module1", "io_module", "North", module_data(502)),
        subentry("gate1", "barrier_gate", "North gate", gate_data()),
    )
    entry.add_to_hass(hass)
    result = await _start(hass, entry, kind)
    result = await _submit(hass, result, {"name": "East shed", "module": "module1", "relay": 1})
    assert result["errors"] == {"relay": "relay_taken"}
    result = await _submit(hass, result, {"name": "", "module": "module1", "relay": 4})
    assert result["errors"] == {"name": "name_empty"}
    result = await _submit(hass, result, {"name": "East shed", "module": "module1", "relay": 4})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"name": "East shed", "module": "module1", "relay": 4}
