"""Service assessment standards per tier and the arithmetic of its indicators, free of Home Assistant."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
import math
from typing import Any, Final

from .validation import NumberRange

HA_DOWN_TOLERANCE_SECONDS: Final = 3600
"""A day on which Home Assistant was down longer than this is not counted against the company."""


class Indicator(StrEnum):
    """What the district measures of a compound's service."""

    PATROL_ROUNDS = "patrol_rounds"
    PATROL_ON_TIME = "patrol_on_time"
    ALERT_ACKNOWLEDGEMENT = "alert_acknowledgement"
    ENTRANCE_AVAILABILITY = "entrance_availability"
    MANHOLE_RESOLUTION = "manhole_resolution"
    SHED_OVERHEAT = "shed_overheat"


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """How an indicator is judged: its unit, the values a standard may take, and which way is better."""

    unit: str
    bounds: NumberRange
    at_least: bool
    """True when a value at or above the standard meets it; else at or below meets it."""
    defaults: Mapping[str, float]
    """The standard of each service tier."""

    def tightening_range(self, tier: str) -> NumberRange:
        """Return the standards a compound of tier may choose: its tier's, or stricter."""
        default = self.defaults[tier]
        if self.at_least:
            return NumberRange(default, self.bounds.maximum, self.bounds.step, self.bounds.unit)
        return NumberRange(self.bounds.minimum, default, self.bounds.step, self.bounds.unit)

    def meets(self, value: float, standard: float) -> bool:
        """Whether value meets standard."""
        return value >= standard if self.at_least else value <= standard


def _tiers(basic: float, standard: float, enhanced: float) -> Mapping[str, float]:
    return {"basic": basic, "standard": standard, "enhanced": enhanced}


INDICATORS: Final[Mapping[Indicator, IndicatorSpec]] = {
    Indicator.PATROL_ROUNDS: IndicatorSpec(
        "rounds", NumberRange(0, 48, 1), at_least=True, defaults=_tiers(2, 4, 6)
    ),
    Indicator.PATROL_ON_TIME: IndicatorSpec(
        "%", NumberRange(0, 100, 1, "%"), at_least=True, defaults=_tiers(80, 90, 95)
    ),
    Indicator.ALERT_ACKNOWLEDGEMENT: IndicatorSpec(
        "min", NumberRange(1, 1440, 1, "min"), at_least=False, defaults=_tiers(30, 15, 5)
    ),
    Indicator.ENTRANCE_AVAILABILITY: IndicatorSpec(
        "%", NumberRange(0, 100, 0.1, "%"), at_least=True, defaults=_tiers(95, 98, 99.5)
    ),
    Indicator.MANHOLE_RESOLUTION: IndicatorSpec(
        "min", NumberRange(1, 10080, 1, "min"), at_least=False, defaults=_tiers(240, 120, 60)
    ),
    Indicator.SHED_OVERHEAT: IndicatorSpec(
        "min", NumberRange(1, 1440, 1, "min"), at_least=False, defaults=_tiers(30, 15, 10)
    ),
}
"""Every indicator, in the order reports list them."""


def standard_option(indicator: Indicator) -> str:
    """Return the compound option that tightens an indicator's standard."""
    return f"standard_{indicator}"


def standards(tier: str, options: Mapping[str, Any]) -> dict[Indicator, float]:
    """Return the compound's standards: the tier's, tightened where its options say so.

    A stored value that is no number of the tightening range (changed by hand) is ignored, so a
    damaged option can never loosen the tier's standard.
    """
    result: dict[Indicator, float] = {}
    for indicator, spec in INDICATORS.items():
        valid = spec.tightening_range(tier)
        try:
            result[indicator] = valid.parse(options[standard_option(indicator)])
        except (KeyError, ValueError):
            result[indicator] = spec.defaults[tier]
    return result


class MissKind(StrEnum):
    """Why a day fell short of a standard, as the report lists it."""

    ROUND_MISSED = "round_missed"
    ROUND_LATE = "round_late"
    ALERT_LATE = "alert_late"
    ALERT_UNACKNOWLEDGED = "alert_unacknowledged"
    OUTAGE = "outage"
    MANHOLE_SLOW = "manhole_slow"
    SHED_SLOW = "shed_slow"


MISS_INDICATORS: Final[Mapping[MissKind, frozenset[Indicator]]] = {
    MissKind.ROUND_MISSED: frozenset({Indicator.PATROL_ROUNDS, Indicator.PATROL_ON_TIME}),
    MissKind.ROUND_LATE: frozenset({Indicator.PATROL_ON_TIME}),
    MissKind.ALERT_LATE: frozenset({Indicator.ALERT_ACKNOWLEDGEMENT}),
    MissKind.ALERT_UNACKNOWLEDGED: frozenset({Indicator.ALERT_ACKNOWLEDGEMENT}),
    MissKind.OUTAGE: frozenset({Indicator.ENTRANCE_AVAILABILITY}),
    MissKind.MANHOLE_SLOW: frozenset({Indicator.MANHOLE_RESOLUTION}),
    MissKind.SHED_SLOW: frozenset({Indicator.SHED_OVERHEAT}),
}
"""Which indicators each listed case weighs on, so a report gives an indicator only its own reasons."""


