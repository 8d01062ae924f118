"""Tests that residents' identities and terminals' addresses stay out of logs and diagnostics."""

from __future__ import annotations

import logging
import re

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.devices.isapi.monitor import LinkState
from custom_components.hanyang_compound.diagnostics import async_get_config_entry_diagnostics
from simulator.devices.access_terminal import RESIDENTS, AccessTerminal as SimulatedTerminal
from tests.terminal_sim import wait_until

from .terminal_fixtures import add_terminal, east_terminal, fast_links  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("socket_enabled")
EMPLOYEE_NUMBERS = re.compile(r"(?<![\d.])10(?:0[1-9]|10)(?![\d.])")
"""The simulated residents' employee numbers, 1001 to 1010, as whole numbers."""


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
