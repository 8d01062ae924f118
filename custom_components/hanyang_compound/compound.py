"""The Compound runtime: one compound's mode, its policy targets and the door every command goes through."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
import math
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import (
    ATTR_COMPOUND,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DIRECTIVE,
    ATTR_ENTRANCE,
    ATTR_ISSUER,
    ATTR_NEW_MODE,
    ATTR_OLD_MODE,
    ATTR_REASON,
    ATTR_SUBENTRY_ID,
    ATTR_USER,
    CONF_FEVER_THRESHOLD,
    CONF_SERVICE_TIER,
    CONF_SHARE_RESIDENT_IDENTITY,
    CONF_ZONE,
    DEFAULT_FEVER_THRESHOLD,
    DOMAIN,
    EVENT_ENTRANCE_OVERRIDE,
    EVENT_MODE_CHANGED,
    LOGGER,
)
from .coordinator import Listeners
from .device_set import CompoundDevices
from .errors import device_error
from .interfaces import AssessmentSource, Entrance, PolicyTarget, SwitchedOutput
from .mode_access import ModeAccess
from .modes import (
    REFUSED_LOCKDOWN,
    CompoundMode,
    DirectiveOrigin,
    EntranceAction,
    EntrancePolicy,
    entrance_policy,
    refusal_reason,
)
from .summary import CompoundSummary, ModeRecord
from .texts import log_safe

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

STORAGE_VERSION = 1


class Compound:
    """One compound: its settings, its mode and the policy targets that enforce it.

    Every command that changes the mode or moves hardware enters here, so that policy is
    checked and the requester is recorded in one place.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Compound]) -> None:
        """Initialise the runtime for a config entry; call async_load before use."""
        self.hass = hass
        self.entry = entry
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}", private=True, atomic_writes=True
        )
        self._mode = ModeRecord()
        self._targets: list[PolicyTarget] = []
        self._listeners: Listeners[Context | None] = Listeners()
        self._mode_lock = asyncio.Lock()
        self._spoken_refusals: dict[str, HomeAssistantError | None] = {}
        self.access = ModeAccess(hass, entry)
        """Who may change this compound's mode or override its entrances."""
        self.devices: CompoundDevices[Compound] = CompoundDevices(self)
        """The compound's running devices by subentry id, in the order they were started."""
        self.assessment: AssessmentSource | None = None
        """The compound's service assessment, once its recorder runs."""

    @property
    def name(self) -> str:
        """The compound's name as the user gave it."""
        return self.entry.title

    @property
    def mode(self) -> CompoundMode:
        """The compound's current mode."""
        return self._mode.mode

    @property
    def mode_reason(self) -> str | None:
        """Why the compound was put in its current mode, if the requester said."""
        return self._mode.reason

    @property
    def share_resident_identity(self) -> bool:
        """Whether residents' names and numbers may appear in entities and events."""
        return bool(self.entry.options.get(CONF_SHARE_RESIDENT_IDENTITY, False))

    @property
    def fever_threshold(self) -> float:
        """Body temperature in °C from which a reading counts as fever."""
        return self.stored_fever_threshold or DEFAULT_FEVER_THRESHOLD

    @property
    def stored_fever_threshold(self) -> float | None:
        """The threshold the options hold; None when unset or no finite number (changed by hand).

        A range is not enforced here: an implausible threshold is a repair issue, not a reason
        to stop screening.
        """
        value = self.entry.options.get(CONF_FEVER_THRESHOLD, DEFAULT_FEVER_THRESHOLD)
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return number if math.isfinite(number) and not isinstance(value, bool) else None

    @property
    def summary(self) -> CompoundSummary:
        """A serialisable snapshot of the compound."""
        return CompoundSummary(
            name=self.name,
            zone=self.entry.data[CONF_ZONE],
            service_tier=self.entry.data[CONF_SERVICE_TIER],
            mode=self._mode.mode,
            mode_changed_at=self._mode.changed_at,
            mode_reason=self.mode_reason,
            policy_targets=len(self._targets),
        )

    async def async_load(self) -> None:
        """Restore the persisted mode, so a lockdown holds across restarts."""
        self._mode = ModeRecord.from_stored(await self._store.async_load())

    async def async_remove_storage(self) -> None:
        """Forget the persisted mode when the compound is deleted."""
        await self._store.async_remove()

    @callback
    def async_add_listener(self, listener: Callable[[Context | None], None]) -> CALLBACK_TYPE:
        """Call listener with the requester's context whenever the mode changes.

        Returns the function that stops it.
        """
        return self._listeners.add(listener)

    @callback
    def async_register_policy_target(self, target: PolicyTarget) -> CALLBACK_TYPE:
        """Enforce the mode on target from now on; returns the function that stops it.

        The target is expected to call async_reapply_policy whenever its link comes back.
        """
        self._targets.append(target)
        return lambda: self._targets.remove(target)

    async def async_reapply_policy(self, target: PolicyTarget) -> None:
        """Apply the current mode to one target, e.g. after it reconnects or at start-up."""
        await self._async_apply(target, self._mode.mode)

    async def async_set_mode(
        self,
        mode: CompoundMode,
        *,
        context: Context | None,
        reason: str | None = None,
        voice: bool = False,
        pin: str | None = None,
        directive: DirectiveOrigin | None = None,
    ) -> None:
        """Switch the compound to a mode, persist it, announce it and enforce it on every target.

        Who may do so is decided here for every path (see modes.mode_change_refusal); a refusal
        raises RequestRefusedError and changes nothing. voice marks a request that came as an
        intent (Assist, a voice satellite, an LLM agent), pin what it said as the mode PIN;
        directive a district's directive, which the district rules decide (modes.district_refusal).
        Setting the current mode again re-applies its policy without announcing a change.
        """
        async with self._mode_lock:
            old = self._mode.mode
            if directive is not None:
                self.access.check_district_change(
                    old, mode, started_by_district=self._mode.directive is not None
                )
            else:
                await self.access.async_check_mode_change(old, mode, context, voice=voice, pin=pin)
            if mode is not old:
                self._mode = ModeRecord(
                    mode=mode,
                    changed_at=dt_util.utcnow(),
                    reason=reason,
                    directive=directive.directive_id if directive else None,
                )
                # Persist before touching hardware: a crash half-way must not forget a lockdown.
                await self._store.async_save(self._mode.as_stored())
                self._announce(old, mode, reason, context, directive)
            await asyncio.gather(
                *(self._async_apply(target, mode) for target in list(self._targets))
            )

    def expect_spoken_refusal(self, context: Context) -> None:
        """Let a voice handler answer a refusal of this command itself, instead of an error.

        Built-in intents call entity actions and learn only that one failed (some releases
        not even that): the handler collects the refusal with pop_refusal and speaks it.
        """
        self._spoken_refusals[context.id] = None

    def pop_refusal(self, context: Context) -> HomeAssistantError | None:
        """Return why the command with this context was refused, if it was; ends the expectation."""
        return self._spoken_refusals.pop(context.id, None)

    def entrance_policy(self, entrance: Entrance) -> EntrancePolicy:
        """Return what the current mode demands of an entrance."""
        return entrance_policy(
            self._mode.mode, kept_open_in_lockdown=entrance.kept_open_in_lockdown
        )

    async def async_command_entrance(
        self,
        entrance: Entrance,
        action: EntranceAction,
        *,
        context: Context | None,
        override_reason: str | None = None,
    ) -> None:
        """Move an entrance if the mode allows it, from any command path (UI, action, voice).

        An override (an administrator's action, with a reason) opens a shut entrance once;
        it is logged and fired as an event. Nothing overrides evacuation's open entrances.
        """
        if override_reason is not None:
            await self.access.async_check_override(entrance.entrance_name, context)
        refusal = refusal_reason(self.entrance_policy(entrance), action)
        overriding = (
            refusal == REFUSED_LOCKDOWN and action is EntranceAction.OPEN and override_reason
        )
        if refusal and not overriding:
            LOGGER.info(
                "Refused to %s %s in %s mode (requested by user %s)",
                action,
                log_safe(entrance.entrance_name),
                self._mode.mode,
                context.user_id if context else None,
            )
            error = device_error(refusal, entrance=entrance.entrance_name)
            if context is not None and context.id in self._spoken_refusals:
                self._spoken_refusals[context.id] = error
                return
            raise error
        if overriding:
            LOGGER.warning(
                "Lockdown overridden to open %s by user %s: %s",
                log_safe(entrance.entrance_name),
                context.user_id if context else None,
                log_safe(override_reason),
            )
            self.fire_event(
                EVENT_ENTRANCE_OVERRIDE,
                {
                    ATTR_ENTRANCE: entrance.entrance_name,
                    ATTR_SUBENTRY_ID: self.devices.subentry_id_of(entrance),
                    ATTR_REASON: override_reason,
                },
                context,
            )
        await entrance.async_perform(action, override=bool(overriding))

    async def async_switch_output(
        self, output: SwitchedOutput, *, on: bool, context: Context | None
    ) -> None:
        """Switch a shed's light or sockets, from any command path, recording who asked."""
        LOGGER.debug(
            "Switching %s %s (requested by user %s)",
            log_safe(output.title),
            "on" if on else "off",
            context.user_id if context else None,
        )
        await output.async_switch(on=on)

    async def async_cut_shed_power(self, context: Context | None) -> int:
        """Switch off every shed socket; return how many were switched off.

        Every socket is tried even when one cannot be reached; those are then named in the error.
        """
        LOGGER.info(
            "Cutting the power of the sheds of %s (requested by user %s)",
            log_safe(self.name),
            context.user_id if context else None,
        )
        cut, unreached = 0, []
        for output in self.devices.values():
            if not isinstance(output, SwitchedOutput) or not output.is_socket:
                continue
            try:
                await self.async_switch_output(output, on=False, context=context)
            except HomeAssistantError:
                unreached.append(output.title)
            else:
                cut += 1
        if unreached:
            LOGGER.warning("Could not cut the power of %s", log_safe(", ".join(unreached)))
            raise device_error("cut_shed_power_incomplete", names=", ".join(unreached))
        return cut

    @callback
    def fire_event(self, event_type: str, data: dict[str, Any], context: Context | None) -> None:
        """Fire one of the integration's events, naming the compound and the requesting user."""
        self.hass.bus.async_fire(
            event_type,
            {
                ATTR_COMPOUND: self.name,
                ATTR_CONFIG_ENTRY_ID: self.entry.entry_id,
                **data,
                ATTR_USER: context.user_id if context else None,
            },
            context=context,
        )

    def _announce(
        self,
        old: CompoundMode,
        new: CompoundMode,
        reason: str | None,
        context: Context | None,
        directive: DirectiveOrigin | None,
    ) -> None:
        LOGGER.info(
            "Compound %s switched from %s to %s mode%s%s",
            log_safe(self.name),
            old,
            new,
            f" ({log_safe(reason)})" if reason else "",
            f" by directive {log_safe(directive.directive_id)} of {log_safe(directive.issuer)}"
            if directive
            else "",
        )
        origin = (
            {ATTR_DIRECTIVE: directive.directive_id, ATTR_ISSUER: directive.issuer}
            if directive
            else {}
        )
        self.fire_event(
            EVENT_MODE_CHANGED,
            {ATTR_OLD_MODE: str(old), ATTR_NEW_MODE: str(new), ATTR_REASON: reason, **origin},
            context,
        )
        self._listeners.notify(context)

    async def _async_apply(self, target: PolicyTarget, mode: CompoundMode) -> None:
        # One target failing (a device offline) must not stop the others; the target re-applies
        # the policy itself when its link returns.
        try:
            await target.async_apply_mode(mode)
        except Exception:  # noqa: BLE001 - a device's failure is logged, never propagated to the others
            LOGGER.warning(
                "Could not apply %s mode to %s yet; it will be applied when it is back",
                mode,
                log_safe(target.policy_target_name),
                exc_info=LOGGER.isEnabledFor(logging.DEBUG),
            )
