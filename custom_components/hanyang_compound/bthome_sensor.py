"""BTHome sensors of a compound: manhole covers and shed thermometers heard by their advertisements."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from habluetooth import BluetoothServiceInfoBleak
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .ble_base import (
    FLOOD_LEVEL,
    HEARD,
    MANHOLE_DEPTH,
    OVERHEAT_THRESHOLD,
    SILENCE_TIMEOUT,
    TILT_THRESHOLD,
    BindKeyRepair,
    BleDevice,
    stored_bind_key,
    stored_number,
    stored_text,
)
from .compound import Compound
from .const import (
    ATTR_NEW_REASONS,
    ATTR_REASONS,
    ATTR_SENSOR,
    ATTR_SUBENTRY_ID,
    ATTR_TEMPERATURE,
    CONF_FLOOD_LEVEL,
    CONF_LOCATION,
    CONF_MANHOLE_DEPTH,
    CONF_OVERHEAT_THRESHOLD,
    CONF_ROLE,
    CONF_SILENCE_TIMEOUT,
    CONF_TILT_THRESHOLD,
    DEFAULT_FLOOD_LEVEL,
    DEFAULT_MANHOLE_DEPTH,
    DEFAULT_OVERHEAT_THRESHOLD,
    DEFAULT_SILENCE_TIMEOUT,
    DEFAULT_TILT_THRESHOLD,
    EVENT_MANHOLE_ATTENTION,
    EVENT_SHED_OVERHEAT,
    LOGGER,
    BTHomeRole,
)
from .coordinator import Listeners
from .devices.ble.bthome import BTHomeSensorDecoder
from .validation import InvalidSettingError

if TYPE_CHECKING:
    # Only for types: Home Assistant's bluetooth module is imported once Bluetooth runs, as
    # importing it needs the requirements of Bluetooth (and USB) that a failed setup may lack.
    from homeassistant.components.bluetooth import BluetoothChange

LOW_BATTERY_PERCENT = 20
ATTENTION_OPEN = "open"
ATTENTION_TILTED = "tilted"
ATTENTION_FLOODED = "flooded"
ATTENTION_LOW_BATTERY = "low_battery"
ATTENTION_SILENT = "silent"

MANHOLE: Final = frozenset({BTHomeRole.MANHOLE})
"""The roles of a manhole cover's entities."""
SHED: Final = frozenset({BTHomeRole.SHED_THERMOMETER})
"""The roles of a shed thermometer's entities."""
BOTH: Final = MANHOLE | SHED

ATTENTION: Final = "attention"
"""The figure of why a manhole needs attention, for those who follow only that."""
TEMPERATURE: Final = "temperature"
OVERHEATING: Final = "overheating"
ALARM_INPUTS: Final = {
    "cover_open": frozenset({"opening"}),
    "tilted": frozenset({"rotation"}),
    "flooded": frozenset({"distance", "moisture"}),
    "low_battery": frozenset({"battery"}),
    OVERHEATING: frozenset({TEMPERATURE}),
}
"""Each alarm (also the figure of its change) and the measurements it is worked out from."""
ROLE_ALARMS: Final = {
    BTHomeRole.MANHOLE: ("cover_open", "tilted", "flooded", "low_battery"),
    BTHomeRole.SHED_THERMOMETER: (OVERHEATING, "low_battery"),
}
ATTENTION_ALARMS: Final = (
    (ATTENTION_OPEN, "cover_open"),
    (ATTENTION_TILTED, "tilted"),
    (ATTENTION_FLOODED, "flooded"),
    (ATTENTION_LOW_BATTERY, "low_battery"),
)
"""The attention reason each of a manhole's alarms gives."""


