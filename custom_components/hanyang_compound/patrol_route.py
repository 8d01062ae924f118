"""Patrol routes: the route device that feeds patrol.py, its entities and action."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import (
    CALLBACK_TYPE,
    Context,
    Event,
    HomeAssistant,
    callback,
)
from homeassistant.helpers import (
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.event import (
    async_call_later,
    async_track_point_in_utc_time,
    async_track_time_change,
)
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .compound import Compound
from .const import (
    ATTR_CHECKPOINT,
    ATTR_DEVICE_ID,
    ATTR_OUT_OF_ORDER,
    ATTR_REASON,
    ATTR_ROUND,
    ATTR_ROUTE,
    ATTR_ROUTE_ID,
    ATTR_TYPE,
    CONF_CHECKPOINTS,
    CONF_DURATION_MINUTES,
    CONF_GRACE_MINUTES,
    CONF_ORDERED,
    CONF_SCHEDULE_PREFIX,
    DOMAIN,
    EVENT_PATROL,
    EVENT_PATROL_REMINDER,
    LOGGER,
    MANUFACTURER,
    SNOOZE,
    SUBENTRY_PATROL_ROUTE,
)
from .coordinator import Listeners
from .device_links import linked_device_info
from .errors import device_error, request_error
from .modes import CompoundMode
from .patrol import PatrolRoute
from .patrol_rounds import PatrolCommandError, PatrolEvent, PatrolEventType, RouteStatus
from .patrol_schedule import RouteConfig, Schedule
from .texts import entity_text, log_safe

TAG_DOMAIN = "tag"
EVENT_TAG_SCANNED = "tag_scanned"
STORAGE_VERSION = 1
SAVE_DELAY = 1
STATUS_KEY = "patrol_status"
ISSUE_CHECKPOINT_MISSING = "patrol_checkpoint_missing"
ATTR_LAST_EVENT = "last_event"
UPCOMING_HORIZON = timedelta(days=42)
ATTR_TOTAL = "total"
ATTR_REMAINING = "remaining"


def schedule_key(mode: CompoundMode) -> str:
    """Return the subentry field holding the schedule of a mode."""
    return f"{CONF_SCHEDULE_PREFIX}{mode}"


def route_identifier(subentry: ConfigSubentry, entry_id: str) -> str:
    """Return the device identifier of a route."""
    return f"{entry_id}_{subentry.subentry_id}"


# The route device


def route_config(data: Any) -> RouteConfig:
    """Return the pure configuration of a route from its subentry data."""
    return RouteConfig(
        checkpoints=tuple(data[CONF_CHECKPOINTS]),
        ordered=bool(data[CONF_ORDERED]),
        schedules={mode: Schedule.parse(data.get(schedule_key(mode), "")) for mode in CompoundMode},
        grace=timedelta(minutes=data[CONF_GRACE_MINUTES]),
        duration=timedelta(minutes=data[CONF_DURATION_MINUTES]),
        zone=dt_util.get_default_time_zone(),
    )


def route_store(hass: HomeAssistant, entry_id: str, subentry_id: str) -> Store[dict[str, Any]]:
    """Return the store of a route's rounds (not of its configuration, which is the subentry)."""
    return Store(
        hass, STORAGE_VERSION, f"{DOMAIN}.patrol.{entry_id}.{subentry_id}", atomic_writes=True
    )


