"""Light platform: the lighting circuits of the compound's e-bike sheds."""

from __future__ import annotations

from homeassistant.components.light import LightEntity
from homeassistant.components.light.const import ColorMode

from .entity import EntityBuilder, ShedEntity, device_platform_setup
from .shed import ShedOutput

PARALLEL_UPDATES = 0


class ShedLight(ShedEntity, LightEntity):
    """A shed's lighting circuit."""

    _attr_color_mode = ColorMode.ONOFF
    _attr_supported_color_modes = {ColorMode.ONOFF}


ENTITY_BUILDERS: dict[type, EntityBuilder] = {
    ShedOutput: lambda output: [] if output.is_socket else [ShedLight(output)]
}
"""How each device kind's entities of this platform are built from its runtime."""

async_setup_entry = device_platform_setup(ENTITY_BUILDERS)
