"""I/O modules in Home Assistant: the polled module device, its link diagnostics, the devices wired to it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigSubentry,
)
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.selector import SelectOptionDict

from .const import (
    CONF_CLOSE_RELAY,
    CONF_CLOSED_LIMIT,
    CONF_MODULE,
    CONF_OPEN_LIMIT,
    CONF_OPEN_RELAY,
    CONF_PROFILE,
    CONF_RELAY,
    CONF_STOP_RELAY,
    CONF_VEHICLE_LOOP,
    DOMAIN,
    LOGGER,
    MANUFACTURER,
    SUBENTRY_IO_MODULE,
)
from .coordinator import ModuleCoordinator
from .device_areas import with_suggested_area
from .device_links import linked_device_info
from .devices.iomodule.module import (
    IoModule,
)
from .devices.iomodule.profiles import PROFILES, ModuleProfile
from .iomodule_settings import CHANNEL, ModuleSettings, stored_text
from .modbus_link import MAX_REQUEST_TIMEOUT, async_get_unit, link_params

if TYPE_CHECKING:
    from .compound import Compound

REQUEST_SHARE_OF_POLL: Final = 0.75
"""How much of its polling interval a module's request may take: a poll that started before
a module fell silent fails before the next one is due, so it is unavailable within two polls."""

RELAY_KEYS: Final = (CONF_OPEN_RELAY, CONF_CLOSE_RELAY, CONF_STOP_RELAY, CONF_RELAY)
"""Subentry data keys, of any kind of device, that claim a relay of their module."""
INPUT_KEYS: Final = (CONF_OPEN_LIMIT, CONF_CLOSED_LIMIT, CONF_VEHICLE_LOOP)
"""Subentry data keys, of any kind of device, that claim an input of their module."""


@dataclass(frozen=True, slots=True)
class ChannelClaims:
    """Which relays and inputs of a module devices already use, with the device's title."""

    relays: dict[int, str]
    inputs: dict[int, str]


@callback
def module_claims(entry: ConfigEntry, module_id: str, *, excluding: str | None) -> ChannelClaims:
    """Return the channels of a module claimed by the compound's devices, one device excluded."""
    claims = ChannelClaims({}, {})
    for subentry in entry.subentries.values():
        if subentry.subentry_id == excluding or subentry.data.get(CONF_MODULE) != module_id:
            continue
        for keys, claimed in ((RELAY_KEYS, claims.relays), (INPUT_KEYS, claims.inputs)):
            for key in keys:
                # A channel changed by hand into no channel claims nothing (its device does
                # not start either).
                with suppress(ValueError):
                    if (channel := CHANNEL.stored_optional(subentry.data, key)) is not None:
                        claimed[int(channel)] = subentry.title
    return claims


@callback
def module_options(entry: ConfigEntry) -> list[SelectOptionDict]:
    """Return the compound's I/O modules as options of a select."""
    return [
        SelectOptionDict(value=subentry.subentry_id, label=subentry.title)
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_IO_MODULE
    ]


def module_profile(entry: ConfigEntry, module_id: str) -> ModuleProfile | None:
    """Return the profile of one of the compound's modules; None if it is gone or not valid."""
    subentry = entry.subentries.get(module_id)
    profile = None if subentry is None else subentry.data.get(CONF_PROFILE)
    return PROFILES.get(profile) if isinstance(profile, str) else None


def request_timeout(poll_interval: float) -> float:
    """Return how long a module polled at this interval may take to answer."""
    return min(REQUEST_SHARE_OF_POLL * poll_interval, MAX_REQUEST_TIMEOUT)


def default_module_title(entry: ConfigEntry, unit_id: int, *, excluding: str | None) -> str:
    """Return the title of an unnamed module: by unit id, unique in the compound, without its host.

    Titles show in device names, logs and diagnostics, where a host must not.
    """
    taken = {
        subentry.title
        for subentry in entry.subentries.values()
        if subentry.subentry_id != excluding
    }
    title, copy = f"I/O module #{unit_id}", 1
    while title in taken:
        copy += 1
        title = f"I/O module #{unit_id} ({copy})"
    return title


def module_device_info(subentry: ConfigSubentry, profile: ModuleProfile) -> DeviceInfo:
    """Describe an I/O module as a device."""
    return DeviceInfo(
        identifiers={(DOMAIN, subentry.subentry_id)},
        name=subentry.title,
        manufacturer=MANUFACTURER,
        model=profile.name,
    )


