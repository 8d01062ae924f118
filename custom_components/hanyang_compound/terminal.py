"""An access terminal at a pedestrian entrance: its link, its door under the mode's policy, its entities."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, Final

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_NAME, EntityCategory, Platform
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.event import async_call_later, async_track_time_change
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .compound import Compound
from .const import ATTR_ENTRANCE, ATTR_MODE, DOMAIN, LOGGER
from .devices.isapi.client import DoorCommand
from .devices.isapi.errors import TerminalAuthError, TerminalError, TerminalUnreachableError
from .devices.isapi.events import AccessEvent, Screening, is_fever, screening
from .devices.isapi.monitor import LinkState, MonitorTiming, TerminalMonitor
from .entity import CompoundDeviceEntity
from .modes import CompoundMode, EntranceAction, EntrancePolicy, screening_alerts_active
from .terminal_auth import ATTR_SUBENTRY_ID, CONF_SERIAL_NUMBER, terminal_client
from .terminal_flow import (
    CONF_ALERT_DURATION,
    CONF_DOOR,
    CONF_FIRMWARE,
    CONF_KEPT_OPEN_IN_LOCKDOWN,
    CONF_MODEL,
)

EVENT_SCREENING_ALERT: Final = f"{DOMAIN}_screening_alert"
"""Fired in controlled and lockdown modes when an entrance in use screens fever or a missing mask."""
ATTR_ALERT: Final = "alert"
"""The screening that raised a screening alert: fever_detected or no_mask, as the event entity names it."""
ATTR_TEMPERATURE: Final = "temperature"
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


@dataclass(slots=True)
class DailyCounts:
    """Today's screenings at one terminal."""

    day: str
    passes: int = 0
    fever: int = 0
    no_mask: int = 0


