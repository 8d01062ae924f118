"""The integration's own conditions in the automation editor, on releases that offer integrations conditions.

As with triggers, the conditions are built from the newer releases' base classes only when such
a release asks for them, so that an older release can import this module.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant


async def async_get_conditions(hass: HomeAssistant) -> dict[str, type[Any]]:
    """Return the compound's conditions by key (hanyang_compound.<key> in automations)."""
    from .integration_conditions import CONDITIONS  # noqa: PLC0415 - see the module's docstring

    conditions: dict[str, type[Any]] = CONDITIONS
    return conditions
