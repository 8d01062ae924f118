"""The compound dashboard: serves the strategy module to the frontend and answers it with each compound's layout.

The layout is computed here rather than in the browser because only the integration knows what a
device is (its subentry's kind), what the mode's policy does to each entrance and what the asking
user may change (the rules table of modes.py): the strategy only turns it into Home Assistant's cards.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from homeassistant.components import frontend, websocket_api
from homeassistant.components.http import StaticPathConfig
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.const import ERR_NOT_FOUND
from homeassistant.components.websocket_api.decorators import async_response, websocket_command
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.translation import async_get_translations
import voluptuous as vol

from .compound import Compound
from .const import DOMAIN
from .interfaces import Entrance
from .lookup import loaded_compounds
from .modes import CompoundMode, entrance_policy

STRATEGY_FILE = Path(__file__).parent / "frontend" / "hanyang-compound-strategy.js"
STRATEGY_URL = f"/{DOMAIN}/{STRATEGY_FILE.name}"
LAYOUT_COMMAND = f"{DOMAIN}/dashboard"
LABELS = f"component.{DOMAIN}.selector.dashboard.options."
"""Where the dashboard's own titles live in the integration's translations."""
MODE_NAMES = f"component.{DOMAIN}.selector.mode.options."
"""Where the modes' names live, given to the strategy as mode_<mode>."""


async def async_setup_dashboard(hass: HomeAssistant) -> None:
    """Offer the dashboard: the layout command, and the strategy module when the frontend runs."""
    websocket_api.async_register_command(hass, websocket_dashboard_layout)
    if "frontend" not in hass.config.components:
        return
    content = await hass.async_add_executor_job(STRATEGY_FILE.read_bytes)
    # The browser may cache the module for good: a new version has a new address.
    version = hashlib.sha256(content).hexdigest()[:12]
    await hass.http.async_register_static_paths(
        [StaticPathConfig(STRATEGY_URL, str(STRATEGY_FILE), cache_headers=True)]
    )
    frontend.add_extra_js_url(hass, f"{STRATEGY_URL}?v={version}")


@websocket_command(
    {
        vol.Required("type"): LAYOUT_COMMAND,
        vol.Optional("compound"): str,
        vol.Optional("language"): str,
    }
)
@async_response
async def websocket_dashboard_layout(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Answer with the dashboard's titles and the layout of every compound, or of the one named."""
    reference = msg.get("compound")
    compounds = [
        compound
        for compound in loaded_compounds(hass)
        if reference is None
        or reference in (compound.entry.entry_id, compound.name)
        or reference.casefold() == compound.name.casefold()
    ]
    if reference is not None and not compounds:
        connection.send_error(msg["id"], ERR_NOT_FOUND, f"No loaded compound is called {reference}")
        return
    language = msg.get("language") or hass.config.language
    translations = await async_get_translations(hass, language, "selector", [DOMAIN])
    labels = {
        key.removeprefix(LABELS): text
        for key, text in translations.items()
        if key.startswith(LABELS)
    } | {
        f"mode_{key.removeprefix(MODE_NAMES)}": text
        for key, text in translations.items()
        if key.startswith(MODE_NAMES)
    }
    user_id = connection.user.id
    connection.send_result(
        msg["id"],
        {
            "labels": labels,
            "compounds": [await _async_layout(hass, compound, user_id) for compound in compounds],
        },
    )


async def _async_layout(hass: HomeAssistant, compound: Compound, user_id: str) -> dict[str, Any]:
    """Return one compound's devices and entities as the strategy lays them out, for this user."""
    entry = compound.entry
    changes = await compound.access.async_changes_allowed(user_id)
    compound_entities, devices = _entities_by_device(hass, compound)
    return {
        "entry_id": entry.entry_id,
        "name": compound.name,
        "changes": {str(old): [str(new) for new in allowed] for old, allowed in changes.items()},
        "may_override": await compound.access.async_may_override(user_id),
        "entities": compound_entities,
        "devices": devices,
    }


@callback
def _entities_by_device(
    hass: HomeAssistant, compound: Compound
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Return the compound's own entities by role, and each device of a subentry with its entities.

    An entity's role is its translation key, else its device class, else its domain (a gate's
    cover, a shed's light), so the strategy finds "the fever alert" of a terminal by name.
    """
    registry = er.async_get(hass)
    devices = dr.async_get(hass)
    own: dict[str, str] = {}
    by_subentry: dict[str, dict[str, Any]] = {}
    for entity in er.async_entries_for_config_entry(registry, compound.entry.entry_id):
        if entity.disabled_by is not None:
            continue
        role = entity.translation_key or entity.original_device_class or entity.domain
        if entity.config_subentry_id is None:
            own.setdefault(role, entity.entity_id)
            continue
        device = by_subentry.setdefault(
            entity.config_subentry_id, {"device_id": entity.device_id, "entities": {}}
        )
        device["entities"].setdefault(role, entity.entity_id)
        # A device is offline when the entities that follow its link are unavailable: its first
        # primary one, else (an I/O module has only diagnostic ones) its first entity.
        if entity.entity_category is None and not device.get("primary"):
            device["status_entity"] = entity.entity_id
            device["primary"] = True
        device.setdefault("status_entity", entity.entity_id)
    laid_out = []
    for subentry_id, subentry in compound.entry.subentries.items():
        found = by_subentry.get(subentry_id)
        if found is None:
            continue
        registered = devices.async_get(found["device_id"]) if found["device_id"] else None
        name = (registered.name_by_user or registered.name) if registered else None
        runtime = compound.devices.get(subentry_id)
        policy = (
            {
                str(mode): str(
                    entrance_policy(mode, kept_open_in_lockdown=runtime.kept_open_in_lockdown)
                )
                for mode in CompoundMode
            }
            if isinstance(runtime, Entrance)
            else None
        )
        laid_out.append(
            {
                "device_id": found["device_id"],
                "entities": found["entities"],
                "status_entity": found["status_entity"],
                "name": name or subentry.title,
                "kind": subentry.subentry_type,
                "policy": policy,
            }
        )
    return own, laid_out
