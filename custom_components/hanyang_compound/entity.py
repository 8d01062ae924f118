"""Base entity of the integration: naming, device and unique-id scheme shared by every platform."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, ClassVar, Protocol

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .ble_base import HEARD, BleDevice
from .compound import Compound
from .const import DOMAIN, MANUFACTURER
from .coordinator import ModuleCoordinator
from .district_role import District, district_unique_id, zone_identifier
from .patrol_route import PatrolRouteDevice
from .shed import ShedOutput
from .terminal import AccessTerminal
from .terminal_screening import TerminalFigure


def compound_entity_unique_id(entry_id: str, key: str) -> str:
    """Return the unique id of the compound-level entity keyed by key."""
    return f"{entry_id}_{key}"


def compound_device_info(compound: Compound) -> DeviceInfo:
    """Describe the compound itself as a device that its own entities hang off."""
    return DeviceInfo(
        identifiers={(DOMAIN, compound.entry.entry_id)},
        name=compound.name,
        manufacturer=MANUFACTURER,
        model="Compound",
        entry_type=DeviceEntryType.SERVICE,
    )


def district_device_info(district: District) -> DeviceInfo:
    """Describe the district itself: its totals and rankings hang off it."""
    return DeviceInfo(
        identifiers={(DOMAIN, district.entry.entry_id)},
        name=district.entry.title,
        manufacturer=MANUFACTURER,
        model="District",
        entry_type=DeviceEntryType.SERVICE,
    )


def zone_device_info(district: District, zone: str) -> DeviceInfo:
    """Describe one zone of the district, in the area named after it."""
    name = district.model.zone_name(zone)
    return DeviceInfo(
        identifiers={zone_identifier(district.entry, zone)},
        name=name,
        manufacturer=MANUFACTURER,
        model="Zone",
        suggested_area=name,
        entry_type=DeviceEntryType.SERVICE,
    )


class DistrictEntity(Entity):
    """An entity of a district's view: of one zone's device, or of the district's own (zone None)."""

    _attr_has_entity_name = True
    _attr_should_poll = False  # the district pushes what its compounds publish
    _shown: tuple[Any, ...] | None = None
    follows_district: ClassVar[bool] = False
    """Whether what a zone's entity shows depends on every zone (a rank), not on its own alone."""

    def __init__(self, district: District, zone: str | None, key: str) -> None:
        """Initialise the entity keyed by key under its zone's device (or the district's)."""
        self.district = district
        self.zone = zone
        self._attr_unique_id = district_unique_id(district.entry, zone, key)
        self._attr_device_info = (
            zone_device_info(district, zone) if zone else district_device_info(district)
        )

    @property
    def available(self) -> bool:
        """Whether the district hears its broker."""
        return self.district.connected

    async def async_added_to_hass(self) -> None:
        """Follow what the zone's compounds (or all of them) publish."""
        scope = None if self.follows_district else self.zone
        self.async_on_remove(self.district.async_add_listener(scope, self._district_changed))

    def shown(self) -> tuple[Any, ...]:
        """Return what the entity shows: availability, state and attributes."""
        return (self.available, self.state, self.extra_state_attributes)

    @callback
    def _district_changed(self) -> None:
        # Most publications change a count of one compound: write only the entities they change.
        if (shown := self.shown()) != self._shown:
            self._shown = shown
            self.async_write_ha_state()


type DistrictEntities = Callable[[District, str | None], Iterable[Entity]]
"""Builds a platform's entities of one zone, or of the district itself (None)."""
type CompanyEntities = Callable[[District, str], Iterable[Entity]]
"""Builds a platform's entities of one property company of the district."""


@callback
def async_follow_zones(
    entry: ConfigEntry[Any],
    district: District,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: DistrictEntities,
    build_company: CompanyEntities | None,
) -> None:
    """Add a platform's entities of the district, its zones and companies, now and as they appear."""
    async_add_entities(build(district, None))
    for zone in district.model.zones():
        async_add_entities(build(district, zone))
    entry.async_on_unload(
        district.async_add_zone_listener(lambda zone: async_add_entities(build(district, zone)))
    )
    if build_company is None:
        return
    for company in district.model.companies():
        async_add_entities(build_company(district, company))
    entry.async_on_unload(
        district.async_add_company_listener(
            lambda company: async_add_entities(build_company(district, company))
        )
    )


