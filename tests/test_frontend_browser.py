"""The compound dashboard and the automation editor in a real browser: headless Chromium against a real Home Assistant running the demo compound."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as ha_version
import pytest

from scripts.browser import Browser, chromium_available
from scripts.demo_client import DEMO_USER, HomeAssistantClient
from scripts.screenshots import async_add_compound_dashboard
from simulator.runtime import Simulator

from .test_develop import (  # noqa: F401 - simulated_demo is a fixture
    demo_home_assistant,
    simulated_demo,
)

OFFERED_IN_ADD_DASHBOARD = AwesomeVersion(ha_version) >= AwesomeVersion("2026.5.0")
"""Releases whose Add dashboard dialog lists the strategies the page registered."""
PICKER_NAME = "Hanyang Compound"
CLICK_ADD_DASHBOARD = """
let target = null;
const walk = (node) => {
  for (const child of [...(node.shadowRoot?.children ?? []), ...(node.children ?? [])]) {
    if (child.textContent.trim() === "Add dashboard" && child.getClientRects().length) target = child;
    walk(child);
  }
};
walk(document.body);
if (target) target.click();
return Boolean(target);
"""
"""Press the dashboards page's Add dashboard button (its innermost element that says so)."""
GATES = ("North gate", "South gate", "East gate")
DEVICE_TRIGGERS = {
    # The compound is a service device; the editor's button says so.
    ("Longdengli", "Create automation with service"): (
        "Mode changed",
        "Back to normal mode",
        "Controlled mode started",
        "Lockdown started",
        "Evacuation started",
    ),
    ("East pedestrian gate", "Create automation with device"): (
        "Fever screened at the entrance",
        "No mask screened at the entrance",
        "Entrance opened by an override",
    ),
}
"""The integration's own device triggers each demo device offers, as the editor names them."""
INTEGRATION_TRIGGERS = (
    "Compound mode changed",
    "Screening alert at an entrance",
    "Patrol round due, overdue or missed",
    "Entrance overridden",
    "Gate fault",
    "Manhole needs attention",
    "Shed overheats",
)
"""The integration's triggers (hanyang_compound.*), as the Add trigger dialog names them."""
DEVICE_ID = """
return Object.values(document.querySelector("home-assistant").hass.devices)
  .find((device) => device.name === arguments[0]).id;
"""


@pytest.fixture
async def demo_client(
    tmp_path: Path,
    socket_enabled: None,
    simulated_demo: tuple[dict[str, Any], Simulator],  # noqa: F811 - the fixture imported above
) -> AsyncIterator[HomeAssistantClient]:
    """A real Home Assistant running the demo compound, for a browser to open."""
    assert chromium_available(), "scripts/setup installs Debian's chromium and chromium-driver"
    demo, simulator = simulated_demo
    async with demo_home_assistant(tmp_path, demo, simulator) as (client, _):
        yield client


async def test_the_dashboard_shows_the_compound_and_follows_a_mode_change(
    demo_client: HomeAssistantClient,
) -> None:
    # As a user adds it in Settings → Dashboards, or with the YAML line.
    dashboard = await async_add_compound_dashboard(demo_client, "Longdengli")
    # The browser blocks while it waits: the simulated compound keeps running meanwhile.
    await asyncio.to_thread(_use_the_dashboard, f"{demo_client.url}{dashboard}", demo_client.url)


async def test_the_automation_editor_offers_each_device_its_own_triggers(
    demo_client: HomeAssistantClient,
) -> None:
    await asyncio.to_thread(_pick_device_triggers, demo_client.url)


def _pick_device_triggers(url: str) -> None:
    """As a manager starts an automation from a device's page: the integration's triggers, in its words."""
    with Browser.started() as browser:
        browser.log_in(url, DEMO_USER["username"], DEMO_USER["password"])
        for (device, create_automation), (first, *others) in DEVICE_TRIGGERS.items():
            browser.open(f"{url}/config/devices/device/{browser.script(DEVICE_ID, device)}")
            if "Add to…" in browser.wait_for_text(device, "Automations"):
                # Releases with trigger platforms: the device page adds a trigger in the editor's
                # Add trigger dialog, where the integration's triggers are listed under its name.
                browser.click(option="Add to…")
                browser.click(option="Create as a new trigger")
                browser.click(option="By type")
                browser.click(option="Hanyang Compound")
                browser.wait_for_text(*INTEGRATION_TRIGGERS)
                return
            browser.click(label=create_automation)
            browser.click(option="Use device as trigger")
            # The editor opens with the device's first trigger chosen; its picker lists the rest.
            browser.wait_for_text("New automation", first)
            browser.click(tag="ha-device-trigger-picker")
            browser.wait_for_text(*others)


def _use_the_dashboard(dashboard: str, url: str) -> None:
    with Browser.started() as browser:
        browser.log_in(url, DEMO_USER["username"], DEMO_USER["password"])
        browser.open(dashboard)
        # Cards appear first; the texts that follow the mode once their template is rendered.
        shown = browser.wait_for_text(
            "Longdengli Mode",
            *GATES,
            "You may switch the compound to: Controlled, Lockdown, Evacuation",
            "North gate : in normal use",
            within=60,
        )
        assert "Normal" in shown
        assert "shut and held shut" not in shown
        # The administrator switches the mode with the dashboard's mode switch; the dashboard
        # follows without being reloaded.
        browser.click(tag="ha-control-select-menu")
        browser.click(option="Lockdown")
        shown = browser.wait_for_text("North gate : shut and held shut", within=30)
        assert "Lockdown" in shown
        assert "You may switch the compound to: Normal, Controlled, Evacuation" in shown
        assert "North gate : in normal use" not in shown
        if OFFERED_IN_ADD_DASHBOARD:
            browser.open(f"{url}/config/lovelace/dashboards")
            assert PICKER_NAME not in browser.wait_for_text("Add dashboard")
            browser.wait_for(
                "the Add dashboard button", lambda: browser.script(CLICK_ADD_DASHBOARD)
            )
            browser.wait_for_text(PICKER_NAME)
