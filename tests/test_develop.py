"""End to end: scripts/develop's onboarding and provisioning bring the demo compound up in a real Home Assistant process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
import contextlib
import os
from pathlib import Path
import subprocess
import sys
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import yaml

from broker.process import free_port
import custom_components.hanyang_compound as integration
from custom_components.hanyang_compound.const import DOMAIN
from scripts.demo_client import HomeAssistantClient
from scripts.demo_config import install_requirements, on_ports, write_configuration
from scripts.demo_provision import async_provision, async_set_aliases, async_set_up_demo
from scripts.supervise import port_in_use
from simulator.description import CompoundDescription
from simulator.runtime import Simulator

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "simulator" / "demo.yaml"
HOST = "127.0.0.1"
# What provisioning needs, besides what Home Assistant always loads (frontend, person, ...):
# the demo's history, recorder and voice parts only slow the start.
INTEGRATIONS = ("api", "automation", "blueprint", "config", "mobile_app", "script", "tag")
OFFERED_ADDRESS = "A4:C1:38:15:06:05"
"""The one Bluetooth sensor of the demo that provisioning does not add."""
STOP_SECONDS = 60.0
UNMEASURED = {key: value for key, value in os.environ.items() if not key.startswith("COV_CORE_")}
"""The environment of a child process, without pytest-cov's measuring: under xdist it would
measure the child without the project's coverage settings, and its data would not combine."""


@pytest.fixture
async def simulated_demo() -> AsyncGenerator[tuple[dict[str, Any], Simulator]]:
    """The demo's simulated compound on free ports, and the demo plan pointing at them."""
    demo = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    demo_ports = {device["id"]: device.pop("port") for device in demo["devices"]}
    async with Simulator(CompoundDescription.from_mapping(demo)) as simulator:
        # Terminals and I/O modules are added by their port; the proxy follows the broadcaster's URL.
        ports = {
            demo_ports[device_id]: status["port"]
            for device_id, device in simulator.devices.items()
            if "port" in (status := device.status())
        }
        yield on_ports(demo, ports), simulator


async def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop Home Assistant as scripts/develop does, without blocking the simulator's loop."""
    process.terminate()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(STOP_SECONDS):
            while process.poll() is None:  # noqa: ASYNC110 - a child process has no awaitable exit here
                await asyncio.sleep(0.1)
    if process.poll() is None:
        process.kill()
        process.wait()


