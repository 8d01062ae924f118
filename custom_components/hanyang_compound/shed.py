"""Shed lights and sockets in Home Assistant: one relay of an I/O module each, and cutting sockets' power."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.light import LightEntity
from homeassistant.components.light.const import ColorMode
from homeassistant.components.switch import SwitchDeviceClass, SwitchEntity
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import Platform
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity import Entity

from .const import CONF_RELAY, DOMAIN, LOGGER, SUBENTRY_SHED_SOCKET
from .devices.iomodule.module import ModuleError
from .iomodule import (
    IoModuleDevice,
    ModuleEntity,
    UnwiredDevice,
    WiredDevice,
    module_device,
)
from .iomodule_settings import stored_channel

if TYPE_CHECKING:
    from .compound import Compound
    from .interfaces import CompoundDevice


class ShedOutput(WiredDevice):
    """A shed light or socket circuit switched by one relay."""

    def __init__(
        self, compound: Compound, subentry: ConfigSubentry, module: IoModuleDevice
    ) -> None:
        """Wire the output to its module's relay.

        Raises InvalidSettingError if the stored relay is not one of the module's.
        """
        self.relay = stored_channel(subentry.data, CONF_RELAY, module.profile.relays)
        self.is_socket = subentry.subentry_type == SUBENTRY_SHED_SOCKET
        super().__init__(
            compound, subentry, module, "Shed socket" if self.is_socket else "Shed light"
        )

    async def async_start(self) -> None:
        """Nothing to start: the module polls the relay."""

    async def async_stop(self) -> None:
        """Nothing to stop."""

    def create_entities(self, platform: Platform) -> list[Entity]:
        """Return the light or the switch."""
        if platform is Platform.SWITCH and self.is_socket:
            return [ShedSocket(self)]
        if platform is Platform.LIGHT and not self.is_socket:
            return [ShedLight(self)]
        return []

    @property
    def is_on(self) -> bool | None:
        """Whether the relay is on, as last read; None while the module cannot be read."""
        snapshot = self.module.coordinator.data
        return None if snapshot is None else snapshot.relays[self.relay]

    async def async_switch(self, *, on: bool) -> None:
        """Switch the relay and read the module back right away."""
        try:
            await self.module.module.async_set_relay(self.relay, on=on)
        except ModuleError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="shed_command_failed",
                translation_placeholders={"name": self.subentry.title},
            ) from err
        finally:
            await self.module.coordinator.async_refresh()


def shed_output_factory(compound: Compound, subentry: ConfigSubentry) -> CompoundDevice:
    """Build the shed output of a subentry, wired to its running module.

    Raises InvalidSettingError if a stored setting is not valid.
    """
    module = module_device(compound, subentry)
    return UnwiredDevice() if module is None else ShedOutput(compound, subentry, module)


async def async_cut_shed_power(compound: Compound) -> int:
    """Switch off every shed socket of the compound; return how many were switched off.

    Every socket is tried even when one cannot be reached; those are then named in the error.
    """
    cut, unreached = 0, []
    for device in compound.devices.values():
        if isinstance(device, ShedOutput) and device.is_socket:
            try:
                await device.async_switch(on=False)
            except HomeAssistantError:
                unreached.append(device.subentry.title)
            else:
                cut += 1
    if unreached:
        LOGGER.warning("Could not cut the power of %s", ", ".join(unreached))
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="cut_shed_power_incomplete",
            translation_placeholders={"names": ", ".join(unreached)},
        )
    return cut


class ShedEntity(ModuleEntity):
    """The entity of a shed output; it takes the output's name."""

    _attr_name = None

    def __init__(self, output: ShedOutput) -> None:
        """Attach the entity to the output's device and its module's poller."""
        super().__init__(
            output.compound,
            output.subentry,
            "output",
            output.device_info,
            output.module.coordinator,
        )
        self.output = output

    @property
    def is_on(self) -> bool | None:
        """Whether the relay is on."""
        return self.output.is_on

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the output on."""
        await self.output.async_switch(on=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the output off."""
        await self.output.async_switch(on=False)


class ShedLight(ShedEntity, LightEntity):
    """A shed's lighting circuit."""

    _attr_color_mode = ColorMode.ONOFF
    _attr_supported_color_modes = {ColorMode.ONOFF}


class ShedSocket(ShedEntity, SwitchEntity):
    """A shed's charging sockets circuit."""

    _attr_device_class = SwitchDeviceClass.OUTLET
