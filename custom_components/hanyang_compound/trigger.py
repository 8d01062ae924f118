"""The integration's own triggers in the automation editor, on releases that offer integrations triggers.

Releases before those load this platform too, and must find nothing they cannot import: the
triggers are built from the newer releases' base classes only when such a release asks for them.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant


async def async_get_triggers(hass: HomeAssistant) -> dict[str, type[Any]]:
    """Return the compound's triggers by key (hanyang_compound.<key> in automations)."""
    from .integration_triggers import TRIGGERS  # noqa: PLC0415 - see the module's docstring

    triggers: dict[str, type[Any]] = TRIGGERS
    return triggers
