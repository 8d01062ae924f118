"""Button platform: opening a terminal's door and starting a patrol round."""

from __future__ import annotations

from typing import Final

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription

from .entity import (
    EntityBuilder,
    PatrolRouteEntity,
    TerminalEntity,
    device_platform_setup,
)
from .modes import EntranceAction
from .patrol_route import PatrolRouteDevice
from .terminal import AccessTerminal

PARALLEL_UPDATES = 0


OPEN_DOOR: Final = ButtonEntityDescription(key="open_door", translation_key="open_door")


class TerminalOpenDoorButton(TerminalEntity, ButtonEntity):
    """Opens the door once, through the compound's policy (refused in lockdown unless kept open)."""

    entity_description: ButtonEntityDescription

    follows_link = True

    async def async_press(self) -> None:
        """Ask the compound to open the door."""
        await self.compound.async_command_entrance(
            self.terminal, EntranceAction.OPEN, context=self._context
        )


class PatrolStartButton(PatrolRouteEntity, ButtonEntity):
    """Starts the due round without scanning a checkpoint first."""

    def __init__(self, device: PatrolRouteDevice) -> None:
        """Initialise the start button of a route."""
        super().__init__(device, "start_round")

    async def async_press(self) -> None:
        """Start the round."""
        self.device.async_start_round(self._context)


ENTITY_BUILDERS: dict[type, EntityBuilder] = {
    AccessTerminal: lambda terminal: [TerminalOpenDoorButton(terminal, OPEN_DOOR)],
    PatrolRouteDevice: lambda route: [PatrolStartButton(route)],
}
"""How each device kind's entities of this platform are built from its runtime."""

async_setup_entry = device_platform_setup(ENTITY_BUILDERS)
