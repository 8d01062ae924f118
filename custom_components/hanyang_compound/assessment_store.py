"""The assessment's recorder: follows a compound's events and devices, and keeps the daily aggregates in a Store."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Final, Protocol, runtime_checkable

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_NAME
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .assessment import INDICATORS, Figure, Indicator, day_figure, day_figures, standards
from .assessment_book import AssessmentBook
from .bthome_sensor import BTHomeSensorDevice
from .compound import Compound
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_ENTRANCE,
    ATTR_ROUND,
    ATTR_ROUTE,
    ATTR_ROUTE_ID,
    ATTR_TYPE,
    CONF_ROLE,
    CONF_SERVICE_TIER,
    DOMAIN,
    EVENT_PATROL,
    EVENT_SCREENING_ALERT,
    SUBENTRY_ACCESS_TERMINAL,
    SUBENTRY_BARRIER_GATE,
    SUBENTRY_BTHOME_SENSOR,
    SUBENTRY_PATROL_ROUTE,
    BTHomeRole,
)
from .coordinator import Listeners, OncePerTurn
from .interfaces import DeviceWithAvailability, Entrance
from .notification_actions import EVENT_ALERT_ACKNOWLEDGED

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 10
HEARTBEAT: Final = timedelta(minutes=5)
"""How often the recorder notes that Home Assistant runs; longer silences were downtime."""
DOWNTIME_AFTER: Final = HEARTBEAT * 2


@runtime_checkable
class WatchedEntrance(Entrance, DeviceWithAvailability, Protocol):
    """An entrance whose availability counts: a gate or an access terminal."""


ASSESSED_BY: Final[Mapping[Indicator, frozenset[str]]] = {
    Indicator.PATROL_ROUNDS: frozenset({SUBENTRY_PATROL_ROUTE}),
    Indicator.PATROL_ON_TIME: frozenset({SUBENTRY_PATROL_ROUTE}),
    Indicator.ALERT_ACKNOWLEDGEMENT: frozenset({SUBENTRY_ACCESS_TERMINAL}),
    Indicator.ENTRANCE_AVAILABILITY: frozenset({SUBENTRY_ACCESS_TERMINAL, SUBENTRY_BARRIER_GATE}),
    Indicator.MANHOLE_RESOLUTION: frozenset({f"{SUBENTRY_BTHOME_SENSOR}.{BTHomeRole.MANHOLE}"}),
    Indicator.SHED_OVERHEAT: frozenset({f"{SUBENTRY_BTHOME_SENSOR}.{BTHomeRole.SHED_THERMOMETER}"}),
}
"""The devices (subentry types, a BTHome sensor's with its role) whose presence an indicator measures."""


def assessed_indicators(entry: ConfigEntry[Any]) -> list[Indicator]:
    """Return the indicators a compound's devices let it measure, for its sensors.

    A compound without patrol routes, entrances or such sensors meets those standards trivially;
    a sensor showing so would only be noise. Reports list every indicator all the same.
    """
    kinds = {
        f"{subentry.subentry_type}.{subentry.data.get(CONF_ROLE)}"
        if subentry.subentry_type == SUBENTRY_BTHOME_SENSOR
        else subentry.subentry_type
        for subentry in entry.subentries.values()
    }
    return [indicator for indicator, needs in ASSESSED_BY.items() if needs & kinds]


def assessment_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the store of a compound's daily aggregates."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.assessment.{entry_id}", atomic_writes=True)


class AssessmentRecorder:
    """Keeps one compound's assessment up to date, from the bus and from its devices' listeners."""

    def __init__(self, hass: HomeAssistant, compound: Compound) -> None:
        """Prepare the recorder; nothing is followed until async_start."""
        self.hass = hass
        self.compound = compound
        self._store = assessment_store(hass, compound.entry.entry_id)
        # A change of the options reloads the compound, and with it the recorder.
        self.standards = standards(compound.entry.data[CONF_SERVICE_TIER], compound.entry.options)
        """The compound's standards: its tier's, tightened by its options."""
        self.book = AssessmentBook(dt_util.get_default_time_zone(), self.standards)
        self._listeners: Listeners[()] = Listeners()
        self._figures: dict[Indicator, Figure] = {}
        """Today's figures counted since the last change, by indicator."""
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._entrances: list[str] = []
        self._incident_open: dict[str, bool] = {}
        """Whether each followed sensor's incident was open when it last told a change."""
        # Incidents of many sensors heard in the same instant are counted and told once.
        self._tell_listeners = OncePerTurn(self._listeners.notify)

    async def async_start(self) -> None:
        """Restore the aggregates, note any downtime, and follow the compound's events.

        Called before the devices start, so that what a patrol route reports on resuming is heard.
        """
        self.book = AssessmentBook(
            dt_util.get_default_time_zone(), self.standards, await self._store.async_load()
        )
        self.book.resume(dt_util.utcnow(), DOWNTIME_AFTER)
        bus = self.hass.bus
        self._unsubscribe += [
            bus.async_listen(EVENT_PATROL, self._on_patrol, self._ours),
            bus.async_listen(EVENT_SCREENING_ALERT, self._on_alert, self._ours),
            bus.async_listen(EVENT_ALERT_ACKNOWLEDGED, self._on_acknowledged),
            async_track_time_interval(self.hass, self._on_heartbeat, HEARTBEAT),
        ]
        self._save()

    @callback
    def async_follow_devices(self) -> None:
        """Follow the entrances' availability and the manholes' and sheds' incidents."""
        now = dt_util.utcnow()
        for device in self.compound.devices.values():
            if isinstance(device, WatchedEntrance):
                listener = partial(self._on_entrance, device)
                self._unsubscribe.append(device.async_add_availability_listener(listener))
                self.book.entrance(device.entrance_name, now, available=device.available)
                self._entrances.append(device.entrance_name)
        for sensor in self.compound.devices.of_kind(BTHomeSensorDevice):
            self._unsubscribe.append(
                sensor.async_add_listener(
                    partial(self._on_sensor, sensor), (sensor.incident_figure,)
                )
            )
            self._on_sensor(sensor)

    async def async_stop(self) -> None:
        """Stop following and save: alerts and incidents stay open for the next start.

        An entrance's outage ends here, as far as Home Assistant saw it; the entrance is asked
        again when the compound starts.
        """
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self._tell_listeners.cancel()
        now = dt_util.utcnow()
        for entrance in self._entrances:
            self.book.forget_entrance(entrance, now)
        self._entrances.clear()
        self.book.heartbeat(now)
        await self._store.async_save(self.book.as_stored())

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call listener whenever an indicator may have changed; returns the function that stops it."""
        return self._listeners.add(listener)

    def today(self) -> list[Figure]:
        """Return today's indicators so far against the standards in force.

        Counted once per change (every followed event and the heartbeat are one).
        """
        if len(self._figures) < len(INDICATORS):
            figures = day_figures(self._today_record(), self.standards)
            self._figures = {figure.indicator: figure for figure in figures}
        return list(self._figures.values())

    def figure(self, indicator: Indicator) -> Figure:
        """Return one of today's indicators so far, counted once per change.

        Each of the compound's assessment sensors asks for its own on each change: an incident
        at a manhole counts that indicator again, not all of them.
        """
        if (figure := self._figures.get(indicator)) is None:
            figure = day_figure(indicator, self._today_record(), self.standards)
            self._figures[indicator] = figure
        return figure

    def _today_record(self) -> Mapping[str, Any]:
        now = dt_util.utcnow()
        self.book.advance(now)
        return self.book.day(now, today=True)

    def days(self) -> Mapping[str, Mapping[str, Any]]:
        """Return the daily aggregates by local day (YYYY-MM-DD), today's accounted up to now."""
        self._today_record()
        return self.book.days

    # What is followed

    @callback
    def _ours(self, event_data: dict[str, Any]) -> bool:
        return bool(event_data.get(ATTR_CONFIG_ENTRY_ID) == self.compound.entry.entry_id)

    @callback
    def _on_patrol(self, event: Event[dict[str, Any]]) -> None:
        slot = dt_util.parse_datetime(str(event.data.get(ATTR_ROUND)))
        if slot is None:
            return
        self.book.patrol(
            str(event.data.get(ATTR_TYPE)),
            str(event.data.get(ATTR_ROUTE_ID)),
            str(event.data.get(ATTR_ROUTE)),
            slot,
        )
        self._changed()

    @callback
    def _on_alert(self, event: Event[dict[str, Any]]) -> None:
        self.book.alert(str(event.data.get(ATTR_ENTRANCE)), dt_util.utcnow())
        self._changed()

    @callback
    def _on_acknowledged(self, event: Event[dict[str, Any]]) -> None:
        # The phone's action names the access event entity and the screening's serial number.
        entity_id = str(event.data.get("alert", "")).rsplit("-", 1)[0]
        if (entrance := self._entrance_of(entity_id)) is not None and self.book.acknowledged(
            entrance, dt_util.utcnow()
        ):
            self._changed()

    def _entrance_of(self, entity_id: str) -> str | None:
        registered = er.async_get(self.hass).async_get(entity_id)
        entry = self.compound.entry
        if registered is None or registered.config_entry_id != entry.entry_id:
            return None
        subentry_id = registered.config_subentry_id
        device: object = self.compound.devices.get(subentry_id or "")
        if isinstance(device, Entrance):
            return device.entrance_name
        subentry = entry.subentries.get(subentry_id or "")
        return None if subentry is None else str(subentry.data.get(CONF_NAME, subentry.title))

    @callback
    def _on_entrance(self, device: WatchedEntrance) -> None:
        now = dt_util.utcnow()
        if self.book.entrance(device.entrance_name, now, available=device.available):
            self._changed()

    @callback
    def _on_sensor(self, sensor: BTHomeSensorDevice) -> None:
        # Called when its attention or temperature changes: only a beginning or an end is news.
        if sensor.role is BTHomeRole.MANHOLE:
            indicator, active = Indicator.MANHOLE_RESOLUTION, bool(sensor.attention_reasons)
        else:
            indicator, active = Indicator.SHED_OVERHEAT, bool(sensor.overheating)
        if self._incident_open.get(sensor.title) is active:
            return
        self._incident_open[sensor.title] = active
        if self.book.incident(indicator, sensor.title, dt_util.utcnow(), active=active):
            self._changed()

    @callback
    def _on_heartbeat(self, now: datetime) -> None:
        self.book.heartbeat(now)
        self._changed()

    def _changed(self) -> None:
        self._figures = {}
        self._save()
        self._tell_listeners.request()

    def _save(self) -> None:
        self._store.async_delay_save(self.book.as_stored, SAVE_DELAY)
