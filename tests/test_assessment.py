"""Tests of the assessment's standards per tier and of each indicator's arithmetic, from scripted events."""

from __future__ import annotations

from datetime import datetime, timedelta
import math
from zoneinfo import ZoneInfo

import pytest

from custom_components.hanyang_compound.assessment import (
    INDICATORS,
    Indicator,
    day_figures,
    month_figures,
    standard_option,
    standards,
)
from custom_components.hanyang_compound.assessment_book import DETAILS_PER_DAY, AssessmentBook

WUHAN = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 3, tzinfo=WUHAN)


def at(hour: int, minute: int = 0, day: datetime = DAY) -> datetime:
    """Return a local instant of the scripted day."""
    return day.replace(hour=hour, minute=minute)


def book(tier: str = "standard") -> AssessmentBook:
    """Return a new compound's book, started at midnight."""
    new = AssessmentBook(WUHAN, standards(tier, {}))
    new.resume(at(0), timedelta(minutes=10))
    return new


def figures(book_: AssessmentBook, when: datetime = DAY) -> dict[Indicator, tuple[float, bool]]:
    """Return the day's value and whether it met its standard, by indicator."""
    return {
        figure.indicator: (figure.value, figure.met)
        for figure in day_figures(book_.day(when), book_.standards)
    }


@pytest.mark.parametrize(
    ("tier", "expected"),
    [
        ("basic", [2, 80, 30, 95, 240, 30]),
        ("standard", [4, 90, 15, 98, 120, 15]),
        ("enhanced", [6, 95, 5, 99.5, 60, 10]),
    ],
)
def test_each_tier_brings_its_standard(tier: str, expected: list[float]) -> None:
    """Every tier has a default for every indicator, stricter tier by tier."""
    assert list(standards(tier, {}).values()) == expected


def test_options_tighten_but_never_loosen_a_tier_standard() -> None:
    """A stricter option applies; a looser, out-of-range or damaged one leaves the tier's."""
    options = {
        standard_option(Indicator.PATROL_ROUNDS): 8,
        standard_option(Indicator.ALERT_ACKNOWLEDGEMENT): 10,
        standard_option(Indicator.PATROL_ON_TIME): 50,
        standard_option(Indicator.MANHOLE_RESOLUTION): float("nan"),
        standard_option(Indicator.SHED_OVERHEAT): "hot",
    }
    result = standards("standard", options)
    assert result[Indicator.PATROL_ROUNDS] == 8
    assert result[Indicator.ALERT_ACKNOWLEDGEMENT] == 10
    assert result[Indicator.PATROL_ON_TIME] == 90
    assert result[Indicator.MANHOLE_RESOLUTION] == 120
    assert result[Indicator.SHED_OVERHEAT] == 15
    spec = INDICATORS[Indicator.ALERT_ACKNOWLEDGEMENT]
    assert spec.tightening_range("basic").maximum == 30
    assert spec.tightening_range("basic").error(31) == "number_out_of_range"


def test_a_quiet_day_meets_every_standard_but_the_rounds() -> None:
    """Nothing due and nothing raised meets everything except the rounds to be done."""
    result = figures(book())
    assert result[Indicator.PATROL_ROUNDS] == (0, False)
    assert all(
        met for indicator, (_, met) in result.items() if indicator is not Indicator.PATROL_ROUNDS
    )


def test_patrol_rounds_completed_on_time_late_and_missed() -> None:
    """Rounds count on their slot's day; a round started after going overdue is late."""
    record = book()
    for hour in (6, 10, 14, 18):
        record.patrol("due", "r1", "Night route", at(hour))
        record.patrol("started", "r1", "Night route", at(hour))
        record.patrol("completed", "r1", "Night route", at(hour))
    record.patrol("overdue", "r1", "Night route", at(20))
    record.patrol("started", "r1", "Night route", at(20))
    record.patrol("missed", "r1", "Night route", at(22))
    record.patrol("skipped", "r1", "Night route", at(23))
    result = figures(record)
    assert result[Indicator.PATROL_ROUNDS] == (4, True)
    assert result[Indicator.PATROL_ON_TIME] == (66.7, False)
    assert record.day(DAY)["details"] == [
        ["round_late", "Night route", "20:00", 0],
        ["round_missed", "Night route", "22:00", 0],
    ]


