"""What compounds publish to their district, read and checked for the district's view: free of Home Assistant.

Every payload is checked for size and schema before anything is kept: a compound's broker
account may publish only under its own subtree, but what it publishes there is still data
from the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
import json
import math
import re
from typing import Any, Final

from .district_protocol import valid_identifier
from .modes import CompoundMode

MAX_STATE_BYTES: Final = 16384
"""A compound's summary: a mode, counts, and a few dozen entrances at most."""
MAX_ASSESSMENT_BYTES: Final = 8192
MAX_RESULT_BYTES: Final = 1024
MAX_ENTRANCES: Final = 200
MAX_INDICATORS: Final = 32
MAX_COUNT: Final = 10_000_000
MAX_TEXT: Final = 100
ONLINE, OFFLINE = "online", "offline"
RESULTS: Final = frozenset({"applied", "refused", "pending", "superseded"})
STATE_COUNTS: Final = (
    "passes_today",
    "fever_today",
    "no_mask_today",
    "manholes_attention",
    "sheds_overheating",
    "rounds_completed_today",
    "rounds_missed_today",
    "devices_offline",
)
"""The counts of a compound's summary; one missing counts as none."""
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")


class PublicationRejectedError(Exception):
    """A compound's publication that is not one: too large, no JSON object, or a field is wrong."""


@dataclass(frozen=True, slots=True)
class CompoundState:
    """A compound's summary as its district keeps it."""

    mode: CompoundMode
    entrances: Mapping[str, tuple[str, bool]]
    """Each entrance's state and whether it has a fault, by the compound's key."""
    counts: Mapping[str, int]
    patrol_overdue: bool
    name: str | None
    zone_name: str | None


@dataclass(frozen=True, slots=True)
class DirectiveResult:
    """What a compound reported about a directive."""

    directive_id: str
    result: str
    refusal: str | None


@dataclass(frozen=True, slots=True)
class IndicatorFigure:
    """One indicator of a compound's assessment: value against standard, and how many days met it."""

    value: float | None
    standard: float
    met: bool
    days_met: int
    days_counted: int


@dataclass(frozen=True, slots=True)
class CompoundAssessment:
    """A compound's published assessment: its property company and this month's indicators so far."""

    property_company: str | None
    month: str
    day: str
    today: Mapping[str, IndicatorFigure]
    month_so_far: Mapping[str, IndicatorFigure]


def _json_object(payload: bytes, limit: int) -> dict[str, Any]:
    if len(payload) > limit:
        raise PublicationRejectedError(f"larger than {limit} bytes")
    try:
        data = json.loads(payload, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as err:
        raise PublicationRejectedError("not JSON") from err
    if not isinstance(data, dict):
        raise PublicationRejectedError("not a JSON object")
    return data


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is no number")


def _count(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key, 0)
    if type(value) is not int or not 0 <= value <= MAX_COUNT:
        raise PublicationRejectedError(f"{key} is no count")
    return value


def _text(data: Mapping[str, Any], key: str, limit: int = MAX_TEXT) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise PublicationRejectedError(f"{key} invalid")
    return value.strip() or None


def _flag(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise PublicationRejectedError(f"{key} is no boolean")
    return value


def _mode(value: Any) -> CompoundMode:
    try:
        return CompoundMode(str(value))
    except ValueError as err:
        raise PublicationRejectedError("unknown mode") from err


def parse_state(payload: bytes) -> CompoundState:
    """Read a compound's summary; raise PublicationRejectedError saying what is wrong."""
    data = _json_object(payload, MAX_STATE_BYTES)
    raw_entrances = data.get("entrances", {})
    if not isinstance(raw_entrances, dict) or len(raw_entrances) > MAX_ENTRANCES:
        raise PublicationRejectedError("entrances invalid")
    entrances: dict[str, tuple[str, bool]] = {}
    for key, entrance in raw_entrances.items():
        if not isinstance(entrance, dict) or len(key) > MAX_TEXT:
            raise PublicationRejectedError("an entrance is invalid")
        state = _text(entrance, "state", 32)
        if state is None:
            raise PublicationRejectedError("an entrance has no state")
        entrances[key] = (state, _flag(entrance, "fault"))
    return CompoundState(
        mode=_mode(data.get("mode")),
        entrances=entrances,
        counts={key: _count(data, key) for key in STATE_COUNTS},
        patrol_overdue=_flag(data, "patrol_overdue"),
        name=_text(data, "name"),
        zone_name=_text(data, "zone"),
    )


def parse_availability(payload: bytes) -> bool:
    """Read a compound's availability: online or offline, nothing else."""
    if payload == ONLINE.encode():
        return True
    if payload == OFFLINE.encode():
        return False
    raise PublicationRejectedError("neither online nor offline")


def parse_result(payload: bytes) -> DirectiveResult:
    """Read what a compound reported about a directive."""
    data = _json_object(payload, MAX_RESULT_BYTES)
    directive_id = data.get("id")
    if not isinstance(directive_id, str) or not valid_identifier(directive_id):
        raise PublicationRejectedError("id missing or invalid")
    if not isinstance(result := data.get("result"), str) or result not in RESULTS:
        raise PublicationRejectedError("unknown result")
    refusal = data.get("refusal")
    if refusal is not None and (not isinstance(refusal, str) or not valid_identifier(refusal)):
        raise PublicationRejectedError("refusal invalid")
    return DirectiveResult(directive_id, result, refusal)


def _number(value: Any, key: str) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise PublicationRejectedError(f"{key} is no number")
    return float(value)


def _figures(data: Any, key: str) -> dict[str, IndicatorFigure]:
    if not isinstance(data, dict) or len(data) > MAX_INDICATORS:
        raise PublicationRejectedError(f"{key} invalid")
    figures: dict[str, IndicatorFigure] = {}
    for indicator, figure in data.items():
        if not valid_identifier(indicator) or not isinstance(figure, dict):
            raise PublicationRejectedError(f"an indicator of {key} is invalid")
        days_met = _count(figure, "days_met")
        days_counted = _count(figure, "days_counted")
        if days_met > days_counted:
            raise PublicationRejectedError("more days met than counted")
        figures[indicator] = IndicatorFigure(
            value=None if figure.get("value") is None else _number(figure["value"], "value"),
            standard=_number(figure.get("standard"), "standard"),
            met=_flag(figure, "met"),
            days_met=days_met,
            days_counted=days_counted,
        )
    return figures


def parse_assessment(payload: bytes) -> CompoundAssessment:
    """Read a compound's published assessment."""
    data = _json_object(payload, MAX_ASSESSMENT_BYTES)
    month, day = data.get("month"), data.get("day")
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise PublicationRejectedError("month invalid")
    if not isinstance(day, str) or not _DAY.fullmatch(day) or not day.startswith(month):
        raise PublicationRejectedError("day invalid")
    try:
        datetime.strptime(day, "%Y-%m-%d")  # noqa: DTZ007 - a calendar day, no instant
    except ValueError as err:
        raise PublicationRejectedError("day invalid") from err
    return CompoundAssessment(
        property_company=_text(data, "property_company"),
        month=month,
        day=day,
        today=_figures(data.get("today", {}), "today"),
        month_so_far=_figures(data.get("month_so_far", {}), "month_so_far"),
    )