@contextlib.asynccontextmanager
async def demo_home_assistant(
    tmp_path: Path, demo: dict[str, Any], simulator: Simulator
) -> AsyncIterator[tuple[HomeAssistantClient, Path]]:
    """A real Home Assistant process on a free port with the demo set up, as scripts/develop runs it.

    Yields a client logged in as the demo user, and the log file; stops the process on leaving
    and checks that its port is free again.
    """
    install_requirements()
    port = free_port()
    config = tmp_path / "config"
    write_configuration(
        config,
        language="en",
        host=HOST,
        port=port,
        ble_proxy_url=simulator.devices["ble-proxy"].status()["url"],
        integrations=INTEGRATIONS,
    )
    log = tmp_path / "hass.log"
    with log.open("wb") as output:
        # Requirements are installed above; Home Assistant must not reach for the network.
        process = subprocess.Popen(  # noqa: ASYNC220 - polled without blocking, as the supervisor does
            [sys.executable, "-m", "homeassistant", "--config", str(config), "--skip-pip"],
            cwd=config,
            env=UNMEASURED,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        async with aiohttp.ClientSession() as session:
            client = HomeAssistantClient(session, f"http://{HOST}:{port}", log=str(log))
            await client.async_wait_until_up(process)
            await async_set_up_demo(
                client, demo, language="en", phone_registration=tmp_path / "phone.json"
            )
            yield client, log
    finally:
        await _stop(process)
    assert not port_in_use(port)


@pytest.mark.usefixtures("socket_enabled")
async def test_the_demo_comes_up_from_an_empty_configuration(
    tmp_path: Path, simulated_demo: tuple[dict[str, Any], Simulator]
) -> None:
    demo, simulator = simulated_demo
    async with demo_home_assistant(tmp_path, demo, simulator) as (client, log):
        await _assert_the_demo_is_set_up(client, demo["home_assistant"])
    integration_errors = [
        line
        for line in log.read_text(encoding="utf-8").splitlines()
        if " ERROR " in line and "hanyang_compound" in line
    ]
    assert integration_errors == []


async def _assert_the_demo_is_set_up(client: HomeAssistantClient, plan: dict[str, Any]) -> None:
    (compound,) = await client.async_get("/api/config/config_entries/entry?domain=hanyang_compound")
    assert (compound["title"], compound["state"]) == ("Longdengli", "loaded")
    subentries = await client.async_websocket(
        {"type": "config_entries/subentries/list", "entry_id": compound["entry_id"]}
    )
    assert sorted(subentry["title"] for subentry in subentries) == sorted(
        wanted["title"] for wanted in plan["subentries"]
    )
    registered = await client.async_websocket(
        {"type": "config/entity_registry/get_entries", "entity_ids": list(plan["aliases"])}
    )
    assert {
        entity_id: sorted(alias for alias in entity["aliases"] if alias)
        for entity_id, entity in registered.items()
    } == {entity_id: sorted(names) for entity_id, names in plan["aliases"].items()}
    areas = await client.async_websocket({"type": "config/area_registry/list"})
    area_names = {area["area_id"]: area["name"] for area in areas}
    devices = await client.async_websocket({"type": "config/device_registry/list"})
    assert {
        device["name"]: area_names[device["area_id"]] for device in devices if device["area_id"]
    } == {device: area["name"] for area in plan["areas"] for device in area["devices"]}
    assert {
        area["name"]: sorted(area["aliases"])
        for area in areas
        if area["name"] in {wanted["name"] for wanted in plan["areas"]}
    } == {area["name"]: sorted(area["aliases"]) for area in plan["areas"]}
    states = {state["entity_id"]: state for state in await client.async_get("/api/states")}
    assert states["cover.north_gate"]["state"] in {"closed", "open", "opening", "closing"}
    automation_ids = {state["attributes"].get("id") for state in states.values()}
    assert {automation["id"] for automation in plan["automations"]} <= automation_ids
    # What the integration's page lists under Discovered.
    flows = await client.async_websocket({"type": "config_entries/flow/progress"})
    offered = [flow for flow in flows if flow["handler"] == "hanyang_compound"]
    assert [flow["context"]["unique_id"] for flow in offered] == [f"bluetooth {OFFERED_ADDRESS}"]


@pytest.mark.usefixtures("socket_enabled")
async def test_provisioning_waits_for_a_compound_slow_to_start_again(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_access_token: str,
    simulated_demo: tuple[dict[str, Any], Simulator],
) -> None:
    demo, _ = simulated_demo
    gate_and_module = ("North gate I/O module", "North gate")
    plan: dict[str, Any] = {
        "subentries": [
            wanted
            for wanted in demo["home_assistant"]["subentries"]
            if wanted["title"] in gate_and_module
        ],
        "aliases": {"cover.north_gate": ["北门"]},
    }
    # Whatever registers HTTP views must be set up before the server starts (the compound's
    # patrol calendar and the integration's report view do).
    for component in ("websocket_api", "config", "tag", "calendar", DOMAIN):
        assert await async_setup_component(hass, component, {})
    server = await hass_client()
    set_up_compound = integration.async_setup_entry

    async def slow_setup(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
        # As on a loaded machine: every reload after a device is added takes its time.
        await asyncio.sleep(0.5)
        return await set_up_compound(hass, entry)

    async with aiohttp.ClientSession() as session:
        client = HomeAssistantClient(session, str(server.make_url("")).rstrip("/"), log="the log")
        client.token = hass_access_token
        with patch("custom_components.hanyang_compound.async_setup_entry", slow_setup):
            entry_id = await async_provision(client, demo["compound"], plan)
            await async_set_aliases(client, plan["aliases"])
    entity = er.async_get(hass).async_get("cover.north_gate")
    assert entity is not None
    # A set on 2025.4, a list on 2026.x.
    assert {alias for alias in entity.aliases if alias} == {"北门"}
    assert await hass.config_entries.async_unload(entry_id)
