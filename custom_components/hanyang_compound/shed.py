"""Shed lights and sockets in Home Assistant: one relay of an I/O module each, and cutting sockets' power."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigSubentry

from .const import CONF_RELAY, SUBENTRY_SHED_SOCKET
from .devices.iomodule.module import ModuleError
from .errors import device_error
from .iomodule import (
    IoModuleDevice,
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

    @property
    def title(self) -> str:
        """The output's name as the user gave it."""
        return self.subentry.title

    async def async_start(self) -> None:
        """Nothing to start: the module polls the relay."""

    async def async_stop(self) -> None:
        """Nothing to stop."""

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
            raise device_error("shed_command_failed", name=self.subentry.title) from err
        finally:
            await self.module.coordinator.async_refresh()


def shed_output_factory(compound: Compound, subentry: ConfigSubentry) -> CompoundDevice:
    """Build the shed output of a subentry, wired to its running module.

    Raises InvalidSettingError if a stored setting is not valid.
    """
    module = module_device(compound, subentry)
    return UnwiredDevice() if module is None else ShedOutput(compound, subentry, module)
