"""Barrier gates in Home Assistant: the gate device that enforces the compound's mode on its arm."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import time
from typing import TYPE_CHECKING, Final

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import Platform
from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity import Entity

from .barrier_entity import GateCover, GateFaultSensor, PassesTodaySensor, VehiclePresentSensor
from .const import DOMAIN, LOGGER
from .devices.iomodule.barrier import BarrierCommand, BarrierInputs, BarrierMachine, BarrierState
from .devices.iomodule.module import ModuleError
from .iomodule import IoModuleDevice, UnwiredDevice, WiredDevice, module_device
from .iomodule_settings import GateSettings
from .modes import CompoundMode, EntranceAction, EntrancePolicy, entrance_policy

if TYPE_CHECKING:
    from .compound import Compound, CompoundDevice

SUBENTRY_BARRIER_GATE: Final = "barrier_gate"


class BarrierGate(WiredDevice):
    """A barrier gate: an entrance of the compound that enforces the mode's policy on its arm."""

    def __init__(
        self,
        compound: Compound,
        subentry: ConfigSubentry,
        module: IoModuleDevice,
        settings: GateSettings,
    ) -> None:
        """Wire the gate to its module."""
        super().__init__(compound, subentry, module, "Barrier gate")
        self.relays = settings.relays
        self.open_limit = settings.open_limit
        self.closed_limit = settings.closed_limit
        self.vehicle_loop = settings.vehicle_loop
        self.pulse_seconds = settings.pulse_seconds
        self.kept_open_in_lockdown = settings.kept_open_in_lockdown
        """Whether the gate stays in normal use during a lockdown."""
        self.machine = BarrierMachine(
            travel_timeout=settings.travel_timeout,
            has_stop=BarrierCommand.STOP in self.relays,
        )
        self.override_active = False
        """An administrator's override opened the gate in lockdown; it holds until a vehicle passes."""
        self._pulse_lock = asyncio.Lock()
        self._unsubscribers: list[Callable[[], None]] = []

    @property
    def entrance_name(self) -> str:
        """The gate's name as users say it."""
        return self.subentry.title

    @property
    def policy_target_name(self) -> str:
        """The gate's name in messages about the mode's policy."""
        return self.subentry.title

    @property
    def available(self) -> bool:
        """Whether the gate's module answered its last poll."""
        return self.module.coordinator.data is not None

    async def async_start(self) -> None:
        """Follow the module's polls and enforce the compound's mode, now and after every reconnect."""
        coordinator = self.module.coordinator
        self._unsubscribers = [
            coordinator.async_add_listener(self._handle_poll),
            coordinator.async_add_back_listener(self._handle_module_back),
            self.compound.async_register_policy_target(self),
        ]
        if self.available:
            self._handle_poll()
            await self.compound.async_reapply_policy(self)

    async def async_stop(self) -> None:
        """Stop following the module and enforcing the mode."""
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers = []

    def create_entities(self, platform: Platform) -> list[Entity]:
        """Return the cover, the vehicle and fault sensors and the daily pass counter."""
        entities: dict[Platform, list[Entity]] = {
            Platform.COVER: [GateCover(self)],
            Platform.BINARY_SENSOR: [GateFaultSensor(self)],
            Platform.SENSOR: [],
        }
        if self.vehicle_loop is not None:
            entities[Platform.BINARY_SENSOR].append(VehiclePresentSensor(self))
            entities[Platform.SENSOR].append(PassesTodaySensor(self))
        return entities.get(platform, [])

    async def async_perform(self, action: EntranceAction) -> None:
        """Move the arm as the compound allowed; read the module right after the pulse."""
        if not self.available:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="gate_unavailable",
                translation_placeholders={"entrance": self.entrance_name},
            )
        if action is EntranceAction.OPEN and self._policy() is EntrancePolicy.SHUT:
            # The compound only lets an opening through in lockdown when an administrator overrides.
            self.override_active = True
        pulses = self.machine.command(BarrierCommand(action), time.monotonic())
        await self._async_pulse(pulses)
        await self.module.coordinator.async_refresh()

    async def async_apply_mode(self, mode: CompoundMode) -> None:
        """Bring the arm in line with a mode: shut (once the loop is clear), held open, or free."""
        self.override_active = False
        policy = entrance_policy(mode, kept_open_in_lockdown=self.kept_open_in_lockdown)
        if policy is EntrancePolicy.FREE:
            self.machine.cancel_pending_close()
            return
        if not self.available:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="gate_unavailable",
                translation_placeholders={"entrance": self.entrance_name},
            )
        await self._async_pulse(self._policy_pulses(policy, retry_fault=True))

    def _policy(self) -> EntrancePolicy:
        return self.compound.entrance_policy(self)

    def _policy_pulses(self, policy: EntrancePolicy, *, retry_fault: bool) -> list[BarrierCommand]:
        """Return the pulses that bring the arm where the policy wants it, if it is not on its way."""
        machine, now = self.machine, time.monotonic()
        if machine.state is BarrierState.FAULT and not retry_fault:
            return []  # a jammed arm is retried when the mode is applied again, not every poll
        if policy is EntrancePolicy.SHUT and not self.override_active:
            settled = machine.state is BarrierState.CLOSED or machine.close_pending
            if settled or (machine.state is BarrierState.CLOSING and machine.moving):
                return []
            return machine.command(BarrierCommand.CLOSE, now)
        if policy is EntrancePolicy.HELD_OPEN:
            if machine.state is BarrierState.OPEN or (
                machine.state is BarrierState.OPENING and machine.moving
            ):
                return []
            return machine.command(BarrierCommand.OPEN, now)
        return []

    @callback
    def _handle_poll(self) -> None:
        snapshot = self.module.coordinator.data
        if snapshot is None:
            return
        inputs = BarrierInputs(
            open_limit=snapshot.inputs[self.open_limit],
            closed_limit=snapshot.inputs[self.closed_limit],
            vehicle_present=(
                snapshot.inputs[self.vehicle_loop] if self.vehicle_loop is not None else False
            ),
        )
        passes = self.machine.passes
        pulses = self.machine.observe(inputs, time.monotonic())
        if self.machine.passes > passes or self.machine.state is BarrierState.CLOSED:
            # The override lets one vehicle through: it ends when the vehicle has passed the loop,
            # or, at a gate without a loop, when the gate has been closed again.
            self.override_active = False
        # Someone may move the arm with its own remote: the mode's policy holds all the same.
        pulses += self._policy_pulses(self._policy(), retry_fault=False)
        if pulses:
            self.compound.entry.async_create_background_task(
                self.compound.hass,
                self._async_pulse_logged(pulses),
                f"{DOMAIN} {self.entrance_name} policy",
            )

    @callback
    def _handle_module_back(self) -> None:
        self.compound.entry.async_create_background_task(
            self.compound.hass,
            self.compound.async_reapply_policy(self),
            f"{DOMAIN} {self.entrance_name} reapply policy",
        )

    async def _async_pulse(self, pulses: list[BarrierCommand]) -> None:
        async with self._pulse_lock:
            for pulse in pulses:
                # The machine only asks for a stop when the stop relay is wired.
                try:
                    await self.module.module.async_pulse(self.relays[pulse], self.pulse_seconds)
                except ModuleError as err:
                    raise HomeAssistantError(
                        translation_domain=DOMAIN,
                        translation_key="gate_command_failed",
                        translation_placeholders={"entrance": self.entrance_name},
                    ) from err

    async def _async_pulse_logged(self, pulses: list[BarrierCommand]) -> None:
        try:
            await self._async_pulse(pulses)
        except HomeAssistantError:
            # The module is failing; its poller logs that once and the policy is re-applied
            # when it answers again.
            LOGGER.debug("Could not pulse %s for %s", pulses, self.entrance_name)


def barrier_gate_factory(compound: Compound, subentry: ConfigSubentry) -> CompoundDevice:
    """Build the gate of a subentry, wired to its running module.

    Raises InvalidSettingError, before anything is started, if a stored setting is not valid.
    """
    module = module_device(compound, subentry)
    if module is None:
        return UnwiredDevice()
    return BarrierGate(
        compound, subentry, module, GateSettings.from_data(subentry.data, module.profile)
    )
