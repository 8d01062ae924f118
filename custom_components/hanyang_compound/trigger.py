"""The integration's own triggers in the automation editor, on releases that offer integrations triggers.

Releases before those load this platform too, and must find nothing they cannot import: the
triggers are built from the newer releases' base classes only when such a release asks for them.
"""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_PLATFORM
from homeassistant.core import HomeAssistant
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol


async def async_get_triggers(hass: HomeAssistant) -> dict[str, type[Any]]:
    """Return the compound's triggers by key (hanyang_compound.<key> in automations)."""
    from .integration_triggers import TRIGGERS  # noqa: PLC0415 - see the module's docstring

    triggers: dict[str, type[Any]] = TRIGGERS
    return triggers


async def async_validate_trigger_config(hass: HomeAssistant, config: ConfigType) -> ConfigType:
    """Refuse the trigger where only older releases ask this (they know no async_get_triggers).

    Without it such a release fails on the missing schema and drops every automation with it;
    this way only the automation with the trigger is refused, saying what to use instead.
    """
    raise vol.Invalid(
        f"{config[CONF_PLATFORM]} needs a newer Home Assistant; "
        "on this release use the compound's device triggers"
    )
