"""Takes the README's screenshots from a running scripts/develop: the compound dashboard and the compound's device page, in English and Chinese.

Run by scripts/screenshots. It adds the compound dashboard to the demo if it is not there yet
(as a user does in Settings → Dashboards), switches the demo user's language through the
frontend's user data (as the profile page does) and the installation's language (so entity names are in
it too), and saves docs/screenshots/<page>-<language>.png.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import sys
import time
from typing import Any

import aiohttp
from PIL import Image

from scripts.browser import Browser, chromium_available
from scripts.demo_client import DEMO_USER, DemoError, HomeAssistantClient, async_wait_for, say
from scripts.demo_provision import DOMAIN

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
URL = "http://127.0.0.1:8123"
DASHBOARD = "compound-dashboard"
LANGUAGES = {"en": "English", "zh-Hans": "简体中文"}
COMPOUND = "Longdengli"
SETTLE_SECONDS = 2
RELOAD_SECONDS = 120.0
SIZES = {"dashboard": (1920, 1400), "device": (1440, 960)}
"""Window sizes: the dashboard's four columns of sections, the device page's three cards."""


async def async_add_compound_dashboard(client: HomeAssistantClient, title: str) -> str:
    """Add a dashboard made by the compound strategy, once; return its path."""
    dashboards = await client.async_websocket({"type": "lovelace/dashboards/list"})
    if not any(dashboard["url_path"] == DASHBOARD for dashboard in dashboards):
        await client.async_websocket(
            {
                "type": "lovelace/dashboards/create",
                "url_path": DASHBOARD,
                "title": title,
                "icon": "mdi:shield-home",
                "show_in_sidebar": True,
                "require_admin": False,
                "mode": "storage",
            }
        )
        await client.async_websocket(
            {
                "type": "lovelace/config/save",
                "url_path": DASHBOARD,
                "config": {"strategy": {"type": "custom:hanyang-compound"}},
            }
        )
    return f"/{DASHBOARD}"


async def async_set_language(client: HomeAssistantClient, language: str) -> None:
    """Set the user's language as the profile page does, and the installation's as Settings → General does.

    Entity names follow the installation's language, read when the compound loads: it is
    reloaded, as a Chinese installation would show it from the start. Times are the server's
    (the compound's), whatever the browser's clock says.
    """
    await client.async_websocket(
        {
            "type": "frontend/set_user_data",
            "key": "language",
            "value": {
                "language": language,
                "number_format": "language",
                "time_format": "language",
                "time_zone": "server",
            },
        }
    )
    await client.async_websocket({"type": "config/core/update", "language": language})
    entries = await client.async_get(f"/api/config/config_entries/entry?domain={DOMAIN}")
    for entry in entries:
        await client.async_post(f"/api/config/config_entries/entry/{entry['entry_id']}/reload", {})

    async def not_reloaded() -> list[str]:
        entries = await client.async_get(f"/api/config/config_entries/entry?domain={DOMAIN}")
        return [entry["title"] for entry in entries if entry["state"] != "loaded"]

    await async_wait_for(not_reloaded, f"the compound in {LANGUAGES[language]}", RELOAD_SECONDS)


async def async_compound_device(client: HomeAssistantClient) -> str:
    """Return the id of the compound's own device (its mode, summaries and assessment)."""
    entries = await client.async_get(f"/api/config/config_entries/entry?domain={DOMAIN}")
    entry_id = next(entry["entry_id"] for entry in entries if entry["title"] == COMPOUND)
    devices: list[dict[str, Any]] = await client.async_websocket(
        {"type": "config/device_registry/list"}
    )
    return str(
        next(
            device["id"]
            for device in devices
            if entry_id in device["config_entries"] and device["name"] == COMPOUND
        )
    )


def take(
    browser: Browser, path: str, ready: tuple[str, ...], size: tuple[int, int], target: Path
) -> None:
    """Open path in a window of size, wait until it shows ready, let the cards settle, and save the window."""
    browser.driver.set_window_size(*size)
    browser.open(f"{URL}{path}")
    browser.wait_for_text(*ready, within=60)
    # Charts and the calendar draw after their data arrives.
    time.sleep(SETTLE_SECONDS)
    browser.screenshot(target)
    shrink(target)
    say(f"saved {target.relative_to(ROOT)}")


def shrink(path: Path) -> None:
    """Store a screenshot with a 256-colour palette: a third of the size, no visible loss for a UI."""
    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


async def async_prepare() -> tuple[str, str]:
    """Add the dashboard and find the compound's device; return their paths."""
    async with aiohttp.ClientSession() as session:
        client = HomeAssistantClient(session, URL, log=".develop/hass.log")
        await client.async_authenticate("en")
        dashboard = await async_add_compound_dashboard(client, "Longdengli")
        device = await async_compound_device(client)
    return dashboard, f"/config/devices/device/{device}"


async def async_use_language(language: str) -> None:
    """Switch the demo user's language."""
    async with aiohttp.ClientSession() as session:
        client = HomeAssistantClient(session, URL, log=".develop/hass.log")
        await client.async_authenticate(language)
        await async_set_language(client, language)


def main() -> int:
    """Take every screenshot; the demo user's language is English again at the end."""
    if not chromium_available():
        say("Chromium is missing: run scripts/setup first")
        return 1
    try:
        dashboard, device = asyncio.run(async_prepare())
    except (aiohttp.ClientError, DemoError) as err:
        say(f"is scripts/develop running on {URL}? ({err})")
        return 1
    # The titles each page shows once rendered in that language.
    ready = {
        "en": {
            "dashboard": ("Entrances", "North gate : in normal use"),
            "device": ("Mode", "Controls"),
        },
        "zh-Hans": {
            "dashboard": ("出入口", "North gate : 正常通行"),
            "device": ("控制", "下载诊断信息"),
        },
    }
    try:
        for language in LANGUAGES:
            asyncio.run(async_use_language(language))
            with Browser.started() as browser:
                browser.log_in(URL, DEMO_USER["username"], DEMO_USER["password"])
                for page, path in (("dashboard", dashboard), ("device", device)):
                    take(
                        browser,
                        path,
                        ready[language][page],
                        SIZES[page],
                        SCREENSHOTS / f"{page}-{language}.png",
                    )
    finally:
        asyncio.run(async_use_language("en"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
