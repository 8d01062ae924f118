"""Typed events of an access terminal, decoded from alert-stream parts and history-search records.

Errors name the field that could not be read, never its value: values are residents' names,
numbers and temperatures, and error texts reach logs and diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import json
from typing import Any

from .errors import MalformedPartError
from .multipart import Part

MAJOR_ALARM = 1
MAJOR_EXCEPTION = 2
MAJOR_OPERATION = 3
MAJOR_EVENT = 5

MINOR_CARD_PASSED = 0x01
MINOR_FINGERPRINT_PASSED = 0x26
MINOR_FINGERPRINT_FAILED = 0x27
MINOR_FACE_PASSED = 0x4B
MINOR_FACE_FAILED = 0x4C
MINOR_REMOTE_OPEN_DOOR = 0x400

GRANTED_MINORS = frozenset({MINOR_CARD_PASSED, MINOR_FINGERPRINT_PASSED, MINOR_FACE_PASSED})
DENIED_MINORS = frozenset({MINOR_FINGERPRINT_FAILED, MINOR_FACE_FAILED})


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The terminal's sign of life between events."""


@dataclass(frozen=True, slots=True)
class AccessEvent:
    """One access-control record: a person screened at the door, or an operation on it."""

    serial_no: int
    major: int
    minor: int
    time: datetime | None
    current: bool
    """False for records the terminal replays from its history when a stream starts."""
    name: str | None = None
    employee_no: str | None = None
    verify_mode: str | None = None
    mask: bool | None = None
    temperature_c: float | None = None
    abnormal_temperature: bool | None = None
    door_no: int | None = None

    @property
    def granted(self) -> bool:
        """Whether the terminal let the person through."""
        return self.major == MAJOR_EVENT and self.minor in GRANTED_MINORS

    @property
    def denied(self) -> bool:
        """Whether the terminal refused the person."""
        return self.major == MAJOR_EVENT and self.minor in DENIED_MINORS

    @property
    def remote_open(self) -> bool:
        """Whether the door was opened by a remote command."""
        return self.major == MAJOR_OPERATION and self.minor == MINOR_REMOTE_OPEN_DOOR


type StreamItem = AccessEvent | Heartbeat | MalformedPartError
"""What the alert stream yields: events, heartbeats, and one error per unreadable part."""


def celsius(value: float, unit: str | None) -> float:
    """Return a temperature the terminal reported in unit (celsius, fahrenheit, kelvin) in °C."""
    match (unit or "celsius").strip().lower():
        case "fahrenheit" | "f":
            result = (value - 32) * 5 / 9
        case "kelvin" | "k":
            result = value - 273.15
        case "celsius" | "c":
            result = value
        case _:
            raise MalformedPartError("thermometryUnit is no known unit")
    return round(result, 2)


def _int(record: dict[str, Any], key: str) -> int | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedPartError(f"{key} must be a non-negative integer")
    return value


def _required_int(record: dict[str, Any], key: str) -> int:
    value = _int(record, key)
    if value is None:
        raise MalformedPartError(f"{key} is missing")
    return value


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise MalformedPartError(f"{key} must be text")
    return str(value)


def _flag(record: dict[str, Any], key: str) -> bool | None:
    value = record.get(key)
    match value:
        case None | "unknown" | "":
            return None
        case True | "yes" | "true":
            return True
        case False | "no" | "false":
            return False
    raise MalformedPartError(f"{key} must be yes or no")


def _time(value: Any) -> datetime | None:
    # The terminal's clock is unreliable and only informative; a bad one never rejects an event.
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _temperature(record: dict[str, Any]) -> float | None:
    value = record.get("currTemperature")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:  # noqa: PLR0124 - NaN
        raise MalformedPartError("currTemperature must be a number")
    return celsius(float(value), _text(record, "thermometryUnit"))


def _access_event(
    record: dict[str, Any], *, major_key: str, minor_key: str, time: Any, current: bool
) -> AccessEvent:
    return AccessEvent(
        serial_no=_required_int(record, "serialNo"),
        major=_required_int(record, major_key),
        minor=_required_int(record, minor_key),
        time=_time(time),
        current=current,
        name=_text(record, "name"),
        employee_no=_text(record, "employeeNoString"),
        verify_mode=_text(record, "currentVerifyMode"),
        mask=_flag(record, "mask"),
        temperature_c=_temperature(record),
        abnormal_temperature=_flag(record, "isAbnomalTemperature"),
        door_no=_int(record, "doorNo"),
    )


def decode_history_record(record: Any) -> AccessEvent:
    """Decode one record of a history search answer (AcsEvent.InfoList)."""
    if not isinstance(record, dict):
        raise MalformedPartError("a history record must be an object")
    return _access_event(
        record, major_key="major", minor_key="minor", time=record.get("time"), current=True
    )


def decode_part(part: Part) -> AccessEvent | Heartbeat | None:
    """Decode a stream part; None for parts that carry nothing to act on (pictures, other events)."""
    content_type = part.content_type
    if content_type.startswith("image/"):
        return None
    body = part.body.strip()
    if body.startswith(b"<"):
        # XML notifications (older firmware's heartbeats) carry no access data.
        return Heartbeat() if b"<eventType>heartBeat</eventType>" in body else None
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise MalformedPartError(f"a part is neither JSON nor XML ({type(err).__name__})") from None
    if not isinstance(envelope, dict):
        raise MalformedPartError("a JSON part must be an object")
    event_type = envelope.get("eventType")
    if event_type == "heartBeat":
        return Heartbeat()
    if event_type != "AccessControllerEvent":
        return None
    record = envelope.get("AccessControllerEvent")
    if not isinstance(record, dict):
        raise MalformedPartError("AccessControllerEvent must be an object")
    current = record.get("currentEvent", True)
    if not isinstance(current, bool):
        raise MalformedPartError("currentEvent must be true or false")
    return _access_event(
        record,
        major_key="majorEventType",
        minor_key="subEventType",
        time=envelope.get("dateTime"),
        current=current,
    )


class Screening(StrEnum):
    """What an access record means for the people watching the entrance, one outcome per record."""

    FEVER_DETECTED = "fever_detected"
    NO_MASK = "no_mask"
    ACCESS_GRANTED = "access_granted"
    ACCESS_DENIED = "access_denied"
    DOOR_OPENED_REMOTELY = "door_opened_remotely"
    OTHER = "other"


def is_fever(event: AccessEvent, fever_threshold: float) -> bool:
    """Whether the record shows fever; the compound's threshold wins over the terminal's own flag."""
    if event.temperature_c is not None:
        return event.temperature_c >= fever_threshold
    return bool(event.abnormal_temperature)


def screening(event: AccessEvent, fever_threshold: float) -> Screening:
    """Classify a record, the most urgent outcome first: fever, then a missing mask, then access."""
    if event.remote_open:
        return Screening.DOOR_OPENED_REMOTELY
    if is_fever(event, fever_threshold):
        return Screening.FEVER_DETECTED
    if event.mask is False:
        return Screening.NO_MASK
    if event.granted:
        return Screening.ACCESS_GRANTED
    if event.denied:
        return Screening.ACCESS_DENIED
    return Screening.OTHER