class AccessTerminal:
    """One terminal: a compound device, an entrance under the mode's policy, and a policy target."""

    def __init__(self, compound: Compound, subentry: ConfigSubentry) -> None:
        """Prepare the terminal of a subentry; nothing is sent before async_start."""
        self.compound = compound
        self.hass = compound.hass
        self.subentry = subentry
        data = subentry.data
        self.door: int = int(data[CONF_DOOR])
        self.alert_duration: float = float(data[CONF_ALERT_DURATION])
        self.client = terminal_client(self.hass, data)
        self._store: Store[dict[str, Any]] = Store(
            self.hass, STORAGE_VERSION, f"{DOMAIN}.terminal.{subentry.subentry_id}", private=True
        )
        self.monitor: TerminalMonitor | None = None
        self.counts = DailyCounts(day=dt_util.now().date().isoformat())
        self.alerts: dict[Screening, datetime | None] = {
            Screening.FEVER_DETECTED: None,
            Screening.NO_MASK: None,
        }
        self._alert_timers: dict[Screening, CALLBACK_TYPE] = {}
        self._listeners: list[Callable[[], None]] = []
        self._event_listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self._unsubscribers: list[CALLBACK_TYPE] = []
        self._lost_logged = False
        self._auth_failure_logged = False
        self.device_info = DeviceInfo(
            identifiers={(DOMAIN, data[CONF_SERIAL_NUMBER])},
            name=subentry.title,
            model=data.get(CONF_MODEL) or None,
            sw_version=data.get(CONF_FIRMWARE) or None,
            serial_number=data[CONF_SERIAL_NUMBER],
            via_device=(DOMAIN, compound.entry.entry_id),
        )

    # ----- compound.Entrance and compound.PolicyTarget -----------------------------------

    @property
    def entrance_name(self) -> str:
        """The entrance the terminal guards."""
        return str(self.subentry.data[CONF_NAME])

    @property
    def kept_open_in_lockdown(self) -> bool:
        """Whether the entrance stays in use during a lockdown."""
        return bool(self.subentry.data[CONF_KEPT_OPEN_IN_LOCKDOWN])

    @property
    def policy_target_name(self) -> str:
        """Name used when the policy cannot be applied yet."""
        return f"the access terminal at {self.entrance_name}"

    async def async_perform(self, action: EntranceAction) -> None:
        """Open the door once or hand it back to normal control; a door has nothing to stop."""
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
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="terminal_auth_failed",
                translation_placeholders={"entrance": self.entrance_name},
            ) from None
        except TerminalUnreachableError:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="terminal_unreachable",
                translation_placeholders={"entrance": self.entrance_name},
            ) from None
        except TerminalError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="terminal_refused",
                translation_placeholders={"entrance": self.entrance_name, "error": str(err)},
            ) from None

    # ----- compound.CompoundDevice ------------------------------------------------------------

    async def async_start(self) -> None:
        """Restore today's counts and the last event seen, then connect in the background."""
        stored = await self._store.async_load() or {}
        if stored.get("day") == self.counts.day:
            self.counts = DailyCounts(
                day=self.counts.day,
                passes=int(stored.get("passes", 0)),
                fever=int(stored.get("fever", 0)),
                no_mask=int(stored.get("no_mask", 0)),
            )
        last_serial = stored.get("last_serial")
        self.monitor = TerminalMonitor(
            self.client,
            on_event=self._handle_event,
            on_state=self._handle_state,
            on_connected=self._async_connected,
            last_serial=last_serial if isinstance(last_serial, int) else None,
            timing=TIMING,
        )
        self._unsubscribers += [
            self.compound.async_register_policy_target(self),
            async_track_time_change(self.hass, self._reset_counts, hour=0, minute=0, second=0),
        ]
        self.compound.entry.async_create_background_task(
            self.hass, self.monitor.run(), f"{DOMAIN} terminal {self.entrance_name}"
        )

    async def async_stop(self) -> None:
        """Stop listening (the entry cancels the link's task) and save where the terminal was."""
        for unsubscribe in [*self._unsubscribers, *self._alert_timers.values()]:
            unsubscribe()
        self._unsubscribers.clear()
        self._alert_timers.clear()
        await self._store.async_save(self._stored())

    def create_entities(self, platform: Platform) -> list[Entity]:
        """Return the terminal's entities of one platform."""
        match platform:
            case Platform.EVENT:
                return [TerminalAccessEvent(self, ACCESS_EVENT)]
            case Platform.BUTTON:
                return [TerminalOpenDoorButton(self, OPEN_DOOR)]
            case Platform.BINARY_SENSOR:
                return [TerminalAlert(self, description) for description in ALERTS]
            case Platform.SENSOR:
                return [TerminalSensor(self, description) for description in SENSORS]
        return []

    # ----- what the link reports --------------------------------------------------------------

    @property
    def link_state(self) -> LinkState:
        """How Home Assistant hears from the terminal now."""
        return self.monitor.stats.state if self.monitor else LinkState.CONNECTING

    @property
    def available(self) -> bool:
        """Whether the terminal is heard from, by stream or by polling its history."""
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
    def async_subscribe(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call listener whenever the link, the counts or the alerts change."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_subscribe_events(
        self, listener: Callable[[str, dict[str, Any]], None]
    ) -> CALLBACK_TYPE:
        """Call listener with each access event's type and attributes."""
        self._event_listeners.append(listener)
        return lambda: self._event_listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    async def _async_connected(self) -> None:
        # A terminal that rebooted or was reset forgets held doors: enforce the mode again.
        await self.compound.async_reapply_policy(self)

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
        self._notify()

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

    @callback
    def _handle_event(self, event: AccessEvent, backfilled: bool) -> None:  # noqa: FBT001 - the monitor's callback
        threshold = self.compound.fever_threshold
        outcome = screening(event, threshold)
        if event.granted:
            self.counts.passes += 1
        fever = is_fever(event, threshold)
        if fever:
            self.counts.fever += 1
            self._raise_alert(Screening.FEVER_DETECTED, event)
        if event.mask is False:
            self.counts.no_mask += 1
            self._raise_alert(Screening.NO_MASK, event)
        attributes = self._event_attributes(event, backfilled=backfilled)
        for listener in list(self._event_listeners):
            listener(str(outcome), attributes)
        self._store.async_delay_save(self._stored, SAVE_DELAY)
        self._notify()

    def _event_attributes(self, event: AccessEvent, *, backfilled: bool) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "serial_no": event.serial_no,
            "verify_mode": event.verify_mode,
            ATTR_TEMPERATURE: event.temperature_c,
            "mask": event.mask,
            "door": event.door_no,
            "terminal_time": event.time.isoformat() if event.time else None,
            "backfilled": backfilled,
        }
        if self.compound.share_resident_identity:
            attributes |= {"name_of_person": event.name, "employee_no": event.employee_no}
        return attributes

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
        self._notify()

    @callback
    def _reset_counts(self, now: datetime) -> None:
        self.counts = DailyCounts(day=dt_util.as_local(now).date().isoformat())
        self._store.async_delay_save(self._stored, SAVE_DELAY)
        self._notify()

    def _stored(self) -> dict[str, Any]:
        return {
            "last_serial": self.monitor.stats.last_serial if self.monitor else None,
            "day": self.counts.day,
            "passes": self.counts.passes,
            "fever": self.counts.fever,
            "no_mask": self.counts.no_mask,
        }