class BTHomeSensorDevice(BleDevice):
    """A manhole cover or shed thermometer that broadcasts BTHome v2 advertisements.

    Advertisements come through Home Assistant's bluetooth integration (local adapters or
    proxies); the sensor is unavailable once silent longer than its timeout, and back with
    its next advertisement.
    """

    def __init__(self, compound: Compound, subentry: ConfigSubentry) -> None:
        """Check the stored settings and prepare the sensor's decoder; raise InvalidSettingError if one is bad."""
        super().__init__(compound, subentry)
        data = subentry.data
        try:
            self.role = BTHomeRole(data[CONF_ROLE])
        except (KeyError, TypeError, ValueError):
            raise InvalidSettingError(CONF_ROLE) from None
        self.location = stored_text(data, CONF_LOCATION)
        self.tilt_threshold = stored_number(
            TILT_THRESHOLD, data, CONF_TILT_THRESHOLD, DEFAULT_TILT_THRESHOLD
        )
        self.depth_cm = stored_number(
            MANHOLE_DEPTH, data, CONF_MANHOLE_DEPTH, DEFAULT_MANHOLE_DEPTH
        )
        self.flood_level_cm = stored_number(
            FLOOD_LEVEL, data, CONF_FLOOD_LEVEL, DEFAULT_FLOOD_LEVEL
        )
        self.overheat_threshold = stored_number(
            OVERHEAT_THRESHOLD, data, CONF_OVERHEAT_THRESHOLD, DEFAULT_OVERHEAT_THRESHOLD
        )
        self.silence_timeout = timedelta(
            minutes=stored_number(
                SILENCE_TIMEOUT, data, CONF_SILENCE_TIMEOUT, DEFAULT_SILENCE_TIMEOUT
            )
        )
        self._decoder = BTHomeSensorDecoder(stored_bind_key(data), label=self.title)
        self.values: dict[str, float | bool] = {}
        """The latest value of each measurement heard since start, by bthome-ble key."""
        self.restored: dict[str, float | bool] = {}
        """Values entities restored from before a restart, used until a live value arrives."""
        self.heard_recently = True
        """False once the sensor has been silent for longer than its timeout."""
        self._started_at = dt_util.utcnow()
        self._silence_check: CALLBACK_TYPE | None = None
        self.alarms: dict[str, bool | None] = {}
        """The latest of each of the role's alarms (cover_open, tilted, ...), by name."""
        self.attention_reasons: list[str] = []
        """Why a manhole needs attention (empty when it does not), as of the latest change."""
        self._reported_reasons: frozenset[str] = frozenset()
        """The attention reasons already announced by an event: only new ones are announced."""
        self._reported_overheating = False
        self._availability_listeners: Listeners[()] = Listeners()
        self._told_available = self.available
        self._bind_key_repair = BindKeyRepair(self)

    @property
    def available(self) -> bool:
        """Whether the sensor is heard: Bluetooth runs and it has not been silent too long."""
        return self.radio_ready and self.heard_recently

    @property
    def model(self) -> str:
        """A manhole cover sensor or a shed thermometer."""
        return "Manhole cover sensor" if self.role is BTHomeRole.MANHOLE else "Shed thermometer"

    @callback
    def async_listen(self) -> None:
        """Listen to the sensor's advertisements and watch for silence."""
        from homeassistant.components import bluetooth  # noqa: PLC0415 - see TYPE_CHECKING above

        self._started_at = dt_util.utcnow()
        self._unsubscribers.append(
            bluetooth.async_register_callback(
                self.hass,
                self._async_on_advertisement,
                bluetooth.BluetoothCallbackMatcher(address=self.address, connectable=False),
                bluetooth.BluetoothScanningMode.PASSIVE,
            )
        )
        bluetooth.async_set_fallback_availability_interval(
            self.hass, self.address, self.silence_timeout.total_seconds()
        )
        self._unsubscribers.append(
            bluetooth.async_track_unavailable(
                self.hass, self._async_on_unavailable, self.address, connectable=False
            )
        )
        self._schedule_silence_check(self.silence_timeout)
        self._unsubscribers.append(self._cancel_silence_check)
        # A sensor already heard before this start (a reload) has its latest advertisement ready.
        if service_info := bluetooth.async_last_service_info(
            self.hass, self.address, connectable=False
        ):
            self._async_on_advertisement(service_info, bluetooth.BluetoothChange.ADVERTISEMENT)

    @callback
    def async_add_availability_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call listener when the sensor becomes available or unavailable."""
        return self._availability_listeners.add(listener)

    @callback
    def restore(self, key: str, value: float | bool) -> None:  # noqa: FBT001 - a measurement, not a flag
        """Take a measurement from before the restart (its entity's last state) until one is heard."""
        if key not in self.restored:
            self.restored[key] = value
            # What was true before the restart was announced then, not again now.
            self._refresh_alarms(None)
            self.attention_reasons = self._attention_reasons()
            self._reported_reasons = frozenset(self.attention_reasons)
            self._reported_overheating = bool(self.alarms.get(OVERHEATING))
            self.notify()

    @property
    def incident_figure(self) -> str:
        """The figure whose change may begin or end an incident: a manhole's attention, a shed's overheating."""
        return ATTENTION if self.role is BTHomeRole.MANHOLE else OVERHEATING

    @callback
    def notify(self, figures: Collection[str] | None = None) -> None:
        """Tell the followers of the figures that changed (all without figures); announce new alarms."""
        if changed_alarms := self._refresh_alarms(figures):
            if figures is not None:
                figures = (*figures, *changed_alarms)
            if self.role is BTHomeRole.SHED_THERMOMETER:
                overheating = bool(self.alarms[OVERHEATING])
                if overheating and not self._reported_overheating:
                    self._fire(EVENT_SHED_OVERHEAT, {ATTR_TEMPERATURE: self.value(TEMPERATURE)})
                self._reported_overheating = overheating
        if self.role is BTHomeRole.MANHOLE and (figures is None or changed_alarms):
            figures = self._update_attention(figures)
        super().notify(figures)
        if (available := self.available) != self._told_available:
            self._told_available = available
            self._availability_listeners.notify()

    def _refresh_alarms(self, figures: Collection[str] | None) -> list[str]:
        """Work out the alarms whose measurements changed (all without figures); return those that changed."""
        changed = []
        for alarm in ROLE_ALARMS[self.role]:
            if figures is None or not ALARM_INPUTS[alarm].isdisjoint(figures):
                value = getattr(self, alarm)
                if alarm not in self.alarms or self.alarms[alarm] != value:
                    self.alarms[alarm] = value
                    changed.append(alarm)
        return changed

    def _update_attention(self, figures: Collection[str] | None) -> Collection[str] | None:
        """Work out why the manhole needs attention, announce new reasons; return figures with ATTENTION if changed."""
        reasons = self._attention_reasons()
        if reasons == self.attention_reasons:
            return figures
        self.attention_reasons = reasons
        if new_reasons := [reason for reason in reasons if reason not in self._reported_reasons]:
            self._fire(
                EVENT_MANHOLE_ATTENTION, {ATTR_REASONS: reasons, ATTR_NEW_REASONS: new_reasons}
            )
        self._reported_reasons = frozenset(reasons)
        return None if figures is None else (*figures, ATTENTION)

    def _fire(self, event_type: str, data: dict[str, object]) -> None:
        self.compound.fire_event(
            event_type,
            {ATTR_SENSOR: self.title, ATTR_SUBENTRY_ID: self.subentry.subentry_id, **data},
            None,
        )

    def value(self, key: str) -> float | bool | None:
        """Return a measurement: live if heard since start, otherwise as restored."""
        if key in self.values:
            return self.values[key]
        return self.restored.get(key)

    @property
    def water_level_cm(self) -> float | None:
        """Water level below the cover: the distance the sensor measures down to the water."""
        distance_mm = self.value("distance")
        if distance_mm is None:
            return None
        return round(float(distance_mm) / 10, 1)

    @property
    def water_height_cm(self) -> float | None:
        """How high water stands above the manhole's floor."""
        level = self.water_level_cm
        return None if level is None else round(self.depth_cm - level, 1)

    @property
    def cover_open(self) -> bool | None:
        """Whether the cover is lifted off its frame."""
        value = self.value("opening")
        return None if value is None else bool(value)

    @property
    def tilted(self) -> bool | None:
        """Whether the cover is rotated beyond the configured angle."""
        rotation = self.value("rotation")
        return None if rotation is None else abs(float(rotation)) > self.tilt_threshold

    @property
    def flooded(self) -> bool | None:
        """Whether water stands within the flood level of the cover, or the moisture probe is wet."""
        level = self.water_level_cm
        wet = self.value("moisture")
        if level is None and wet is None:
            return None
        return bool(wet) or (level is not None and level <= self.flood_level_cm)

    @property
    def low_battery(self) -> bool | None:
        """Whether the battery needs replacing soon."""
        battery = self.value("battery")
        return None if battery is None else float(battery) <= LOW_BATTERY_PERCENT

    @property
    def overheating(self) -> bool | None:
        """Whether a shed is hotter than its overheat threshold."""
        temperature = self.value(TEMPERATURE)
        return None if temperature is None else float(temperature) >= self.overheat_threshold

    def _attention_reasons(self) -> list[str]:
        """Why a manhole needs attention now, from its alarms and whether it is heard."""
        alarms = self.alarms
        reasons = [reason for reason, alarm in ATTENTION_ALARMS if alarms.get(alarm)]
        if not self.heard_recently:
            reasons.append(ATTENTION_SILENT)
        return reasons

    @callback
    def _async_on_advertisement(
        self, service_info: BluetoothServiceInfoBleak, change: BluetoothChange
    ) -> None:
        reading = self._decoder.decode(service_info)
        self._bind_key_repair.check(self._decoder.decryption_failures)
        if reading is None:
            return
        self.heard(service_info)
        live, restored = self.values, self.restored
        changed = [HEARD]
        for key, value in reading.values.items():
            if live.get(key, restored.get(key)) != value:
                changed.append(key)
            live[key] = value
        if self.heard_recently:
            self.notify(changed)
            return
        self.heard_recently = True
        LOGGER.info("%s is heard again", self.title)
        self.notify()

    @callback
    def _async_on_unavailable(self, service_info: BluetoothServiceInfoBleak) -> None:
        # The radio may give up on a sensor sooner than its configured timeout (it learns the
        # advertising interval): only a silence as long as the timeout makes it unavailable.
        self._check_silence()

    @callback
    def _cancel_silence_check(self) -> None:
        if self._silence_check:
            self._silence_check()
            self._silence_check = None

    def _schedule_silence_check(self, delay: timedelta) -> None:
        if self._silence_check:
            self._silence_check()
        self._silence_check = async_call_later(
            self.hass, max(delay.total_seconds(), 1.0), self._on_silence_check
        )

    @callback
    def _on_silence_check(self, _now: datetime) -> None:
        self._silence_check = None
        self._check_silence()

    @callback
    def _check_silence(self) -> None:
        silent_since = self.last_seen or self._started_at
        remaining = silent_since + self.silence_timeout - dt_util.utcnow()
        if remaining > timedelta(0):
            self._schedule_silence_check(remaining)
            return
        self._schedule_silence_check(self.silence_timeout)
        if self.heard_recently:
            self.heard_recently = False
            # Info, as Home Assistant's rule for unavailable devices asks: the entities say it too.
            LOGGER.info(
                "%s has not been heard for %s; unavailable until its next advertisement",
                self.title,
                self.silence_timeout,
            )
            self.notify()