def test_alert_acknowledgement_times_and_unacknowledged_alerts() -> None:
    """The slowest acknowledgement is the value; one left open misses the day."""
    record = book()
    record.alert("North gate", at(9))
    record.alert("North gate", at(9, 5))
    record.alert("East gate", at(10))
    assert record.acknowledged("North gate", at(9, 3))
    assert record.acknowledged("North gate", at(9, 25))
    assert not record.acknowledged("West gate", at(11))
    assert figures(record)[Indicator.ALERT_ACKNOWLEDGEMENT] == (20, False)
    assert record.day(DAY)["details"] == [["alert_late", "North gate", "09:05", 20]]
    assert record.acknowledged("East gate", at(10, 10))
    assert not record.acknowledged("East gate", at(10, 11))
    assert figures(record)[Indicator.ALERT_ACKNOWLEDGEMENT] == (20, False)
    tightened = AssessmentBook(WUHAN, standards("standard", {}))
    tightened.alert("North gate", at(8))
    assert figures(tightened)[Indicator.ALERT_ACKNOWLEDGEMENT] == (0, False)
    assert tightened.acknowledged("North gate", at(8, 4))
    assert figures(tightened)[Indicator.ALERT_ACKNOWLEDGEMENT] == (4, True)


def test_entrance_availability_counts_outages_across_midnight() -> None:
    """Downtime is split over the days it fell on; outages are listed on the day they began."""
    record = book()
    record.entrance("North gate", at(0), available=True)
    record.entrance("East gate", at(0), available=True)
    record.entrance("North gate", at(23), available=False)
    record.entrance("North gate", at(1, day=DAY + timedelta(days=1)), available=True)
    assert not record.entrance("East gate", at(2, day=DAY + timedelta(days=1)), available=True)
    record.advance(at(0, day=DAY + timedelta(days=2)))
    assert figures(record)[Indicator.ENTRANCE_AVAILABILITY] == (97.92, False)
    assert figures(record, DAY + timedelta(days=1))[Indicator.ENTRANCE_AVAILABILITY] == (
        97.92,
        False,
    )
    assert record.day(DAY)["details"] == [["outage", "North gate", "23:00", 120]]
    record.entrance("East gate", at(0, day=DAY + timedelta(days=2)), available=False)
    record.forget_entrance("East gate", at(0, 30, day=DAY + timedelta(days=2)))
    record.forget_entrance("West gate", at(0, 30, day=DAY + timedelta(days=2)))
    assert record.day(DAY + timedelta(days=2))["details"] == [["outage", "East gate", "00:00", 30]]


def test_manholes_and_sheds_until_resolved() -> None:
    """The slowest resolution is the value; one still open misses the day."""
    record = book()
    assert record.incident(Indicator.MANHOLE_RESOLUTION, "Manhole 3", at(8), active=True)
    assert not record.incident(Indicator.MANHOLE_RESOLUTION, "Manhole 3", at(8, 30), active=True)
    record.incident(Indicator.SHED_OVERHEAT, "Shed A", at(13), active=True)
    assert figures(record)[Indicator.MANHOLE_RESOLUTION] == (0, False)
    record.incident(Indicator.MANHOLE_RESOLUTION, "Manhole 3", at(11), active=False)
    record.incident(Indicator.SHED_OVERHEAT, "Shed A", at(13, 10), active=False)
    assert not record.incident(Indicator.SHED_OVERHEAT, "Shed B", at(14), active=False)
    result = figures(record)
    assert result[Indicator.MANHOLE_RESOLUTION] == (180, False)
    assert result[Indicator.SHED_OVERHEAT] == (10, True)
    assert record.day(DAY)["details"] == [["manhole_slow", "Manhole 3", "08:00", 180]]


