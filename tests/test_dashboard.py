"""The compound dashboard: the layout the integration answers, and the strategy module's output for it.

The layouts come from a real Home Assistant with the compound set up; node's test runner then runs
the real strategy module (tests/frontend/strategy.test.mjs) on them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
import shutil
import subprocess
from typing import Any

from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.auth.models import User
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.hanyang_compound.const import CONF_USERS_MAY_RESTRICT
from custom_components.hanyang_compound.dashboard import LAYOUT_COMMAND, STRATEGY_FILE, STRATEGY_URL

from .conftest import make_compound_entry
from .full_compound import (  # noqa: F401 - fixtures
    entity_registry_enabled_by_default,
    full_compound_fixture,
)
from .iomodule.conftest import gateway  # noqa: F401 - a fixture
from .terminal_fixtures import east_terminal, fast_links  # noqa: F401 - fixtures
from .test_patrol_route import shanghai  # noqa: F401 - a fixture

STRATEGY_TESTS = Path(__file__).parent / "frontend" / "strategy.test.mjs"
MODES = ["normal", "controlled", "lockdown", "evacuation"]


async def _layout(
    hass: HomeAssistant, ws_client: WebSocketGenerator, token: str | None = None, **request: str
) -> dict[str, Any]:
    client = await ws_client(hass, token) if token else await ws_client(hass)
    await client.send_json_auto_id({"type": LAYOUT_COMMAND, **request})
    answer = await client.receive_json()
    assert answer["success"], answer
    result: dict[str, Any] = answer["result"]
    return result


async def _token(hass: HomeAssistant, user: User) -> str:
    refresh = await hass.auth.async_create_refresh_token(user, "https://example.com/app")
    return hass.auth.async_create_access_token(refresh)


def _run_strategy_tests(layouts: dict[str, dict[str, Any]], folder: Path) -> None:
    """Run the strategy module's node tests on layouts exported from this Home Assistant."""
    for name, layout in layouts.items():
        (folder / f"{name}.json").write_text(json.dumps(layout, ensure_ascii=False), "utf-8")
    node = shutil.which("node")
    assert node, "the strategy's tests need node (20 or newer)"
    run = subprocess.run(
        [node, "--test", str(STRATEGY_TESTS)],
        env={"HANYANG_LAYOUTS": str(folder), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.fixture
async def volunteer(hass: HomeAssistant) -> User:
    """A user who may control entities but is no administrator."""
    users = await hass.auth.async_get_group(GROUP_ID_USER)
    assert users is not None
    user: User = MockUser(name="Volunteer", groups=[users]).add_to_hass(hass)
    return user


@pytest.mark.usefixtures("socket_enabled", "entity_registry_enabled_by_default")
async def test_the_strategy_lays_out_a_compound_with_every_kind_of_device(
    hass: HomeAssistant,
    full_compound: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    volunteer: User,
    tmp_path: Path,
) -> None:
    full = await _layout(hass, hass_ws_client, language="en")
    (compound,) = full["compounds"]
    assert compound["entry_id"] == full_compound.entry_id
    kinds = {device["kind"] for device in compound["devices"]}
    assert kinds == {subentry.subentry_type for subentry in full_compound.subentries.values()}
    policies = {device["name"]: device["policy"] for device in compound["devices"]}
    assert policies["North gate"] == {
        "normal": "free",
        "controlled": "free",
        "lockdown": "shut",
        "evacuation": "held_open",
    }
    assert policies["Night patrol"] is None
    # Every device can be watched for its link, the I/O module by its diagnostic entities.
    assert all(device["status_entity"] for device in compound["devices"])
    assert full["labels"]["mode_lockdown"] == "Lockdown"
    _run_strategy_tests(
        {
            "full": full,
            "volunteer": await _layout(
                hass, hass_ws_client, await _token(hass, volunteer), language="en"
            ),
            "chinese": await _layout(hass, hass_ws_client, language="zh-Hans"),
            "empty": await _layout_of_a_compound_without_devices(hass, hass_ws_client),
            "none": await _layout_of_no_compound(hass, hass_ws_client, full_compound),
        },
        tmp_path,
    )


async def _layout_of_a_compound_without_devices(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> dict[str, Any]:
    """Return the layout of a second compound, without devices, chosen by its name."""
    empty = make_compound_entry("Xinhua", options={CONF_USERS_MAY_RESTRICT: True})
    empty.add_to_hass(hass)
    assert await hass.config_entries.async_setup(empty.entry_id)
    await hass.async_block_till_done()
    layout = await _layout(hass, hass_ws_client, compound="xinhua")
    assert [compound["name"] for compound in layout["compounds"]] == ["Xinhua"]
    assert layout["compounds"][0]["devices"] == []
    assert await hass.config_entries.async_unload(empty.entry_id)
    return layout


async def _layout_of_no_compound(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, entry: MockConfigEntry
) -> dict[str, Any]:
    """Return the layout once no compound is loaded any more."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    layout = await _layout(hass, hass_ws_client)
    assert layout["compounds"] == []
    return layout


async def test_an_unknown_compound_is_an_error(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> None:
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": LAYOUT_COMMAND, "compound": "Nowhere"})
    answer = await client.receive_json()
    assert not answer["success"]
    assert answer["error"]["code"] == "not_found"
    # Without a language the answer is in Home Assistant's.
    (compound,) = (await _layout(hass, hass_ws_client, compound=loaded_compound.entry_id))[
        "compounds"
    ]
    assert compound["name"] == "Longdengli"


async def test_the_frontend_loads_the_strategy_module_by_its_version(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    assert await async_setup_component(hass, "frontend", {})
    assert await async_setup_component(hass, "hanyang_compound", {})
    (url,) = [url for url in hass.data[DATA_EXTRA_MODULE_URL].urls if STRATEGY_URL in url]
    content = STRATEGY_FILE.read_bytes()
    assert url == f"{STRATEGY_URL}?v={hashlib.sha256(content).hexdigest()[:12]}"
    client = await hass_client()
    response = await client.get(url)
    assert response.status == 200
    assert await response.read() == content
    assert "javascript" in response.headers["Content-Type"]


async def test_without_the_frontend_only_the_layout_is_offered(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    assert await async_setup_component(hass, "hanyang_compound", {})
    assert "frontend" not in hass.config.components
    assert (await _layout(hass, hass_ws_client))["compounds"] == []


@pytest.mark.usefixtures("socket_enabled")
async def test_disabled_entities_and_devices_without_any_are_left_out(
    hass: HomeAssistant, full_compound: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> None:
    (compound,) = (await _layout(hass, hass_ws_client))["compounds"]
    # The I/O module has only diagnostic entities, disabled by default: nothing of it to show.
    assert "io_module" not in {device["kind"] for device in compound["devices"]}
    assert "link_latency" not in json.dumps(compound)
    (gate,) = [device for device in compound["devices"] if device["kind"] == "barrier_gate"]
    assert gate["entities"]["gate"] == "cover.north_gate"


async def test_a_read_only_user_may_change_nothing(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_access_token: str,
) -> None:
    (compound,) = (await _layout(hass, hass_ws_client, hass_read_only_access_token))["compounds"]
    assert compound["changes"] == {mode: [] for mode in MODES}
    assert compound["may_override"] is False