class CompoundEntity(Entity):
    """An entity that belongs to the compound device rather than to one piece of hardware."""

    _attr_has_entity_name = True
    # Pushed by the compound whenever it changes; polled entities get their coordinator's rule.
    _attr_should_poll = False

    def __init__(self, compound: Compound, key: str) -> None:
        """Initialise the entity under the compound's device, keyed by key."""
        self.compound = compound
        self._attr_unique_id = compound_entity_unique_id(compound.entry.entry_id, key)
        self._attr_device_info = compound_device_info(compound)


class CompoundDeviceEntity(Entity):
    """An entity of one device of the compound (a subentry): a gate, a terminal, a sensor."""

    _attr_has_entity_name = True
    # Every device pushes its changes (a module's coordinator polls for its entities).
    _attr_should_poll = False

    def __init__(
        self, compound: Compound, subentry: ConfigSubentry, key: str, device_info: DeviceInfo
    ) -> None:
        """Initialise the entity keyed by key under the subentry's device."""
        self.compound = compound
        self._attr_unique_id = f"{compound.entry.entry_id}_{subentry.subentry_id}_{key}"
        self._attr_device_info = device_info


class ModuleFedDevice(Protocol):
    """A device whose state comes from an I/O module's polls: the module itself or one wired to it."""

    compound: Compound
    subentry: ConfigSubentry
    device_info: DeviceInfo

    @property
    def coordinator(self) -> ModuleCoordinator:
        """The poller of the module the device is read through."""


class PolledDeviceEntity(CompoundDeviceEntity):
    """An entity of a device read by polling, written only when its availability or state changed.

    Polls come every second and mostly change nothing.
    """

    _written: tuple[bool, Any] | None = None

    def _shows_something_new(self) -> bool:
        """Return whether the entity shows something other than it last wrote, and note it as written."""
        written = (self.available, self.state)
        if written == self._written:
            return False
        self._written = written
        return True


class ModuleEntity[DeviceT: ModuleFedDevice](
    CoordinatorEntity[ModuleCoordinator], PolledDeviceEntity
):
    """An entity fed by a module's polls; unavailable while the module cannot be read."""

    def __init__(self, device: DeviceT, key: str) -> None:
        """Attach the entity to its device and to the poller of the device's module."""
        CoordinatorEntity.__init__(self, device.coordinator)
        PolledDeviceEntity.__init__(self, device.compound, device.subentry, key, device.device_info)
        self.device = device

    @property
    def available(self) -> bool:
        """Whether the last poll of the module succeeded."""
        return self.coordinator.data is not None

    @callback
    def _handle_coordinator_update(self) -> None:
        if self._shows_something_new():
            super()._handle_coordinator_update()


class ShedEntity(ModuleEntity[ShedOutput]):
    """The entity of a shed output; it takes the output's name."""

    _attr_name = None

    def __init__(self, output: ShedOutput) -> None:
        """Attach the entity to the output's device and its module's poller."""
        super().__init__(output, "output")

    @property
    def is_on(self) -> bool | None:
        """Whether the relay is on."""
        return self.device.is_on

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the output on."""
        await self.compound.async_switch_output(self.device, on=True, context=self._context)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the output off."""
        await self.compound.async_switch_output(self.device, on=False, context=self._context)


class TerminalEntity(CompoundDeviceEntity):
    """An entity of an access terminal, described by its description, updated when the terminal reports."""

    def __init__(self, terminal: AccessTerminal, description: EntityDescription) -> None:
        """Initialise the entity keyed by its description's key under the terminal's device."""
        super().__init__(
            terminal.compound, terminal.subentry, description.key, terminal.device_info
        )
        self.entity_description = description
        self.terminal = terminal

    _attr_should_poll = False  # the terminal pushes every change
    follows_link: ClassVar[bool] = False
    """Whether the entity is unavailable while the terminal is not heard from; counts and alerts stay."""
    _written: tuple[Any, ...] | None = None

    @property
    def available(self) -> bool:
        """Whether the entity has something current to show."""
        return self.terminal.available or not self.follows_link

    async def async_added_to_hass(self) -> None:
        """Follow the terminal's link and the figure the entity shows, if any."""
        self.async_on_remove(self.terminal.async_subscribe(self._terminal_changed, self.figure()))

    def figure(self) -> TerminalFigure | None:
        """Return what the entity shows that changes without the link; None if nothing."""
        return None

    def _shown(self) -> tuple[Any, ...]:
        return (self.available, self.state, self.state_attributes, self.extra_state_attributes)

    @callback
    def async_write_ha_state(self) -> None:
        """Write the state, remembering what it showed."""
        self._written = self._shown()
        super().async_write_ha_state()

    @callback
    def _terminal_changed(self) -> None:
        # The terminal reports a change of its link to all its entities and a change of a
        # figure to those showing it; each writes only when what it shows has changed.
        if (shown := self._shown()) != self._written:
            self._written = shown
            super().async_write_ha_state()