async def async_remove_route_stores(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Forget the rounds of every route of a deleted compound."""
    for subentry in entry.subentries.values():
        if subentry.subentry_type == SUBENTRY_PATROL_ROUTE:
            await route_store(hass, entry.entry_id, subentry.subentry_id).async_remove()


class PatrolRouteDevice:
    """A patrol route of a compound: timers, scans and mode changes in, events and entities out."""

    def __init__(self, compound: Compound, subentry: ConfigSubentry) -> None:
        """Prepare the route; nothing runs until async_start."""
        self.compound = compound
        self.hass = compound.hass
        self.subentry = subentry
        self.name = subentry.title
        self.config = route_config(subentry.data)
        self.device_info = linked_device_info(
            self.hass,
            compound.entry.entry_id,
            DeviceInfo(
                identifiers={(DOMAIN, route_identifier(subentry, compound.entry.entry_id))},
                name=subentry.title,
                manufacturer=MANUFACTURER,
                model="Patrol route",
            ),
            (DOMAIN, compound.entry.entry_id),
        )
        self._store = route_store(self.hass, compound.entry.entry_id, subentry.subentry_id)
        self.route = PatrolRoute(self.config, compound.mode, checked_until=dt_util.utcnow())
        self.last_event: PatrolEventType | None = None
        self._listeners: Listeners[()] = Listeners()
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._timer: CALLBACK_TYPE | None = None
        self._snooze: CALLBACK_TYPE | None = None

    async def async_start(self) -> None:
        """Restore the route, report what happened while Home Assistant was down, and follow it."""
        now = dt_util.utcnow()
        self.route = PatrolRoute.from_stored(
            self.config, self.compound.mode, await self._store.async_load(), now
        )
        self._unsubscribe += [
            self.compound.async_add_listener(self._on_mode_changed),
            self.hass.bus.async_listen(EVENT_TAG_SCANNED, self._on_tag_scanned),
            self.hass.bus.async_listen(er.EVENT_ENTITY_REGISTRY_UPDATED, self._on_registry_updated),
            # The daily counts start again at midnight.
            async_track_time_change(self.hass, self._on_midnight, hour=0, minute=0, second=0),
        ]
        self._check_checkpoints()
        self._apply(self.route.resume(now), None)

    async def async_stop(self) -> None:
        """Stop following the route and save where it is, or forget it if it was removed."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        for timer in (self._timer, self._snooze):
            if timer:
                timer()
        self._timer = self._snooze = None
        for checkpoint in self.config.checkpoints:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(checkpoint))
        if self.subentry.subentry_id in self.compound.entry.subentries:
            await self._store.async_save(self.route.as_stored())
        else:
            await self._store.async_remove()

    @callback
    def async_snooze_reminder(self) -> None:
        """Remind the volunteers again in SNOOZE if the round is still waiting; one snooze at a time."""
        if self._snooze:
            self._snooze()

        @callback
        def remind_again(_now: datetime) -> None:
            self._snooze = None
            if self.route.status in (RouteStatus.DUE, RouteStatus.OVERDUE):
                self.hass.bus.async_fire(
                    EVENT_PATROL_REMINDER,
                    {ATTR_ROUTE: self.name, ATTR_ROUTE_ID: self.subentry.subentry_id},
                )

        self._snooze = async_call_later(self.hass, SNOOZE, remind_again)

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call listener whenever the route changes; returns the function that stops it."""
        return self._listeners.add(listener)

    def checkpoint_name(self, checkpoint: str) -> str:
        """Return the name a checkpoint (a tag entity) is shown by."""
        if state := self.hass.states.get(checkpoint):
            return str(state.name)
        if entry := er.async_get(self.hass).async_get(checkpoint):
            return entry.name or entry.original_name or checkpoint
        return checkpoint

    # Commands

    @callback
    def async_start_round(self, context: Context | None) -> None:
        """Start the due round (or the next one within the grace), as from the route's button."""
        try:
            events = self.route.start(dt_util.utcnow())
        except PatrolCommandError as err:
            raise device_error(err.key, route=self.name) from None
        self._apply(events, context if self.compound.share_resident_identity else None)

    @callback
    def async_skip_round(self, reason: str, context: Context | None) -> None:
        """Skip the open round, or the next one, and say why in the log and the logbook."""
        try:
            events = self.route.skip(dt_util.utcnow(), reason)
        except PatrolCommandError as err:
            raise request_error(err.key, route=self.name) from None
        LOGGER.info(
            "Patrol round %s of %s skipped by user %s: %s",
            _round_label(events[0].round),
            log_safe(self.name),
            context.user_id if context else None,
            log_safe(reason),
        )
        self._apply(events, context)

    # What moves the route

    @callback
    def _on_timer(self, scheduled: datetime) -> None:
        self._timer = None
        # A late timer (a busy or suspended host) catches up on everything due by now.
        self._apply(self.route.advance(max(scheduled, dt_util.utcnow())), None)

    @callback
    def _on_mode_changed(self, context: Context | None) -> None:
        self._apply(self.route.set_mode(self.compound.mode, dt_util.utcnow()), None)

    @callback
    def _on_midnight(self, now: datetime) -> None:
        self._notify()

    @callback
    def _on_tag_scanned(self, event: Event[dict[str, Any]]) -> None:
        entity_id = er.async_get(self.hass).async_get_entity_id(
            TAG_DOMAIN, TAG_DOMAIN, str(event.data.get("tag_id"))
        )
        if entity_id is None or entity_id not in self.config.checkpoints:
            return
        # Who scanned is a resident's identity: it travels only when the compound allows it.
        sharing = self.compound.share_resident_identity
        extra = {ATTR_DEVICE_ID: event.data.get(ATTR_DEVICE_ID)} if sharing else {}
        self._apply(
            self.route.scan(entity_id, dt_util.utcnow()),
            event.context if sharing else None,
            extra,
        )

    @callback
    def _on_registry_updated(self, event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        if event.data["entity_id"] in self.config.checkpoints and event.data["action"] in (
            "create",
            "remove",
        ):
            self._check_checkpoints()

    # How changes go out

    def _apply(
        self,
        events: list[PatrolEvent],
        context: Context | None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        for event in events:
            self.last_event = event.type
            data: dict[str, Any] = {
                ATTR_TYPE: str(event.type),
                ATTR_ROUTE: self.name,
                ATTR_ROUTE_ID: self.subentry.subentry_id,
                ATTR_ROUND: dt_util.as_local(event.round).isoformat(),
                ATTR_CHECKPOINT: event.checkpoint,
                ATTR_OUT_OF_ORDER: event.out_of_order,
                ATTR_REASON: event.reason,
                **(extra or {}),
            }
            self.compound.fire_event(EVENT_PATROL, data, context)
        if events:
            self._store.async_delay_save(self.route.as_stored, SAVE_DELAY)
        if self._timer:
            self._timer()
            self._timer = None
        if (when := self.route.next_transition) is not None:
            self._timer = async_track_point_in_utc_time(self.hass, self._on_timer, when)
        self._notify()

    def _notify(self) -> None:
        self._listeners.notify()

    def _issue_id(self, checkpoint: str) -> str:
        return f"{ISSUE_CHECKPOINT_MISSING}_{self.subentry.subentry_id}_{checkpoint}"

    def _check_checkpoints(self) -> None:
        """Raise a repair issue for every checkpoint whose tag no longer exists."""
        registry = er.async_get(self.hass)
        for checkpoint in self.config.checkpoints:
            if registry.async_get(checkpoint) is not None:
                ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(checkpoint))
                continue
            LOGGER.warning(
                "Checkpoint %s of patrol route %s no longer exists", checkpoint, log_safe(self.name)
            )
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._issue_id(checkpoint),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_CHECKPOINT_MISSING,
                translation_placeholders={ATTR_ROUTE: self.name, ATTR_CHECKPOINT: checkpoint},
            )


def _round_label(slot: datetime) -> str:
    return dt_util.as_local(slot).strftime("%H:%M")


def sensor_text(hass: HomeAssistant, sensor_key: str, path: str) -> str:
    """Return a text of a route sensor's translations in the installation's language.

    path is the key below the sensor, e.g. state.due or state_attributes.last_event.state.missed;
    the path's last part stands in for a text the language lacks.
    """
    return entity_text(hass, f"sensor.{sensor_key}.{path}")


def round_result_text(hass: HomeAssistant, result: str) -> str:
    """Return what happened to a round (an event type or a result), e.g. Round missed."""
    return sensor_text(hass, STATUS_KEY, f"state_attributes.{ATTR_LAST_EVENT}.state.{result}")
