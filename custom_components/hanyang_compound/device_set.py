"""The running devices of a compound: started kind by kind, a device with unusable settings left out."""

from __future__ import annotations

from collections.abc import Callable
import contextlib
import logging
from typing import TYPE_CHECKING

from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, LOGGER
from .interfaces import CompoundDevice, DeviceOwner
from .texts import log_safe
from .validation import InvalidSettingError

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigSubentry

type DeviceFactory[OwnerT] = Callable[[OwnerT, ConfigSubentry], CompoundDevice]
"""Builds the device of a subentry; it may look up devices built before it in compound.devices."""

ISSUE_DEVICE_SETTINGS = "device_settings_invalid"


class CompoundDevices[OwnerT: DeviceOwner](dict[str, CompoundDevice]):
    """The compound's running devices by subentry id, in the order they were started."""

    def __init__(self, compound: OwnerT) -> None:
        """Start with no device running."""
        super().__init__()
        self.compound = compound

    def of_kind[DeviceT](self, kind: type[DeviceT]) -> list[DeviceT]:
        """Return the running devices of one kind (runtime class), in start order."""
        return [device for device in self.values() if isinstance(device, kind)]

    def subentry_id_of(self, device: object) -> str | None:
        """Return the subentry id a running device was started for; None if it is not running."""
        return next((key for key, running in self.items() if running is device), None)

    async def async_start(self, factories: dict[str, DeviceFactory[OwnerT]]) -> None:
        """Build and start the device of every subentry whose kind has a factory.

        Kinds are started in the order of factories, so a device can find the devices it
        depends on (a gate finds its I/O module) here. A device whose settings
        cannot be used (changed by hand, or by a bug) is left out and named in a repair issue:
        it never stops the compound, its mode or its other devices.
        """
        for subentry_type, factory in factories.items():
            for subentry in self.compound.entry.subentries.values():
                if subentry.subentry_type == subentry_type:
                    await self._async_start_device(factory, subentry)

    async def _async_start_device(
        self, factory: DeviceFactory[OwnerT], subentry: ConfigSubentry
    ) -> None:
        issue_id = f"{ISSUE_DEVICE_SETTINGS}_{subentry.subentry_id}"
        try:
            device = factory(self.compound, subentry)
        except Exception as err:  # noqa: BLE001 - whatever is wrong with one device, the rest must run
            self._leave_out(subentry, err, issue_id)
            return
        self[subentry.subentry_id] = device
        try:
            await device.async_start()
        except Exception as err:  # noqa: BLE001 - as above
            del self[subentry.subentry_id]
            with contextlib.suppress(Exception):
                await device.async_stop()
            self._leave_out(subentry, err, issue_id)
            return
        ir.async_delete_issue(self.compound.hass, DOMAIN, issue_id)

    def _leave_out(self, subentry: ConfigSubentry, err: Exception, issue_id: str) -> None:
        # The error's text may quote a stored value (a host, a name); name only what is wrong.
        LOGGER.warning(
            "%s of %s is left out: its settings cannot be used (%s). Reconfigure it from the "
            "repair notice or the compound's page",
            log_safe(subentry.title),
            log_safe(self.compound.name),
            f"setting {err.key}" if isinstance(err, InvalidSettingError) else type(err).__name__,
            exc_info=LOGGER.isEnabledFor(logging.DEBUG),
        )
        ir.async_create_issue(
            self.compound.hass,
            DOMAIN,
            issue_id,
            data={"entry_id": self.compound.entry.entry_id, "subentry_id": subentry.subentry_id},
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_DEVICE_SETTINGS,
            translation_placeholders={"device": subentry.title, "compound": self.compound.name},
        )

    async def async_stop(self) -> None:
        """Stop every device, the most dependent first."""
        for device in reversed(self.values()):
            await device.async_stop()
        self.clear()