def test_home_assistant_downtime_is_marked_and_not_counted() -> None:
    """A long silence is downtime: rounds missed during it do not count, nor does the day."""
    record = book()
    record.patrol("started", "r1", "Night route", at(6))
    record.patrol("completed", "r1", "Night route", at(6))
    record.heartbeat(at(7))
    restarted = AssessmentBook(WUHAN, record.standards, record.as_stored())
    restarted.resume(at(7, 5), timedelta(minutes=10))
    assert restarted.day(DAY).get("ha_down_seconds", 0) == 0
    restarted.heartbeat(at(8))
    restarted = AssessmentBook(WUHAN, record.standards, restarted.as_stored())
    restarted.resume(at(12), timedelta(minutes=10))
    restarted.patrol("missed", "r1", "Night route", at(10))
    restarted.patrol("missed", "r1", "Night route", at(12, 30))
    day = restarted.day(DAY)
    assert day["ha_down_seconds"] == 4 * 3600
    assert day["rounds_missed"] == 1
    summary = month_figures([day], restarted.standards)
    assert all(math.isnan(figure.value) and figure.met for figure in summary)


def test_open_items_survive_a_restart() -> None:
    """Open alerts, late rounds and incidents are stored and restored."""
    record = book()
    record.alert("North gate", at(9))
    record.patrol("overdue", "r1", "Night route", at(10))
    record.incident(Indicator.SHED_OVERHEAT, "Shed A", at(11), active=True)
    restored = AssessmentBook(WUHAN, record.standards, record.as_stored())
    assert restored.acknowledged("North gate", at(9, 1))
    restored.patrol("started", "r1", "Night route", at(10))
    restored.incident(Indicator.SHED_OVERHEAT, "Shed A", at(11, 5), active=False)
    assert figures(restored)[Indicator.SHED_OVERHEAT] == (5, True)
    assert figures(restored)[Indicator.PATROL_ON_TIME] == (0, False)


def test_month_figures_average_share_and_worst() -> None:
    """The month averages rounds, pools shares and keeps the slowest time over counted days."""
    record = book()
    second = DAY + timedelta(days=1)
    for when, rounds in ((DAY, 4), (second, 6)):
        for hour in range(rounds):
            record.patrol("started", "r1", "Night route", at(hour, day=when))
            record.patrol("completed", "r1", "Night route", at(hour, day=when))
    record.alert("North gate", at(9, day=second))
    record.acknowledged("North gate", at(9, 20, day=second))
    record.patrol("missed", "r1", "Night route", at(20, day=second))
    summary = {
        figure.indicator: figure
        for figure in month_figures([record.day(DAY), record.day(second)], record.standards)
    }
    assert summary[Indicator.PATROL_ROUNDS].value == 5
    assert summary[Indicator.PATROL_ROUNDS].met
    assert summary[Indicator.PATROL_ON_TIME].value == 90.9
    assert not summary[Indicator.PATROL_ON_TIME].met
    assert summary[Indicator.ALERT_ACKNOWLEDGEMENT].value == 20
    assert not summary[Indicator.ALERT_ACKNOWLEDGEMENT].met


def test_details_are_capped_and_old_days_forgotten() -> None:
    """A flood of misses keeps the counts exact but lists the first cases only; a year on, days go."""
    record = book()
    for minute in range(DETAILS_PER_DAY + 10):
        record.patrol("missed", "r1", "Night route", at(1) + timedelta(minutes=minute))
    assert record.day(DAY)["rounds_missed"] == DETAILS_PER_DAY + 10
    assert len(record.day(DAY)["details"]) == DETAILS_PER_DAY
    record.heartbeat(DAY + timedelta(days=500))
    assert DAY.date().isoformat() not in record.days
