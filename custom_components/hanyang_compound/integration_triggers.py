"""The compound's triggers on releases with integration triggers (2026.x): options and runners.

Written against those releases' trigger classes; type-checked with the newest release's venv.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final, cast, override

from homeassistant.const import CONF_OPTIONS
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.trigger import (
    Trigger,
    TriggerActionRunner,
    TriggerConfig,
    TriggerNotTriggeredReporter,
)
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from .automations import EVENT_TRIGGERS, EventFilter, TriggerKey, async_listen, async_subentry_ids
from .const import DOMAIN

OPTION_COMPOUND: Final = "compound"
DEVICE_OPTIONS: Final = {
    TriggerKey.SCREENING_ALERT: "entrances",
    TriggerKey.PATROL_ROUND: "routes",
    TriggerKey.ENTRANCE_OVERRIDDEN: "entrances",
    TriggerKey.GATE_FAULT: "gates",
    TriggerKey.MANHOLE_ATTENTION: "manholes",
    TriggerKey.SHED_OVERHEAT: "sheds",
}
"""The option that picks a trigger's devices (any when left out)."""
CHOICE_OPTIONS: Final = {
    TriggerKey.MODE_CHANGED: "to",
    TriggerKey.SCREENING_ALERT: "alerts",
    TriggerKey.PATROL_ROUND: "rounds",
}
"""The option that narrows a trigger to some modes, alerts or rounds (any when left out)."""


def _options_schema(key: TriggerKey) -> vol.Schema:
    fields: dict[Any, Any] = {vol.Optional(OPTION_COMPOUND): cv.string}
    if device_option := DEVICE_OPTIONS.get(key):
        fields[vol.Optional(device_option)] = vol.All(cv.ensure_list, [cv.string])
    if choice_option := CHOICE_OPTIONS.get(key):
        choices = EVENT_TRIGGERS[key].choices
        fields[vol.Optional(choice_option)] = vol.All(cv.ensure_list, [vol.In(choices)])
    return vol.Schema({vol.Required(CONF_OPTIONS, default=dict): fields})


class CompoundEventTrigger(Trigger):
    """One of the compound's triggers: fires on its event, for the compound, devices and choices picked."""

    key: ClassVar[TriggerKey]

    @override
    @classmethod
    async def async_validate_config(cls, hass: HomeAssistant, config: ConfigType) -> ConfigType:
        """Check the trigger's options."""
        return cast("ConfigType", _options_schema(cls.key)(config))

    def __init__(self, hass: HomeAssistant, config: TriggerConfig) -> None:
        """Keep the trigger's options."""
        super().__init__(hass, config)
        self._options: dict[str, Any] = config.options or {}

    @override
    async def async_attach_runner(
        self,
        run_action: TriggerActionRunner,
        did_not_trigger: TriggerNotTriggeredReporter | None = None,
    ) -> CALLBACK_TYPE:
        """Run the action on each event the options let through."""
        options = self._options
        device_option = DEVICE_OPTIONS.get(self.key)
        devices = options.get(device_option) if device_option else None
        compound = options.get(OPTION_COMPOUND)
        choice_option = CHOICE_OPTIONS.get(self.key)
        wanted = EventFilter(
            compounds={compound} if compound else None,
            # Devices are picked by device id; events name them by subentry, which outlives a reload.
            devices=async_subentry_ids(self._hass, devices) if devices else None,
            choices=set(options.get(choice_option) or ()) or None if choice_option else None,
        )
        description = f"{DOMAIN} {self.key}"

        @callback
        def fire(event: Event[dict[str, Any]]) -> None:
            run_action({"event": event}, description, event.context)

        return async_listen(self._hass, self.key, wanted, fire)


TRIGGERS: Final[dict[str, type[Trigger]]] = {
    str(key): type(f"{key.title().replace('_', '')}Trigger", (CompoundEventTrigger,), {"key": key})
    for key in TriggerKey
}
