"""Barrier gates in Home Assistant: the gate device that enforces the compound's mode on its arm."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, callback

from .const import (
    ATTR_ENTRANCE,
    ATTR_FAULT,
    ATTR_SUBENTRY_ID,
    DOMAIN,
    EVENT_GATE_FAULT,
    LOGGER,
)
from .coordinator import Listeners
from .devices.iomodule.barrier import BarrierCommand, BarrierInputs, BarrierMachine, BarrierState
from .devices.iomodule.module import ModuleError
from .errors import device_error
from .iomodule import IoModuleDevice, UnwiredDevice, WiredDevice, module_device
from .iomodule_settings import GateSettings
from .modes import CompoundMode, EntranceAction, EntrancePolicy, entrance_policy

if TYPE_CHECKING:
    from .compound import Compound
    from .interfaces import CompoundDevice

RETRY_DELAYS: Final = (1.0, 2.0, 5.0, 10.0, 30.0)
"""Seconds between attempts to apply the mode while the module refuses; the last one repeats."""
QUIET_ATTEMPTS: Final = 3
"""Failed attempts before a mode that cannot be applied is logged: one refusal may be a blip."""


class BarrierGate(WiredDevice):
    """A barrier gate: an entrance of the compound that enforces the mode's policy on its arm.

    The mode is applied when it changes, at start-up and whenever the module answers again
    after an outage (a jammed arm is tried again then too). A module that refuses the
    commands is tried again with backoff until it takes them; an outage is waited out.
    """

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
        self._energised: int | None = None
        """The relay this gate holds on during a pulse, so it is not taken for someone else's."""
        self._module_lost = True
        """The last poll seen failed (or none was seen yet): the next good one applies the mode."""
        self._held_open_reported = False
        self._enforce_lock = asyncio.Lock()
        """Held by an attempt to apply the mode: one at a time, and polls leave the arm to it."""
        self._enforcement: asyncio.Task[None] | None = None
        """Attempts to apply the mode again after the module refused it."""
        self._unsubscribers: list[Callable[[], None]] = []
        self._followers: Listeners[()] = Listeners()
        self._shown: tuple[Any, ...] | None = None
        """What the gate's entities show, as of the last poll: they hear of the polls that change it."""

    @property
    def entrance_name(self) -> str:
        """The gate's name as users say it."""
        return self.subentry.title

    @property
    def policy_target_name(self) -> str:
        """The gate's name in messages about the mode's policy."""
        return self.subentry.title

    async def async_start(self) -> None:
        """Follow the module's polls and enforce the compound's mode, now and after every outage."""
        self._unsubscribers = [
            self.compound.async_register_policy_target(self),
            self.module.coordinator.async_add_listener(self._handle_poll),
        ]
        # Applied now if the module has answered already, else when it first does.
        self._handle_poll()

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call listener after every poll that changed what the gate shows, its availability included.

        The arm, its fault, the loop and the passes change in a few polls a day; the module is
        polled every second, and the gate's entities need not look at every poll.
        """
        return self._followers.add(listener)

    async def async_stop(self) -> None:
        """Stop following the module and enforcing the mode."""
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers = []
        self._cancel_enforcement()

    async def async_perform(self, action: EntranceAction, *, override: bool = False) -> None:
        """Move the arm as the compound allowed; the module is read right after the pulse.

        override is an administrator's opening in lockdown: the arm stays up for one vehicle.
        """
        if not self.available:
            raise device_error("gate_unavailable", entrance=self.entrance_name)
        if override:
            self.override_active = True
        try:
            await self._async_pulse(self.machine.command(BarrierCommand(action), time.monotonic()))
        except ModuleError as err:
            raise device_error("gate_command_failed", entrance=self.entrance_name) from err

    async def async_apply_mode(self, mode: CompoundMode) -> None:
        """Bring the arm in line with a mode: shut (once the loop is clear), held open, or free.

        Never raises for a module that does not answer or refuses: the gate applies the mode
        itself when the module is back, or tries again with backoff.
        """
        self.override_active = False
        self._cancel_enforcement()
        policy = entrance_policy(mode, kept_open_in_lockdown=self.kept_open_in_lockdown)
        if policy is not EntrancePolicy.SHUT:
            self._held_open_reported = False
        if policy is EntrancePolicy.FREE:
            self.machine.cancel_pending_close()
            return
        if not self.available:
            LOGGER.debug("%s: the mode is applied when its module answers", self.entrance_name)
            return
        # The first attempt is awaited, so the mode change returns with the gate commanded.
        try:
            await self._async_enforce(policy)
        except ModuleError:
            self._start_enforcement(policy, failures=1)

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

    def _open_relay_held(self, relays: tuple[bool, ...]) -> bool:
        """Whether something else holds the open relay on: a held open contact keeps the arm up."""
        relay = self.relays[BarrierCommand.OPEN]
        return relays[relay] and self._energised != relay

    @callback
    def _handle_poll(self) -> None:
        self._observe_poll()
        machine = self.machine
        shown = (
            self.available,
            machine.state,
            machine.fault,
            machine.vehicle_present,
            machine.passes,
        )
        if shown != self._shown:
            self._shown = shown
            self._followers.notify()

    def _observe_poll(self) -> None:
        """Track the arm from a poll's inputs and keep it in line with the mode's policy."""
        snapshot = self.module.coordinator.data
        if snapshot is None:
            self._module_lost = True
            return
        inputs = BarrierInputs(
            open_limit=snapshot.inputs[self.open_limit],
            closed_limit=snapshot.inputs[self.closed_limit],
            vehicle_present=(
                snapshot.inputs[self.vehicle_loop] if self.vehicle_loop is not None else False
            ),
        )
        passes, faulty = self.machine.passes, self.machine.state is BarrierState.FAULT
        pulses = self.machine.observe(inputs, time.monotonic())
        if self.machine.fault is not None and not faulty:
            self.compound.fire_event(
                EVENT_GATE_FAULT,
                {
                    ATTR_ENTRANCE: self.entrance_name,
                    ATTR_SUBENTRY_ID: self.subentry.subentry_id,
                    ATTR_FAULT: str(self.machine.fault),
                },
                None,
            )
        if self.machine.passes > passes or self.machine.state is BarrierState.CLOSED:
            # The override lets one vehicle through: it ends when the vehicle has passed the loop,
            # or, at a gate without a loop, when the gate has been closed again.
            self.override_active = False
        if pulses:  # a close that waited for the loop to clear
            self._create_task(self._async_pulse_for_poll(pulses), "pulse")
        policy = self._policy()
        if self._module_lost:
            # The module answers again (or for the first time): the mode is applied afresh,
            # through the compound, a jammed arm included.
            self._module_lost = False
            self._create_task(self.compound.async_reapply_policy(self), "apply mode")
        elif self._enforce_lock.locked() or self._enforcement is not None:
            pass  # the mode is being applied; its attempts decide
        elif (
            policy is EntrancePolicy.SHUT
            and not self.override_active
            and self._open_relay_held(snapshot.relays)
        ):
            self._start_enforcement(policy, failures=0)
        elif pulses := self._policy_pulses(policy, retry_fault=False):
            # Someone may move the arm with its own remote: the mode's policy holds all the same.
            self._create_task(self._async_pulse_for_poll(pulses), "policy")

    def _create_task(
        self, coroutine: Coroutine[Any, Any, None], purpose: str
    ) -> asyncio.Task[None]:
        return self.compound.entry.async_create_background_task(
            self.compound.hass, coroutine, f"{DOMAIN} {self.entrance_name} {purpose}"
        )

    def _start_enforcement(self, policy: EntrancePolicy, *, failures: int) -> None:
        self._cancel_enforcement()
        self._enforcement = self._create_task(
            self._async_keep_enforcing(policy, failures), "enforce mode"
        )

    def _cancel_enforcement(self) -> None:
        if self._enforcement is not None:
            self._enforcement.cancel()
            self._enforcement = None

    async def _async_keep_enforcing(self, policy: EntrancePolicy, failures: int) -> None:
        """Apply the policy until the module takes it, waiting longer after each refusal."""
        try:
            while True:
                if failures:
                    await asyncio.sleep(RETRY_DELAYS[min(failures, len(RETRY_DELAYS)) - 1])
                if not self.available:
                    return  # an outage: the module's return applies the mode again
                try:
                    await self._async_enforce(policy)
                except ModuleError as err:
                    failures += 1
                    if failures == QUIET_ATTEMPTS:
                        LOGGER.warning(
                            "Could not apply the %s mode to %s: %s; still trying",
                            self.compound.mode,
                            self.entrance_name,
                            err,
                        )
                    continue
                if failures >= QUIET_ATTEMPTS:
                    LOGGER.info(
                        "Applied the %s mode to %s at last", self.compound.mode, self.entrance_name
                    )
                return
        finally:
            if self._enforcement is asyncio.current_task():
                self._enforcement = None

    async def _async_enforce(self, policy: EntrancePolicy) -> None:
        """Pulse what the policy needs now; raise ModuleError if the module does not take it."""
        async with self._enforce_lock:
            await self._async_enforce_now(policy)

    async def _async_enforce_now(self, policy: EntrancePolicy) -> None:
        if policy is EntrancePolicy.SHUT and not self.override_active:
            # A held open contact keeps the arm up whatever is pulsed: release it first. It is
            # read now, as relays are otherwise only read back every few polls.
            relays = await self.module.module.async_read_relays()
            if self._open_relay_held(relays):
                await self._async_release_open_relay()
                await self._async_pulse(
                    self.machine.command(BarrierCommand.CLOSE, time.monotonic())
                )
                return
        await self._async_pulse(self._policy_pulses(policy, retry_fault=True))

    async def _async_release_open_relay(self) -> None:
        async with self._pulse_lock:
            await self.module.module.async_set_relay(self.relays[BarrierCommand.OPEN], on=False)
        if self._held_open_reported:
            LOGGER.debug("Released the open relay of %s again", self.entrance_name)
        else:
            self._held_open_reported = True
            LOGGER.warning(
                "The open relay of %s was held on by another controller; released it to keep"
                " the gate shut in %s mode",
                self.entrance_name,
                self.compound.mode,
            )

    async def _async_pulse(self, pulses: list[BarrierCommand]) -> None:
        """Pulse the relays, then read the module at once, so every entity shows the command."""
        if not pulses:
            return
        try:
            async with self._pulse_lock:
                for pulse in pulses:
                    # The machine only asks for a stop when the stop relay is wired.
                    relay = self.relays[pulse]
                    self._energised = relay
                    try:
                        await self.module.module.async_pulse(relay, self.pulse_seconds)
                    finally:
                        self._energised = None
        except ModuleError:
            self.machine.command_failed()
            raise
        finally:
            await self.module.coordinator.async_refresh()

    async def _async_pulse_for_poll(self, pulses: list[BarrierCommand]) -> None:
        """Pulse what a poll called for; a refusal the mode needs overcome is tried again."""
        try:
            await self._async_pulse(pulses)
        except ModuleError:
            policy = self._policy()
            if policy is EntrancePolicy.FREE:
                # A close that waited for the loop; a module that is lost says so in its poll.
                LOGGER.debug("Could not pulse %s for %s", pulses, self.entrance_name)
            elif self._enforcement is None:
                # With backoff, not again at every poll.
                self._start_enforcement(policy, failures=1)


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
