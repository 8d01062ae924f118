"""Constants shared across the Hanyang Compound integration."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
import logging
from typing import Any, Final

from .validation import NumberRange

DOMAIN: Final = "hanyang_compound"
LOGGER = logging.getLogger(__package__)
MANUFACTURER: Final = "Hanyang Compound"
"""The maker shown for devices that report none: the compound's own wiring and sensors."""
ISAPI_MANUFACTURER: Final = "Hikvision"
"""The maker of access terminals, whose deviceInfo does not say: ISAPI is Hikvision's protocol."""
MODE_KEY: Final = "mode"
"""Key of the compound's mode select: its unique id suffix and translation key."""

CONF_ZONE: Final = "zone"
CONF_SERVICE_TIER: Final = "service_tier"
CONF_SHARE_RESIDENT_IDENTITY: Final = "share_resident_identity"
CONF_FEVER_THRESHOLD: Final = "fever_threshold"
CONF_USERS_MAY_RESTRICT: Final = "users_may_restrict"
"""Option: users who are no administrators may start a lockdown or controlled mode."""
CONF_MODE_PIN: Final = "mode_pin"
"""Options form field of a new voice PIN; only its hash is stored, under CONF_MODE_PIN_HASH."""
CONF_MODE_PIN_HASH: Final = "mode_pin_hash"
CONF_CLEAR_MODE_PIN: Final = "clear_mode_pin"
CONF_DISTRICT_LINK: Final = "district_link"
CONF_DISTRICT: Final = "district"
CONF_DISTRICT_MAY: Final = "district_may"
CONF_ENTRY_KIND: Final = "kind"
"""What a config entry is: a district's entry says so; a compound's has no kind (compounds came first)."""
ENTRY_KIND_DISTRICT: Final = "district"


def is_district_data(data: Mapping[str, Any]) -> bool:
    """Whether a config entry's data is a district's (its view of the compounds), not a compound's."""
    return data.get(CONF_ENTRY_KIND) == ENTRY_KIND_DISTRICT


DEFAULT_FEVER_THRESHOLD: Final = 37.3
FEVER_THRESHOLD: Final = NumberRange(37.0, 39.0, 0.1, "°C")

EVENT_MODE_CHANGED: Final = f"{DOMAIN}_mode_changed"
EVENT_ENTRANCE_OVERRIDE: Final = f"{DOMAIN}_entrance_override"
EVENT_GATE_FAULT: Final = f"{DOMAIN}_gate_fault"
"""Fired when a barrier gate's arm stops short of where it was sent (jammed, or its limit switch failed)."""
EVENT_MANHOLE_ATTENTION: Final = f"{DOMAIN}_manhole_attention"
"""Fired when a manhole cover starts needing attention, and again for each reason added while it does."""
EVENT_SHED_OVERHEAT: Final = f"{DOMAIN}_shed_overheat"
"""Fired when an e-bike shed's temperature reaches its overheat threshold."""

ATTR_COMPOUND: Final = "compound"
ATTR_ENTRANCE: Final = "entrance"
ATTR_FAULT: Final = "fault"
ATTR_MODE: Final = "mode"
ATTR_OLD_MODE: Final = "old"
ATTR_NEW_MODE: Final = "new"
ATTR_REASON: Final = "reason"
ATTR_USER: Final = "user"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_DIRECTIVE: Final = "directive"
ATTR_ISSUER: Final = "issuer"

ATTR_VOICE: Final = "voice"
ATTR_PIN: Final = "pin"

REASON_MAX_LENGTH: Final = 200
PIN_MAX_LENGTH: Final = 60
"""Room for a PIN as speech-to-text writes it out (words, spaces)."""


class ServiceTier(StrEnum):
    """Service level the property manager provides at a compound."""

    BASIC = "basic"
    STANDARD = "standard"
    ENHANCED = "enhanced"


EVENT_PATROL: Final = f"{DOMAIN}_patrol"
EVENT_PATROL_REMINDER: Final = f"{DOMAIN}_patrol_reminder"
SNOOZE: Final = timedelta(minutes=10)
"""How long a volunteer's snooze of a round reminder lasts."""

ATTR_TYPE: Final = "type"
ATTR_ROUTE: Final = "route"
ATTR_ROUTE_ID: Final = "route_id"
ATTR_ROUND: Final = "round"
ATTR_CHECKPOINT: Final = "checkpoint"
ATTR_OUT_OF_ORDER: Final = "out_of_order"
ATTR_DEVICE_ID: Final = "device_id"

CONF_KEPT_OPEN_IN_LOCKDOWN: Final = "kept_open_in_lockdown"
"""An entrance's setting, a gate's or a terminal's door: it stays open in a lockdown."""

