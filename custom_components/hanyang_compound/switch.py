"""Switch platform: the charging socket circuits of the compound's e-bike sheds."""

from __future__ import annotations

from homeassistant.components.switch import SwitchDeviceClass, SwitchEntity

from .entity import EntityBuilder, ShedEntity, device_platform_setup
from .shed import ShedOutput

PARALLEL_UPDATES = 0


class ShedSocket(ShedEntity, SwitchEntity):
    """A shed's charging sockets circuit."""

    _attr_device_class = SwitchDeviceClass.OUTLET


ENTITY_BUILDERS: dict[type, EntityBuilder] = {
    ShedOutput: lambda output: [ShedSocket(output)] if output.is_socket else []
}
"""How each device kind's entities of this platform are built from its runtime."""

async_setup_entry = device_platform_setup(ENTITY_BUILDERS)