class IoModuleDevice:
    """An I/O module of the compound: its unit on the gateway's shared link and its poller."""

    def __init__(self, compound: Compound, subentry: ConfigSubentry) -> None:
        """Check the stored settings, then take a unit on the gateway's link; nothing is read yet.

        Raises InvalidSettingError, before anything is held, if a stored setting is not valid.
        """
        settings = ModuleSettings.from_data(subentry.data)
        self.compound = compound
        self.subentry = subentry
        self.profile = settings.profile
        params = link_params(settings.host, settings.port, settings.transport)
        unit = async_get_unit(compound.hass, compound.entry, params, settings.unit_id)
        self.module = IoModule(
            unit, self.profile, request_timeout=request_timeout(settings.poll_interval)
        )
        self.coordinator = ModuleCoordinator(
            compound.hass, compound.entry, subentry, self.module, settings.poll_interval
        )
        self.device_info = module_device_info(subentry, self.profile)
        self._first_read: asyncio.Task[None] | None = None

    @property
    def available(self) -> bool:
        """Whether the module answered its last poll."""
        return self.coordinator.data is not None

    @callback
    def async_add_availability_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call listener when the module stops or starts answering."""
        return self.coordinator.availability_listeners.add(listener)

    async def async_start(self) -> None:
        """Register the module as a device and start reading it; the compound loads meanwhile.

        Until the first read answers, the module and what is wired to it are unavailable; an
        unreachable module is retried every poll.
        """
        # Registered here, not by its entities (diagnostics, disabled by default), so the gates
        # and shed outputs wired to it can name it as the device they are reached through.
        dr.async_get(self.compound.hass).async_get_or_create(
            config_entry_id=self.compound.entry.entry_id,
            config_subentry_id=self.subentry.subentry_id,
            **self.device_info,
        )
        # Not awaited: a module that accepts connections and never answers would hold the
        # compound's loading for a whole request timeout, one module after another. A task
        # Home Assistant waits for when it stops, as the read ends within its timeout.
        self._first_read = self.compound.entry.async_create_task(
            self.compound.hass,
            self.coordinator.async_refresh(),
            f"{DOMAIN} first read of {self.subentry.title}",
        )

    async def async_stop(self) -> None:
        """Stop polling; the link is released when the compound unloads."""
        if self._first_read is not None:
            # Left to end (within its timeout) rather than cancelled: a link dropped while
            # it connects for a cancelled read cannot close cleanly.
            await asyncio.wait([self._first_read])
        await self.coordinator.async_shutdown()


@callback
def module_device(compound: Compound, subentry: ConfigSubentry) -> IoModuleDevice | None:
    """Return the running module a device is wired to; None (logged) if it is not running.

    Raises InvalidSettingError if the device names no module.
    """
    module_id = stored_text(subentry.data, CONF_MODULE)
    device = compound.devices.get(module_id)
    if isinstance(device, IoModuleDevice):
        return device
    wired_to = compound.entry.subentries.get(module_id)
    if wired_to is not None and wired_to.subentry_type == SUBENTRY_IO_MODULE:
        # The module's own settings failed their checks; the compound reports the module.
        LOGGER.warning(
            "%s cannot run until its I/O module %s does",
            subentry.title,
            wired_to.title,
        )
    else:
        LOGGER.warning(
            "%s is wired to an I/O module that is no longer part of %s; reconfigure it",
            subentry.title,
            compound.name,
        )
    return None


class WiredDevice:
    """A device wired to channels of an I/O module, reached through it."""

    def __init__(
        self, compound: Compound, subentry: ConfigSubentry, module: IoModuleDevice, model: str
    ) -> None:
        """Wire the device to its running module; it is listed as reached via the module."""
        self.compound = compound
        self.subentry = subentry
        self.module = module
        self.device_info = linked_device_info(
            compound.hass,
            compound.entry.entry_id,
            with_suggested_area(
                DeviceInfo(
                    identifiers={(DOMAIN, subentry.subentry_id)},
                    name=subentry.title,
                    manufacturer=MANUFACTURER,
                    model=model,
                ),
                subentry.data,
            ),
            (DOMAIN, module.subentry.subentry_id),
        )

    @property
    def coordinator(self) -> ModuleCoordinator:
        """The poller of the device's module, which reads the device's channels."""
        return self.module.coordinator

    @property
    def available(self) -> bool:
        """Whether the device can be reached: its module answers."""
        return self.module.available

    @callback
    def async_add_availability_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call listener when the device's module stops or starts answering."""
        return self.module.async_add_availability_listener(listener)


class UnwiredDevice:
    """A device whose I/O module was removed: it has no entities until it is reconfigured."""

    async def async_start(self) -> None:
        """Nothing to start."""

    async def async_stop(self) -> None:
        """Nothing to stop."""
