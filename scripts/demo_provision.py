"""Sets the demo compound up in a running Home Assistant through its own flows and APIs, waiting for what each step needs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
import contextlib
from pathlib import Path
import re
from typing import Any

from scripts.demo_client import DemoError, HomeAssistantClient, async_wait_for, say
from scripts.demo_phone import async_register_phone

DOMAIN = "hanyang_compound"
SETTLE_TIMEOUT = 180.0
"""Seconds the compound may take to run again with a device just added (a reload), on a loaded machine."""
APPEAR_TIMEOUT = 60.0
"""Seconds what follows from a running compound (its entities, the phone's device) may take to appear."""
FAILED_STATES = frozenset({"setup_error", "migration_error", "failed_unload"})
SUBENTRY_REFERENCE = re.compile(r"^\{subentry:(?P<title>.+)\}$")
DEVICE_REFERENCE = re.compile(r"^\{device:(?P<name>.+)\}$")
BLUETOOTH_SUBENTRY_TYPES = frozenset({"bthome_sensor"})
"""Devices heard only through Home Assistant's Bluetooth: skipped where it did not load."""


async def async_set_up_demo(
    client: HomeAssistantClient,
    demo: Mapping[str, Any],
    *,
    language: str,
    phone_registration: Path,
) -> str:
    """Onboard, add the compound, its devices, their areas, Assist aliases, the phone and the automations.

    Returns the stand-in phone's webhook id. Each step waits (bounded) for what it needs.
    """
    async with async_onboarded(client, language):
        plan = demo.get("home_assistant") or {}
        await async_provision(client, demo["compound"], plan)
        await async_set_areas(client, plan.get("areas", []))
        await async_set_aliases(client, plan.get("aliases", {}))
        webhook_id = await async_register_phone(client, phone_registration)
        await async_add_automations(client, plan.get("automations", []))
    return webhook_id


@contextlib.asynccontextmanager
async def async_onboarded(client: HomeAssistantClient, language: str) -> AsyncIterator[None]:
    """Onboard (once) and log in, then wait until Home Assistant runs.

    The integrations onboarding adds that need the internet are removed meanwhile; leaving
    the block waits for that.
    """
    removal: asyncio.Task[None] | None = None
    if await client.async_authenticate(language):
        # Meanwhile, not before: it only looks for a while.
        removal = asyncio.create_task(client.async_remove_online_integrations())
    try:
        await client.async_wait_until_running()
        await async_keep_http_settings(client)
        yield
        if removal is not None:
            await removal
    finally:
        if removal is not None:
            removal.cancel()


async def async_keep_http_settings(client: HomeAssistantClient) -> None:
    """Confirm the demo's HTTP settings where Home Assistant holds them on trial.

    Home Assistant 2026.x moves the http: section of configuration.yaml into its own storage as
    a trial that it reverts (restarting on its default port) unless an administrator confirms
    it within five minutes, covering every page with the question meanwhile. Older releases
    have no such command.
    """
    try:
        settings = await client.async_websocket({"type": "http/config"})
    except DemoError as err:
        if "unknown_command" in str(err):
            return
        raise
    if settings["active_config_type"] == "pending":
        await client.async_websocket({"type": "http/config/promote"})


async def async_provision(
    client: HomeAssistantClient, compound: Mapping[str, Any], plan: Mapping[str, Any]
) -> str:
    """Add the compound, its tags and its devices once; return when it runs with all of them."""
    entries = await _async_compounds(client)
    if not entries:
        say(f"adding the compound {compound['name']} ...")
        flow = await client.async_post("/api/config/config_entries/flow", {"handler": DOMAIN})
        # The first step is a menu: a compound, or a district's view.
        await client.async_post(
            f"/api/config/config_entries/flow/{flow['flow_id']}", {"next_step_id": "compound"}
        )
        await client.async_post(
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            {key: compound[key] for key in ("name", "zone", "service_tier")},
        )
        entries = await _async_compounds(client)
    entry_id = str(entries[0]["entry_id"])
    existing_tags = {tag["id"] for tag in await client.async_websocket({"type": "tag/list"})}
    for tag in plan.get("tags", []):
        if tag["id"] not in existing_tags:
            await client.async_websocket(
                {"type": "tag/create", "tag_id": tag["id"], "name": tag["name"]}
            )
    subentries = await _async_subentries(client, entry_id)
    bluetooth_loaded = await async_bluetooth_loaded(client)
    for wanted in plan.get("subentries", []):
        if wanted["title"] in subentries:
            continue
        if wanted["type"] in BLUETOOTH_SUBENTRY_TYPES and not bluetooth_loaded:
            say(f"skipping {wanted['title']}: Home Assistant's Bluetooth did not load")
            continue
        say(f"adding {wanted['title']} ...")
        result = await client.async_post(
            "/api/config/config_entries/subentries/flow",
            {"handler": [entry_id, wanted["type"]]},
        )
        for step in wanted["steps"]:
            result = await client.async_post(
                f"/api/config/config_entries/subentries/flow/{result['flow_id']}",
                _resolve_references(step, subentries),
            )
        if result.get("type") != "create_entry":
            raise DemoError(f"adding {wanted['title']} stopped at {result}")
        subentries = await _async_subentries(client, entry_id)
        # Adding a device reloads the compound: the next device may need this one running.
        await _async_wait_until_running_with(
            client, entry_id, {wanted["title"]: subentries[wanted["title"]]}
        )
    # After a restart, too: the compound runs with every one of its devices.
    await _async_wait_until_running_with(client, entry_id, subentries)
    return entry_id


async def async_bluetooth_loaded(client: HomeAssistantClient) -> bool:
    """Return whether Home Assistant's Bluetooth integration is loaded."""
    config = await client.async_websocket({"type": "get_config"})
    return "bluetooth" in config["components"]


async def _async_compounds(client: HomeAssistantClient) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = await client.async_get(
        f"/api/config/config_entries/entry?domain={DOMAIN}"
    )
    return entries


async def _async_subentries(client: HomeAssistantClient, entry_id: str) -> dict[str, str]:
    """Return the compound's subentry ids by title."""
    return {
        subentry["title"]: subentry["subentry_id"]
        for subentry in await client.async_websocket(
            {"type": "config_entries/subentries/list", "entry_id": entry_id}
        )
    }


async def _async_wait_until_running_with(
    client: HomeAssistantClient, entry_id: str, subentries: Mapping[str, str]
) -> None:
    """Wait until the compound is loaded and each subentry (by title) has its entities registered.

    Entities of a subentry are registered by the first setup that has it; the compound being
    loaded after that means that setup finished.
    """

    async def missing() -> list[str]:
        entry = next(e for e in await _async_compounds(client) if e["entry_id"] == entry_id)
        if entry["state"] in FAILED_STATES:
            raise DemoError(
                f"the compound {entry['title']} failed ({entry['state']}): see {client.log}"
            )
        registry = await client.async_websocket({"type": "config/entity_registry/list"})
        registered = {entity.get("config_subentry_id") for entity in registry}
        absent = [
            title for title, subentry_id in subentries.items() if subentry_id not in registered
        ]
        if entry["state"] != "loaded":
            absent.append(f"the compound {entry['title']} loaded (it is {entry['state']})")
        return absent

    await async_wait_for(missing, "the compound's devices", SETTLE_TIMEOUT)


async def async_set_areas(client: HomeAssistantClient, areas: list[dict[str, Any]]) -> None:
    """Put the named devices in their areas, creating each area (with its aliases) once.

    Done in the device registry after the devices exist rather than through the forms' area
    field: newer releases start the entity ids of a device created in an area with the area's
    name, and the demo's automations and aliases name the entities by their ids. A device
    already in an area (moved by hand) stays there.
    """
    wanted = {device: area["name"] for area in areas for device in area["devices"]}

    async def missing() -> list[str]:
        devices = await client.async_websocket({"type": "config/device_registry/list"})
        present = {device["name"] for device in devices}
        return [name for name in wanted if name not in present]

    await async_wait_for(missing, "the devices that get areas", APPEAR_TIMEOUT)
    registry = await client.async_websocket({"type": "config/area_registry/list"})
    area_ids = {area["name"]: area["area_id"] for area in registry}
    for area in areas:
        if area["name"] not in area_ids:
            created = await client.async_websocket(
                {
                    "type": "config/area_registry/create",
                    "name": area["name"],
                    "aliases": area.get("aliases", []),
                }
            )
            area_ids[area["name"]] = created["area_id"]
    for device in await client.async_websocket({"type": "config/device_registry/list"}):
        if device["name"] in wanted and device["area_id"] is None:
            await client.async_websocket(
                {
                    "type": "config/device_registry/update",
                    "device_id": device["id"],
                    "area_id": area_ids[wanted[device["name"]]],
                }
            )


async def async_set_aliases(client: HomeAssistantClient, aliases: Mapping[str, list[str]]) -> None:
    """Give entities the names residents say, e.g. 北门 for the north gate, as Assist's aliases."""

    async def missing() -> list[str]:
        registry = await client.async_websocket({"type": "config/entity_registry/list"})
        registered = {entity["entity_id"] for entity in registry}
        return [entity_id for entity_id in aliases if entity_id not in registered]

    await async_wait_for(missing, "the entities that get Assist aliases", APPEAR_TIMEOUT)
    for entity_id, names in aliases.items():
        await client.async_websocket(
            {"type": "config/entity_registry/update", "entity_id": entity_id, "aliases": names}
        )


async def async_add_automations(
    client: HomeAssistantClient, automations: list[dict[str, Any]]
) -> None:
    """Create the demo's automations from the shipped blueprints, once, through the automation editor's API."""
    existing = {state["attributes"].get("id") for state in await client.async_get("/api/states")}
    wanted = [automation for automation in automations if automation["id"] not in existing]
    resolved: list[Any] = []

    async def missing() -> list[str]:
        # The phone's device appears a moment after its registration, with its config entry.
        devices = await client.async_websocket({"type": "config/device_registry/list"})
        ids = {device["name"]: device["id"] for device in devices}
        try:
            resolved[:] = [
                _resolve_references(automation, ids, DEVICE_REFERENCE, "name")
                for automation in wanted
            ]
        except KeyError as err:
            return [f"the device {err.args[0]}"]
        return []

    await async_wait_for(missing, "the devices the automations notify", APPEAR_TIMEOUT)
    for config in resolved:
        await client.async_post(f"/api/config/automation/config/{config['id']}", config)
        say(f"added the automation {config['alias']}")


def _resolve_references(
    value: Any,
    ids: Mapping[str, str],
    reference: re.Pattern[str] = SUBENTRY_REFERENCE,
    group: str = "title",
) -> Any:
    """Replace each "{subentry:TITLE}" (or another reference) in value by the id it names.

    Raises KeyError with the name when ids has no such one.
    """
    if isinstance(value, dict):
        return {
            key: _resolve_references(item, ids, reference, group) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_resolve_references(item, ids, reference, group) for item in value]
    if isinstance(value, str) and (match := reference.match(value)):
        return ids[match[group]]
    return value
