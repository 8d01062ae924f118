"""An access terminal at a pedestrian entrance: its settings, link, door under the mode's policy, events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, Final

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_NAME, Platform
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.event import async_call_later, async_track_time_change
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .compound import Compound
from .const import (
    ATTR_ALERT,
    ATTR_ENTRANCE,
    ATTR_MODE,
    ATTR_SUBENTRY_ID,
    ATTR_TEMPERATURE,
    CONF_ALERT_DURATION,
    CONF_DOOR,
    CONF_FIRMWARE,
    CONF_KEPT_OPEN_IN_LOCKDOWN,
    CONF_MODEL,
    CONF_SERIAL_NUMBER,
    DOMAIN,
    EVENT_SCREENING_ALERT,
    ISAPI_MANUFACTURER,
    LOGGER,
)
from .coordinator import Followers
from .device_areas import with_suggested_area
from .device_links import linked_device_info
from .devices.isapi.client import DoorCommand
from .devices.isapi.errors import TerminalAuthError, TerminalError, TerminalUnreachableError
from .devices.isapi.events import AccessEvent, Screening, screening
from .devices.isapi.monitor import LinkState, MonitorTiming, TerminalMonitor
from .errors import device_error
from .modes import CompoundMode, EntranceAction, EntrancePolicy, screening_alerts_active
from .terminal_auth import ALERT_DURATION, DOOR, stored_flag, stored_text, terminal_client
from .terminal_screening import (
    ALERT_FIGURES,
    COUNT_FIGURES,
    AccessEventSink,
    DailyCounts,
    TerminalFigure,
    event_attributes,
    stored_count,
)
from .validation import InvalidSettingError

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 5
LINK_UP: Final = frozenset({LinkState.STREAMING, LinkState.POLLING})
TIMING = MonitorTiming()
"""How patient terminal links are; tests and the benchmark shorten it."""

_POLICY_COMMANDS: Final = {
    EntrancePolicy.SHUT: DoorCommand.ALWAYS_CLOSED,
    EntrancePolicy.HELD_OPEN: DoorCommand.ALWAYS_OPEN,
    EntrancePolicy.FREE: DoorCommand.CLOSE,
}
"""The door state each policy demands; close hands the door back to normal control."""


class AccessTerminal:
    """One terminal: a compound device, an entrance under the mode's policy, and a policy target."""

    def __init__(self, compound: Compound, subentry: ConfigSubentry) -> None:
        """Prepare the terminal of a subentry; nothing is sent before async_start.

        Raises InvalidSettingError, before anything is registered, if a stored setting is
        missing or invalid (a subentry changed by hand).
        """
        self.compound = compound
        self.hass = compound.hass
        self.subentry = subentry
        data = subentry.data
        self.entrance_name = stored_text(data, CONF_NAME)
        """The entrance the terminal guards."""
        self.kept_open_in_lockdown = stored_flag(data, CONF_KEPT_OPEN_IN_LOCKDOWN, default=False)
        """Whether the entrance stays in use during a lockdown."""
        self.door = int(DOOR.stored(data, CONF_DOOR))
        self.alert_duration = ALERT_DURATION.stored(data, CONF_ALERT_DURATION)
        serial_number = stored_text(data, CONF_SERIAL_NUMBER)
        model, firmware = data.get(CONF_MODEL), data.get(CONF_FIRMWARE)
        for key, value in ((CONF_MODEL, model), (CONF_FIRMWARE, firmware)):
            if value is not None and not isinstance(value, str):
                raise InvalidSettingError(key)
        self.client = terminal_client(self.hass, data)
        self._store: Store[dict[str, Any]] = Store(
            self.hass, STORAGE_VERSION, f"{DOMAIN}.terminal.{subentry.subentry_id}", private=True
        )
        self.monitor: TerminalMonitor | None = None
        self._link_task: asyncio.Task[None] | None = None
        self._restored_serial: int | None = None
        self.counts = DailyCounts(day=dt_util.now().date().isoformat())
        self.alerts: dict[Screening, datetime | None] = {
            Screening.FEVER_DETECTED: None,
            Screening.NO_MASK: None,
        }
        self._alert_timers: dict[Screening, CALLBACK_TYPE] = {}
        self._followers: Followers[TerminalFigure] = Followers()
        self._malformed_shown = 0
        self._sink: AccessEventSink | None = None
        self._sink_changed = asyncio.Event()
        self._unsubscribers: list[CALLBACK_TYPE] = []
        self._lost_logged = False
        self._auth_failure_logged = False
        self.device_info = linked_device_info(
            self.hass,
            compound.entry.entry_id,
            with_suggested_area(
                DeviceInfo(
                    identifiers={(DOMAIN, serial_number)},
                    name=subentry.title,
                    # deviceInfo names no maker; the protocol is Hikvision's (OEM terminals rebrand it).
                    manufacturer=ISAPI_MANUFACTURER,
                    model=model or None,
                    sw_version=firmware or None,
                    serial_number=serial_number,
                ),
                data,
            ),
            (DOMAIN, compound.entry.entry_id),
        )

    # ----- compound.Entrance and compound.PolicyTarget -----------------------------------

    @property
    def policy_target_name(self) -> str:
        """Name used when the policy cannot be applied yet."""
        return f"the access terminal at {self.entrance_name}"

    async def async_perform(self, action: EntranceAction, *, override: bool = False) -> None:
        """Open the door once or hand it back to normal control; a door has nothing to stop.

        An override changes nothing here: the door's next policy command shuts it again.
        """
        if action is EntranceAction.STOP:
            return
        await self._async_door(
            DoorCommand.OPEN if action is EntranceAction.OPEN else DoorCommand.CLOSE
        )

    async def async_apply_mode(self, mode: CompoundMode) -> None:
        """Hold the door closed or open as the mode demands, or hand it back to normal control."""
        await self._async_door(_POLICY_COMMANDS[self.compound.entrance_policy(self)])

    async def _async_door(self, command: DoorCommand) -> None:
        try:
            await self.client.async_control_door(self.door, command)
        except TerminalAuthError:
            self._handle_auth_failure()
            raise device_error("terminal_auth_failed", entrance=self.entrance_name) from None
        except TerminalUnreachableError:
            raise device_error("terminal_unreachable", entrance=self.entrance_name) from None
        except TerminalError as err:
            raise device_error(
                "terminal_refused", entrance=self.entrance_name, error=str(err)
            ) from None

    # ----- compound.CompoundDevice ------------------------------------------------------------

    async def async_start(self) -> None:
        """Restore today's counts and the last event shown, then connect in the background.

        The link starts at once, so the mode is enforced on the door as soon as the terminal
        answers; events wait for the event entity (see _async_deliver), never setup for them.
        """
        stored = await self._store.async_load()
        if isinstance(stored, dict):
            self._restored_serial = stored_count(stored, "last_serial")
            if stored.get("day") == self.counts.day:
                self.counts = DailyCounts(
                    day=self.counts.day,
                    passes=stored_count(stored, "passes") or 0,
                    fever=stored_count(stored, "fever") or 0,
                    no_mask=stored_count(stored, "no_mask") or 0,
                )
        self.monitor = TerminalMonitor(
            self.client,
            on_event=self._async_deliver,
            on_state=self._handle_state,
            on_connected=self._async_connected,
            last_serial=self._restored_serial,
            timing=TIMING,
        )
        self._unsubscribers += [
            self.compound.async_register_policy_target(self),
            async_track_time_change(self.hass, self._reset_counts, hour=0, minute=0, second=0),
        ]
        self._link_task = self.compound.entry.async_create_background_task(
            self.hass, self.monitor.run(), f"{DOMAIN} terminal {self.entrance_name}"
        )

    async def async_stop(self) -> None:
        """Stop the link and listening, and save where the terminal was."""
        if self._link_task is not None:
            self._link_task.cancel()
        for unsubscribe in [*self._unsubscribers, *self._alert_timers.values()]:
            unsubscribe()
        self._unsubscribers.clear()
        self._alert_timers.clear()
        if self.monitor is not None:  # a terminal that never started has nothing newer to save
            await self._store.async_save(self._stored())

    # ----- what the link reports --------------------------------------------------------------

    @property
    def link_state(self) -> LinkState:
        """How Home Assistant hears from the terminal now."""
        return self.monitor.stats.state if self.monitor else LinkState.CONNECTING

    @property
    def available(self) -> bool:
        """Whether the terminal is heard from, by stream or by polling its history.

        The source of truth of the device's availability; availability listeners are
        called whenever it changes.
        """
        return self.link_state in LINK_UP

    def diagnostics(self) -> dict[str, Any]:
        """Return the link's state and counters (no credentials, no residents' identities)."""
        return {
            "link": self.monitor.stats.as_dict() if self.monitor else None,
            "mid_session_reauthentications": self.client.reauthentications,
            "today": {
                "passes": self.counts.passes,
                "fever": self.counts.fever,
                "no_mask": self.counts.no_mask,
            },
        }

    @callback
    def async_subscribe(
        self, listener: Callable[[], None], figure: TerminalFigure | None = None
    ) -> CALLBACK_TYPE:
        """Call listener whenever the link changes and, if given, whenever figure changes."""
        return self._followers.add(listener, () if figure is None else (figure,))

    @callback
    def async_add_availability_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call listener whenever the link changes: access events never change availability."""
        return self._followers.add(listener)

    @callback
    def async_subscribe_events(self, sink: AccessEventSink) -> CALLBACK_TYPE:
        """Show every access event on sink from now on, the ones waiting for it first."""
        self._sink = sink
        self._sink_changed.set()

        @callback
        def unsubscribe() -> None:
            if self._sink is sink:
                self._sink = None

        return unsubscribe

    async def _async_connected(self) -> None:
        # A terminal that rebooted or was reset forgets held doors: enforce the mode again.
        await self.compound.async_reapply_policy(self)
        # The link starts from the newest record the first time: remember where, so events
        # recorded while Home Assistant is down are not taken for the terminal's past.
        self._store.async_delay_save(self._stored, SAVE_DELAY)

    @callback
    def _handle_state(self, state: LinkState) -> None:
        if state is LinkState.AUTH_FAILED:
            self._handle_auth_failure()
        elif state in LINK_UP and self._lost_logged:
            LOGGER.info("Access terminal at %s is back (%s)", self.entrance_name, state)
            self._lost_logged = False
        elif state is LinkState.RECONNECTING and not self._lost_logged:
            LOGGER.warning(
                "Lost the access terminal at %s: %s",
                self.entrance_name,
                self.monitor.stats.last_error if self.monitor else None,
            )
            self._lost_logged = True
        self._followers.everything_changed()

    @callback
    def _handle_auth_failure(self) -> None:
        # No retries with refused credentials (terminals lock out): ask the user for new ones.
        if not self._auth_failure_logged:
            LOGGER.error(
                "The access terminal at %s refused its user name or password", self.entrance_name
            )
            self._auth_failure_logged = True
        self.compound.entry.async_start_reauth(
            self.hass, data={ATTR_SUBENTRY_ID: self.subentry.subentry_id}
        )

    async def _async_deliver(self, event: AccessEvent, backfilled: bool) -> None:  # noqa: FBT001 - the monitor's callback
        """Show an event on the event entity, then count it.

        The monitor moves past an event only when this returns, and saving follows the
        monitor: an event that never reached the entity (it was not set up yet, or it went
        away) is fetched again by the next link, after a reload or restart too. Nothing
        after the show waits, so an event is shown and counted, or neither.
        """
        outcome = screening(event, self.compound.fever_threshold)
        attributes = event_attributes(
            event, backfilled=backfilled, with_identity=self.compound.share_resident_identity
        )
        while (sink := await self._async_event_sink()) is not None:
            await sink.async_ready_for_next()
            if sink is self._sink:  # still subscribed after waiting
                sink.show(str(outcome), attributes)
                break
        changed = self._count(event)
        if self.monitor is not None and self.monitor.stats.malformed_parts != self._malformed_shown:
            self._malformed_shown = self.monitor.stats.malformed_parts
            changed.append(TerminalFigure.MALFORMED_PARTS)
        self._store.async_delay_save(self._stored, SAVE_DELAY)
        # Events of other terminals that arrived with this one are shown before the counts.
        self._followers.changed_after_turn(changed)

    async def _async_event_sink(self) -> AccessEventSink | None:
        """Return the event entity once it has subscribed; None if it is disabled."""
        while self._sink is None and not self._access_event_disabled():
            self._sink_changed.clear()
            await self._sink_changed.wait()
        return self._sink

    def _access_event_disabled(self) -> bool:
        return any(
            entity.disabled
            for entity in er.async_entries_for_config_entry(
                er.async_get(self.hass), self.compound.entry.entry_id
            )
            if entity.config_subentry_id == self.subentry.subentry_id
            and entity.domain == Platform.EVENT
        )

    def _count(self, event: AccessEvent) -> list[TerminalFigure]:
        """Count an event into today's figures and raise its alerts; return what changed."""
        changed = self.counts.count(event, self.compound.fever_threshold)
        for kind, figure in ALERT_FIGURES.items():
            if figure in changed:
                self._raise_alert(kind, event)
        return changed

    def _raise_alert(self, kind: Screening, event: AccessEvent) -> None:
        self.alerts[kind] = dt_util.utcnow()
        if cancel := self._alert_timers.pop(kind, None):
            cancel()
        self._alert_timers[kind] = async_call_later(
            self.hass, self.alert_duration, partial(self._clear_alert, kind)
        )
        if screening_alerts_active(self.compound.mode) and (
            self.compound.entrance_policy(self) is EntrancePolicy.FREE
        ):
            self.compound.fire_event(
                EVENT_SCREENING_ALERT,
                {
                    ATTR_ENTRANCE: self.entrance_name,
                    ATTR_SUBENTRY_ID: self.subentry.subentry_id,
                    ATTR_ALERT: str(kind),
                    ATTR_TEMPERATURE: event.temperature_c,
                    ATTR_MODE: str(self.compound.mode),
                },
                None,
            )

    @callback
    def _clear_alert(self, kind: Screening, _now: datetime) -> None:
        self._alert_timers.pop(kind, None)
        self.alerts[kind] = None
        self._followers.changed((ALERT_FIGURES[kind],))

    @callback
    def _reset_counts(self, now: datetime) -> None:
        self.counts = DailyCounts(day=dt_util.as_local(now).date().isoformat())
        self._store.async_delay_save(self._stored, SAVE_DELAY)
        self._followers.changed(COUNT_FIGURES)

    def _stored(self) -> dict[str, Any]:
        return {
            "last_serial": self.monitor.stats.last_serial
            if self.monitor
            else self._restored_serial,
            "day": self.counts.day,
            "passes": self.counts.passes,
            "fever": self.counts.fever,
            "no_mask": self.counts.no_mask,
        }