class BleEntity(CompoundDeviceEntity):
    """An entity of a Bluetooth device, updated whenever the device is heard."""

    # Pushed: advertisements and indications update the entity, there is nothing to poll.
    _attr_should_poll = False

    def __init__(self, device: BleDevice, key: str, figures: Iterable[str] = (HEARD,)) -> None:
        """Initialise the entity keyed by key under the device, following the figures it shows."""
        super().__init__(device.compound, device.subentry, key, device.device_info)
        self.device = device
        self._figures = tuple(figures)

    async def async_added_to_hass(self) -> None:
        """Follow the device's changes of the figures the entity shows, and of its availability."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.device.async_add_listener(self._handle_device_update, self._figures)
        )

    @property
    def available(self) -> bool:
        """Unavailable while Home Assistant's Bluetooth does not run."""
        return self.device.radio_ready

    @callback
    def _handle_device_update(self) -> None:
        self.async_write_ha_state()


class ChangeOnlyEntity(BleEntity):
    """A Bluetooth entity that writes its state only when what it shows changes.

    Sensors advertise every few seconds mostly the same values; skipping identical writes
    keeps the integration's cost per advertisement at or below core bthome's.
    """

    _shown: tuple[Any, ...] | None = None

    async def async_added_to_hass(self) -> None:
        """Work out what the entity shows first."""
        await super().async_added_to_hass()
        self._shown = self.shown()

    def shown(self) -> tuple[Any, ...]:
        """Return what the entity shows: availability and value (and set what the state reads)."""
        raise NotImplementedError

    @callback
    def _handle_device_update(self) -> None:
        shown = self.shown()
        if shown != self._shown:
            self._shown = shown
            self.async_write_ha_state()


class PatrolRouteEntity(CompoundDeviceEntity):
    """An entity of a patrol route, refreshed whenever the route changes."""

    def __init__(self, device: PatrolRouteDevice, key: str) -> None:
        """Initialise the entity keyed by key under the route's device."""
        super().__init__(device.compound, device.subentry, key, device.device_info)
        self.device = device
        self._attr_translation_key = key

    async def async_added_to_hass(self) -> None:
        """Follow the route."""
        self.async_on_remove(self.device.async_add_listener(self.async_write_ha_state))


type PlatformSetup = Callable[
    [HomeAssistant, ConfigEntry[Compound], AddConfigEntryEntitiesCallback],
    Coroutine[Any, Any, None],
]
type EntityBuilder = Callable[[Any], Iterable[Entity]]
"""Builds one device kind's entities of a platform from the device's runtime."""


def device_platform_setup(
    builders: Mapping[type, EntityBuilder],
    compound_entities: Callable[[Compound], Iterable[Entity]] | None = None,
    district_entities: DistrictEntities | None = None,
    company_entities: CompanyEntities | None = None,
) -> PlatformSetup:
    """Return a platform's async_setup_entry: each device's entities by its kind's builder.

    Entities are added under their subentry, so removing a device removes its entities;
    compound_entities, if given, builds the compound's own entities of the platform, and
    district_entities (company_entities) those of a district's entry, for the district and
    each of its zones (each property company).
    """

    async def async_setup_entry(
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        if isinstance(district := entry.runtime_data, District):
            if district_entities is not None:
                async_follow_zones(
                    entry, district, async_add_entities, district_entities, company_entities
                )
            return
        compound: Compound = entry.runtime_data
        for subentry_id, device in compound.devices.items():
            if (builder := builders.get(type(device))) and (entities := list(builder(device))):
                async_add_entities(entities, config_subentry_id=subentry_id)
        if compound_entities is not None:
            async_add_entities(compound_entities(compound))

    return async_setup_entry