class TerminalEntity(CompoundDeviceEntity):
    """An entity of an access terminal, described by its description, updated when the terminal reports."""

    def __init__(self, terminal: AccessTerminal, description: EntityDescription) -> None:
        """Initialise the entity keyed by its description's key under the terminal's device."""
        super().__init__(
            terminal.compound, terminal.subentry, description.key, terminal.device_info
        )
        self.entity_description = description
        self.terminal = terminal

    follows_link: ClassVar[bool] = False
    """Whether the entity is unavailable while the terminal is not heard from; counts and alerts stay."""

    @property
    def available(self) -> bool:
        """Whether the entity has something current to show."""
        return self.terminal.available or not self.follows_link

    async def async_added_to_hass(self) -> None:
        """Follow the terminal's changes."""
        self.async_on_remove(self.terminal.async_subscribe(self.async_write_ha_state))


ACCESS_EVENT: Final = EventEntityDescription(
    key="access", translation_key="access", event_types=[str(outcome) for outcome in Screening]
)
OPEN_DOOR: Final = ButtonEntityDescription(key="open_door", translation_key="open_door")


class TerminalAccessEvent(TerminalEntity, EventEntity):
    """Every screening at the terminal, as it happens (and, flagged, what was missed while offline)."""

    entity_description: EventEntityDescription

    follows_link = True

    async def async_added_to_hass(self) -> None:
        """Follow the terminal's events and link."""
        await super().async_added_to_hass()
        self.async_on_remove(self.terminal.async_subscribe_events(self._handle_event))

    @callback
    def _handle_event(self, event_type: str, attributes: dict[str, Any]) -> None:
        self._trigger_event(event_type, attributes)
        self.async_write_ha_state()


class TerminalOpenDoorButton(TerminalEntity, ButtonEntity):
    """Opens the door once, through the compound's policy (refused in lockdown unless kept open)."""

    entity_description: ButtonEntityDescription

    follows_link = True

    async def async_press(self) -> None:
        """Ask the compound to open the door."""
        await self.compound.async_command_entrance(
            self.terminal, EntranceAction.OPEN, context=self._context
        )


@dataclass(frozen=True, kw_only=True)
class TerminalAlertDescription(BinarySensorEntityDescription):
    """An alert raised by a kind of screening."""

    alert: Screening


ALERTS: Final = (
    TerminalAlertDescription(
        key="fever_alert",
        translation_key="fever_alert",
        device_class=BinarySensorDeviceClass.PROBLEM,
        alert=Screening.FEVER_DETECTED,
    ),
    TerminalAlertDescription(
        key="no_mask_alert",
        translation_key="no_mask_alert",
        device_class=BinarySensorDeviceClass.PROBLEM,
        alert=Screening.NO_MASK,
    ),
)


class TerminalAlert(TerminalEntity, BinarySensorEntity):
    """On from a fever or no-mask screening until the terminal's alert duration has passed."""

    entity_description: TerminalAlertDescription

    @property
    def is_on(self) -> bool:
        """Whether such a screening happened within the alert duration."""
        return self.terminal.alerts[self.entity_description.alert] is not None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """When the alert was last raised."""
        raised = self.terminal.alerts[self.entity_description.alert]
        return {"raised_at": raised.isoformat() if raised else None}


@dataclass(frozen=True, kw_only=True)
class TerminalSensorDescription(SensorEntityDescription):
    """A value of the terminal, read from the terminal object."""

    value_fn: Callable[[AccessTerminal], Any]


SENSORS: Final = (
    TerminalSensorDescription(
        key="passes_today",
        translation_key="passes_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda terminal: terminal.counts.passes,
    ),
    TerminalSensorDescription(
        key="fever_today",
        translation_key="fever_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda terminal: terminal.counts.fever,
    ),
    TerminalSensorDescription(
        key="no_mask_today",
        translation_key="no_mask_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda terminal: terminal.counts.no_mask,
    ),
    TerminalSensorDescription(
        key="link",
        translation_key="link",
        device_class=SensorDeviceClass.ENUM,
        options=[str(state) for state in LinkState],
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda terminal: str(terminal.link_state),
    ),
    TerminalSensorDescription(
        key="reconnects",
        translation_key="reconnects",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda terminal: terminal.monitor.stats.reconnects if terminal.monitor else 0,
    ),
    TerminalSensorDescription(
        key="malformed_parts",
        translation_key="malformed_parts",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda terminal: terminal.monitor.stats.malformed_parts if terminal.monitor else 0,
    ),
)


class TerminalSensor(TerminalEntity, SensorEntity):
    """Today's counts and the link's diagnostics."""

    entity_description: TerminalSensorDescription

    @property
    def native_value(self) -> Any:
        """The value read from the terminal."""
        return self.entity_description.value_fn(self.terminal)
