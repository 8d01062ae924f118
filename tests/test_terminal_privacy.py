"""Tests that residents' identities and terminals' addresses stay out of logs and diagnostics."""

from __future__ import annotations

from collections.abc import AsyncGenerator
import logging
import re

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound import terminal as terminal_module
from custom_components.hanyang_compound.devices.isapi.monitor import LinkState
from custom_components.hanyang_compound.diagnostics import async_get_config_entry_diagnostics
from custom_components.hanyang_compound.terminal import AccessTerminal
from simulator.devices.access_terminal import RESIDENTS, AccessTerminal as SimulatedTerminal
from tests.terminal_sim import FAST, start_terminal, terminal_input, wait_until

pytestmark = pytest.mark.usefixtures("socket_enabled")
EMPLOYEE_NUMBERS = re.compile(r"(?<![\d.])10(?:0[1-9]|10)(?![\d.])")
"""The simulated residents' employee numbers, 1001 to 1010, as whole numbers."""


@pytest.fixture(autouse=True)
def fast_links(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(terminal_module, "TIMING", FAST)


@pytest.fixture
async def east() -> AsyncGenerator[SimulatedTerminal]:
    terminal = await start_terminal(device_id="east", serial="DS-EAST-0001")
    yield terminal
    await terminal.async_stop()


async def add_terminal(
    hass: HomeAssistant, entry: MockConfigEntry, sim: SimulatedTerminal
) -> AccessTerminal:
    flows = hass.config_entries.subentries
    result = await flows.async_init(
        (entry.entry_id, "access_terminal"), context={"source": SOURCE_USER}
    )
    result = await flows.async_configure(result["flow_id"], terminal_input(sim))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    (device,) = entry.runtime_data.devices.values()
    assert isinstance(device, AccessTerminal)
    await wait_until(
        lambda: device.monitor is not None and device.monitor.stats.last_heartbeat is not None
    )
    return device


def integration_log(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.hanyang_compound")
    )


async def test_no_resident_name_number_or_temperature_reaches_a_log_line(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    east: SimulatedTerminal,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    device = await add_terminal(hass, loaded_compound, east)
    assert device.monitor is not None

    # Firmware that sends a name, a number or a temperature as an object: the part is skipped.
    odd = ["name_not_text", "employee_no_not_text", "temperature_not_number"]
    for kind in odd * 3:
        await east.async_command("malformed", {"kinds": [kind]})
    await east.async_command("pass", {"name": "王芳", "employee_no": "1002", "temperature": 38.7})
    await wait_until(lambda: device.counts.fever == 1)

    assert device.monitor.stats.malformed_parts == 9
    assert "Skipped a malformed part" in integration_log(caplog)
    log = integration_log(caplog)
    assert not [name for name in RESIDENTS if name in log]
    assert not EMPLOYEE_NUMBERS.findall(log)
    assert "38.7" not in log


async def test_diagnostics_and_logs_never_show_the_terminal_address(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    east: SimulatedTerminal,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    device = await add_terminal(hass, loaded_compound, east)
    port = east.port
    assert device.monitor is not None

    await east.async_stop()  # nothing answers at the terminal's address any more
    await wait_until(
        lambda: (
            device.link_state is LinkState.RECONNECTING
            and device.monitor is not None
            and device.monitor.stats.reconnects >= 2
        )  # a failed connection, not only the drop
    )
    diagnostics = repr(await async_get_config_entry_diagnostics(hass, loaded_compound))

    last_error = device.monitor.stats.last_error
    assert last_error
    assert last_error in diagnostics
    for text in (diagnostics, integration_log(caplog)):
        assert "127.0.0.1" not in text
        assert f":{port}" not in text
        assert "http" not in text.lower()
    assert "Lost the access terminal at East pedestrian gate" in integration_log(caplog)