SUBENTRY_IO_MODULE: Final = "io_module"
SUBENTRY_BARRIER_GATE: Final = "barrier_gate"
SUBENTRY_SHED_LIGHT: Final = "shed_light"
SUBENTRY_SHED_SOCKET: Final = "shed_socket"
CONF_UNIT_ID: Final = "unit_id"
CONF_TRANSPORT: Final = "transport"
CONF_PROFILE: Final = "profile"
CONF_POLL_INTERVAL: Final = "poll_interval"
CONF_MODULE: Final = "module"
CONF_OPEN_RELAY: Final = "open_relay"
CONF_CLOSE_RELAY: Final = "close_relay"
CONF_STOP_RELAY: Final = "stop_relay"
CONF_PULSE_SECONDS: Final = "pulse_seconds"
CONF_OPEN_LIMIT: Final = "open_limit"
CONF_CLOSED_LIMIT: Final = "closed_limit"
CONF_VEHICLE_LOOP: Final = "vehicle_loop"
CONF_TRAVEL_TIMEOUT: Final = "travel_timeout"
CONF_RELAY: Final = "relay"
"""The relay of a shed output."""

SUBENTRY_ACCESS_TERMINAL: Final = "access_terminal"
CONF_SERIAL_NUMBER: Final = "serial_number"
CONF_DOOR: Final = "door"
CONF_ALERT_DURATION: Final = "alert_duration"
CONF_MODEL: Final = "model"
CONF_FIRMWARE: Final = "firmware"
ATTR_SUBENTRY_ID: Final = "subentry_id"
"""The terminal whose credentials a compound's reauth flow asks for: Home Assistant has no
reauth flow for a subentry, so a terminal that refuses its credentials starts its compound's."""

SUBENTRY_PATROL_ROUTE: Final = "patrol_route"
CONF_CHECKPOINTS: Final = "checkpoints"
CONF_ORDERED: Final = "ordered"
CONF_SCHEDULE_PREFIX: Final = "schedule_"
CONF_GRACE_MINUTES: Final = "grace_minutes"
CONF_DURATION_MINUTES: Final = "duration_minutes"


SUBENTRY_BLE_THERMOMETER: Final = "ble_thermometer"
SUBENTRY_BTHOME_SENSOR: Final = "bthome_sensor"
CONF_SERVES: Final = "serves"
CONF_BIND_KEY: Final = "bind_key"
CONF_ROLE: Final = "role"
CONF_LOCATION: Final = "location"
CONF_AREA: Final = "area"
CONF_COMPOUND: Final = "compound"
CONF_TILT_THRESHOLD: Final = "tilt_threshold"
CONF_MANHOLE_DEPTH: Final = "manhole_depth"
CONF_FLOOD_LEVEL: Final = "flood_level"
CONF_SILENCE_TIMEOUT: Final = "silence_timeout"
CONF_OVERHEAT_THRESHOLD: Final = "overheat_threshold"
DEFAULT_TILT_THRESHOLD: Final = 15.0
DEFAULT_MANHOLE_DEPTH: Final = 150.0
DEFAULT_FLOOD_LEVEL: Final = 30.0
DEFAULT_SILENCE_TIMEOUT: Final = 60.0
DEFAULT_OVERHEAT_THRESHOLD: Final = 45.0


class BTHomeRole(StrEnum):
    """What a BTHome sensor of the compound watches."""

    MANHOLE = "manhole"
    SHED_THERMOMETER = "shed_thermometer"


ATTR_REASONS: Final = "reasons"
ATTR_NEW_REASONS: Final = "new_reasons"
ATTR_SENSOR: Final = "sensor"
ATTR_MANHOLES: Final = "manholes"
ATTR_SHEDS: Final = "sheds"
ATTR_TEMPERATURE_TYPE: Final = "temperature_type"
ATTR_FEVER: Final = "fever"
EVENT_READING: Final = "reading"
EVENT_SCREENING_ALERT: Final = f"{DOMAIN}_screening_alert"
"""Fired in controlled and lockdown modes when an entrance in use screens fever or a missing mask."""
ATTR_ALERT: Final = "alert"
"""The screening that raised a screening alert: fever_detected or no_mask, as the event entity names it."""
ATTR_TEMPERATURE: Final = "temperature"

CONF_PROPERTY_COMPANY: Final = "property_company"
"""Option: the property company that runs the compound, free text, so assessments compare across companies."""
PROPERTY_COMPANY_MAX_LENGTH: Final = 100
ATTR_VALUE: Final = "value"
ATTR_STANDARD: Final = "standard"
ATTR_MET: Final = "met"
ATTR_MONTH: Final = "month"
ATTR_FORMAT: Final = "format"