@dataclass(frozen=True, slots=True)
class Figure:
    """An indicator's value against its standard; the value is NaN when no day was counted."""

    indicator: Indicator
    value: float
    standard: float
    met: bool


def _slowest(day: Mapping[str, Any], key: str) -> float:
    return round(float(day.get(key, 0)) / 60, 1)


def day_value(indicator: Indicator, day: Mapping[str, Any]) -> float:
    """Return an indicator's value for one day's stored aggregates."""
    if indicator is Indicator.PATROL_ROUNDS:
        return float(day.get("rounds_completed", 0))
    if indicator is Indicator.PATROL_ON_TIME:
        due = day.get("rounds_started", 0) + day.get("rounds_missed", 0)
        return 100.0 if not due else round(100 * day.get("rounds_on_time", 0) / due, 1)
    if indicator is Indicator.ENTRANCE_AVAILABILITY:
        observed = float(day.get("entrance_seconds", 0))
        down = float(day.get("entrance_down_seconds", 0))
        return 100.0 if observed <= 0 else round(100 * (1 - down / observed), 2)
    return _slowest(day, f"{indicator}_slowest")


def open_items(indicator: Indicator, day: Mapping[str, Any]) -> int:
    """Return how many alerts or incidents of a day were still not handled."""
    return int(day.get(f"{indicator}_open", 0))


def day_standards(
    day: Mapping[str, Any], fallback: Mapping[Indicator, float]
) -> dict[Indicator, float]:
    """Return the standards in force on a day as the day recorded them (fallback for those it lacks)."""
    return {indicator: day_standard(indicator, day, fallback) for indicator in INDICATORS}


def day_standard(
    indicator: Indicator, day: Mapping[str, Any], fallback: Mapping[Indicator, float]
) -> float:
    """Return one indicator's standard in force on a day (fallback if the day lacks it)."""
    return float(day.get("standards", {}).get(indicator, fallback[indicator]))


def met_on(indicator: Indicator, day: Mapping[str, Any], standard: float) -> bool:
    """Whether a day met an indicator's standard: its value, and nothing left unhandled."""
    return INDICATORS[indicator].meets(day_value(indicator, day), standard) and not open_items(
        indicator, day
    )


def day_figure(
    indicator: Indicator, day: Mapping[str, Any], fallback: Mapping[Indicator, float]
) -> Figure:
    """Return one indicator of one day against its standard in force that day."""
    standard = day_standard(indicator, day, fallback)
    return Figure(indicator, day_value(indicator, day), standard, met_on(indicator, day, standard))


def day_figures(day: Mapping[str, Any], fallback: Mapping[Indicator, float]) -> list[Figure]:
    """Return every indicator of one day against the standards in force that day."""
    return [day_figure(indicator, day, fallback) for indicator in INDICATORS]


def counted(day: Mapping[str, Any]) -> bool:
    """Whether a day counts for the company: Home Assistant was not down for long that day."""
    return float(day.get("ha_down_seconds", 0)) <= HA_DOWN_TOLERANCE_SECONDS


def month_figures(
    days: Iterable[Mapping[str, Any]], fallback: Mapping[Indicator, float]
) -> list[Figure]:
    """Return the month's indicators over its counted days: averages and shares, worst times.

    The month is judged by the standards of its last counted day, and met when every counted
    day met the standard of that day.
    """
    kept = [day for day in days if counted(day)]
    in_force = day_standards(kept[-1], fallback) if kept else dict(fallback)
    figures = []
    for indicator in INDICATORS:
        standard = in_force[indicator]
        values = [day_value(indicator, day) for day in kept]
        if not values:
            figures.append(Figure(indicator, math.nan, standard, met=True))
            continue
        if indicator is Indicator.PATROL_ROUNDS:
            value = round(sum(values) / len(values), 1)
        elif indicator is Indicator.PATROL_ON_TIME:
            value = day_value(
                indicator, _summed(kept, "rounds_started", "rounds_missed", "rounds_on_time")
            )
        elif indicator is Indicator.ENTRANCE_AVAILABILITY:
            value = day_value(indicator, _summed(kept, "entrance_seconds", "entrance_down_seconds"))
        else:
            value = max(values)
        days_met = all(
            met_on(indicator, day, day_standards(day, fallback)[indicator]) for day in kept
        )
        figures.append(Figure(indicator, value, standard, met=days_met))
    return figures


def _summed(days: list[Mapping[str, Any]], *keys: str) -> dict[str, float]:
    return {key: sum(float(day.get(key, 0)) for day in days) for key in keys}
