"""Tests of the pure patrol logic, against a minute-by-minute reference model of the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.hanyang_compound.modes import CompoundMode
from custom_components.hanyang_compound.patrol import PatrolRoute
from custom_components.hanyang_compound.patrol_rounds import (
    PatrolCommandError,
    PatrolEventType as Ev,
    RoundResult,
    RouteStatus,
)
from custom_components.hanyang_compound.patrol_schedule import RouteConfig, Schedule, ScheduleError

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)
DAY = 24 * 60
CHECKPOINTS = ("a", "b", "c")


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """These tests need no Home Assistant."""


def at(minute: int) -> datetime:
    return EPOCH + timedelta(minutes=minute)


# The reference model: the rules of patrol.py's docstring, applied one minute at a time.


@dataclass
class RefRound:
    slot: int
    started: int | None = None
    visited: list[str] = field(default_factory=list)
    out_of_order: list[str] = field(default_factory=list)
    overdue: bool = False


@dataclass
class Reference:
    times: dict[CompoundMode, set[int]]
    ordered: bool
    grace: int
    duration: int
    mode: CompoundMode = CompoundMode.NORMAL
    last_slot: int = 0
    open: RefRound | None = None
    results: list[str] = field(default_factory=list)
    skipped: set[int] = field(default_factory=set)
    events: list[tuple[str, int, int, str | None]] = field(default_factory=list)

    def is_slot(self, minute: int) -> bool:
        return minute % DAY in self.times[self.mode]

    def next_slot(self, after: int, *, skipping: bool = True) -> int | None:
        for minute in range(after + 1, after + 50 * DAY):
            if self.is_slot(minute) and not (skipping and minute in self.skipped):
                return minute
        return None

    def finish(self, result: str, minute: int) -> None:
        assert self.open is not None
        self.events.append((result, self.open.slot, minute, None))
        self.results.append(result)
        self.open = None

    def tick(self, minute: int) -> None:
        """Deadlines due at this minute, then the slot of this minute."""
        current = self.open
        if current is not None and current.started is None:
            if not current.overdue and minute >= current.slot + self.grace:
                current.overdue = True
                self.events.append(("overdue", current.slot, minute, None))
            if current.overdue and minute >= current.slot + self.grace + self.duration:
                self.finish("missed", minute)
        elif current is not None and minute >= (current.started or 0) + self.duration:
            self.finish("missed", minute)
        if minute > self.last_slot and self.is_slot(minute):
            self.last_slot = minute
            if minute in self.skipped:
                self.results.append("skipped")
                return
            if self.open is not None and self.open.started is not None:
                return
            if self.open is not None:
                self.finish("missed", minute)
            self.open = RefRound(slot=minute)
            self.events.append(("due", minute, minute, None))

    def start(self, minute: int) -> bool:
        if self.open is None:
            slot = self.next_slot(max(minute, self.last_slot))
            if slot is None or slot - minute > self.grace:
                return False
            self.last_slot = slot
            self.open = RefRound(slot=slot)
        if self.open.started is None:
            self.open.started = minute
            self.events.append(("started", self.open.slot, minute, None))
        return True

    def scan(self, point: str, minute: int) -> None:
        if not self.start(minute):
            return
        assert self.open is not None
        if point in self.open.visited:
            return
        remaining = [p for p in CHECKPOINTS if p not in self.open.visited]
        if self.ordered and point != remaining[0]:
            self.open.out_of_order.append(point)
            self.events.append(("checkpoint", self.open.slot, minute, point))
            return
        self.open.visited.append(point)
        self.events.append(("checkpoint", self.open.slot, minute, point))
        if len(remaining) == 1:
            self.finish("completed", minute)

    def skip(self, minute: int) -> bool:
        if self.open is not None:
            self.finish("skipped", minute)
            return True
        slot = self.next_slot(max(minute, self.last_slot))
        if slot is None:
            return False
        self.skipped.add(slot)
        self.events.append(("skipped", slot, minute, None))
        return True

    @property
    def status(self) -> str:
        if self.open is not None:
            if self.open.started is not None:
                return "in_progress"
            return "overdue" if self.open.overdue else "due"
        return self.results[-1] if self.results and self.results[-1] != "skipped" else "idle"


# Times on a quarter-hour grid, so that scans, slots and deadlines often fall on the same minute.
QUARTER = 15
minutes_of_day = st.sets(st.integers(0, DAY // QUARTER - 1).map(lambda q: q * QUARTER), max_size=6)
actions = st.lists(
    st.tuples(
        st.integers(1, 2 * DAY // QUARTER).map(lambda q: q * QUARTER),
        st.one_of(
            st.sampled_from(CompoundMode),
            st.sampled_from(CHECKPOINTS),
            st.sampled_from(["start", "skip", "tick"]),
        ),
    ),
    max_size=40,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    times=st.fixed_dictionaries(dict.fromkeys(CompoundMode, minutes_of_day)),
    ordered=st.booleans(),
    grace=st.integers(1, 8).map(lambda q: q * QUARTER),
    duration=st.integers(1, 12).map(lambda q: q * QUARTER),
    script=actions,
)
def test_route_agrees_with_the_reference_model(
    times: dict[CompoundMode, set[int]],
    ordered: bool,
    grace: int,
    duration: int,
    script: list[tuple[int, object]],
) -> None:
    config = RouteConfig(
        checkpoints=CHECKPOINTS,
        ordered=ordered,
        schedules={
            mode: Schedule(tuple(sorted(time(m // 60, m % 60) for m in minutes)))
            for mode, minutes in times.items()
        },
        grace=timedelta(minutes=grace),
        duration=timedelta(minutes=duration),
    )
    route = PatrolRoute(config, CompoundMode.NORMAL, checked_until=at(0))
    reference = Reference(times, ordered, grace, duration)
    script = sorted(script, key=lambda step: step[0])
    events = []
    clock = 0
    for minute, action in [*script, (2 * DAY + 1, "tick")]:
        while clock < minute:
            clock += 1
            reference.tick(clock)
        if isinstance(action, CompoundMode):
            events += route.set_mode(action, at(minute))
            reference.mode = action
        elif action in CHECKPOINTS:
            events += route.scan(str(action), at(minute))
            reference.scan(str(action), minute)
        elif action in ("start", "skip"):
            if action == "start":
                in_progress = reference.open is not None and reference.open.started is not None
                expected_error = "round_already_started" if in_progress else None
                if not in_progress and not reference.start(minute):
                    reference.open = RefRound(slot=minute, started=minute)
                    reference.events.append(("started", minute, minute, None))
            else:
                expected_error = None if reference.skip(minute) else "no_round_to_skip"
            error = None
            try:
                events += (
                    route.start(at(minute)) if action == "start" else route.skip(at(minute), "rain")
                )
            except PatrolCommandError as err:
                error = err.key
            assert error == expected_error
        else:
            events += route.advance(at(minute))
        assert str(route.status) == reference.status
        expected_remaining = (
            [p for p in CHECKPOINTS if p not in reference.open.visited]
            if reference.open
            else list(CHECKPOINTS)
        )
        assert list(route.remaining) == expected_remaining
        out_of_order = route.open_round.out_of_order if route.open_round else ()
        assert list(out_of_order) == (reference.open.out_of_order if reference.open else [])
        next_round = reference.next_slot(max(minute, reference.last_slot))
        assert route.next_round == (at(next_round) if next_round is not None else None)

    assert [
        (
            str(event.type),
            int((event.round - EPOCH) / timedelta(minutes=1)),
            int((event.at - EPOCH) / timedelta(minutes=1)),
            event.checkpoint,
        )
        for event in events
    ] == reference.events
    assert [str(past.result) for past in route.history] == reference.results


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:00, 01:00", "01:00, 21:00"),
        ("21:00\uff0c1:00\u300121:00", "01:00, 21:00"),
        ("every 4 h", "00:00, 04:00, 08:00, 12:00, 16:00, 20:00"),
        ("Every 2h", ", ".join(f"{hour:02d}:00" for hour in range(0, 24, 2))),
        ("every 360 min", "00:00, 06:00, 12:00, 18:00"),
        ("  ", ""),
    ],
)
def test_schedules_are_read_from_times_or_intervals(text: str, expected: str) -> None:
    assert str(Schedule.parse(text)) == expected


@pytest.mark.parametrize("text", ["24:00", "9", "every 0 h", "every 25 h", "daily", "21:60"])
def test_unreadable_schedules_are_refused(text: str) -> None:
    with pytest.raises(ScheduleError):
        Schedule.parse(text)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=30))
def test_reading_any_text_gives_a_schedule_or_a_schedule_error(text: str) -> None:
    try:
        schedule = Schedule.parse(text)
    except ScheduleError:
        return
    assert Schedule.parse(str(schedule)) == schedule


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sets(st.times().map(lambda t: t.replace(second=0, microsecond=0)), min_size=1),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),  # noqa: DTZ001 - naive, made UTC in the test
    st.sampled_from(["Asia/Shanghai", "UTC", "Asia/Kathmandu"]),
)
def test_the_next_slot_is_the_first_scheduled_wall_clock_time_after_an_instant(
    times: set[time], naive: datetime, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    after = naive.replace(tzinfo=UTC, second=0, microsecond=0)
    slot = Schedule(tuple(sorted(times))).next_slot(after, zone)
    minute = after + timedelta(minutes=1)
    while minute.astimezone(zone).time().replace(tzinfo=None) not in times:
        minute += timedelta(minutes=1)
    assert slot == minute


def _night_route(zone: str = "Asia/Shanghai") -> RouteConfig:
    return RouteConfig(
        checkpoints=CHECKPOINTS,
        ordered=True,
        schedules={
            mode: Schedule.parse(text)
            for mode, text in {
                CompoundMode.NORMAL: "21:00, 01:00",
                CompoundMode.LOCKDOWN: "every 2 h",
            }.items()
        },
        zone=ZoneInfo(zone),
    )


def test_rounds_follow_the_local_clock_in_shanghai() -> None:
    start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    route = PatrolRoute(_night_route(), CompoundMode.NORMAL, checked_until=start)
    assert route.next_round == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    assert route.upcoming(start, start + timedelta(days=1)) == [
        datetime(2026, 11, 25, 13, 0, tzinfo=UTC),
        datetime(2026, 11, 25, 17, 0, tzinfo=UTC),
    ]


def test_rounds_keep_their_wall_clock_times_across_daylight_saving_changes() -> None:
    config = RouteConfig(
        checkpoints=CHECKPOINTS,
        ordered=False,
        schedules={CompoundMode.NORMAL: Schedule.parse("every 1 h")},
        zone=ZoneInfo("America/New_York"),
    )
    # Clocks go forward at 02:00 local on 8 March 2026: 02:00 does not exist that night.
    spring = datetime(2026, 3, 8, 5, 30, tzinfo=UTC)  # 00:30 EST
    route = PatrolRoute(config, CompoundMode.NORMAL, checked_until=spring)
    local = [
        s.astimezone(config.zone).strftime("%H:%M %Z")
        for s in route.upcoming(spring, spring + timedelta(hours=4))
    ]
    assert local == ["01:00 EST", "03:00 EDT", "04:00 EDT", "05:00 EDT"]
    # Clocks go back at 02:00 local on 1 November 2026: 01:00 happens twice, the round once.
    autumn = datetime(2026, 11, 1, 4, 30, tzinfo=UTC)  # 00:30 EDT
    route = PatrolRoute(config, CompoundMode.NORMAL, checked_until=autumn)
    local = [
        s.astimezone(config.zone).strftime("%H:%M %Z")
        for s in route.upcoming(autumn, autumn + timedelta(hours=4))
    ]
    assert local == ["01:00 EDT", "02:00 EST", "03:00 EST"]


def test_a_restart_reports_the_rounds_that_passed_meanwhile_once() -> None:
    start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    route = PatrolRoute(_night_route(), CompoundMode.LOCKDOWN, checked_until=start)
    stored = route.as_stored()
    # Down for nine hours: the lockdown rounds at 22:00, 00:00, 02:00 and 04:00 passed.
    later = start + timedelta(hours=9)
    restored = PatrolRoute.from_stored(_night_route(), CompoundMode.LOCKDOWN, stored, later)
    events = restored.resume(later)
    assert [(e.type, e.round.astimezone(ZoneInfo("Asia/Shanghai")).hour) for e in events] == [
        (Ev.MISSED, 4)
    ]
    assert restored.count_today(RoundResult.MISSED, later) == 1
    assert restored.status is RouteStatus.MISSED


def test_a_round_in_progress_survives_a_restart_with_its_scans() -> None:
    start = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # 21:00 in Shanghai
    route = PatrolRoute(
        _night_route(), CompoundMode.NORMAL, checked_until=start - timedelta(minutes=1)
    )
    route.advance(start)
    route.scan("a", start + timedelta(minutes=5))
    route.scan("c", start + timedelta(minutes=6))
    stored = route.as_stored()
    restored = PatrolRoute.from_stored(
        _night_route(), CompoundMode.NORMAL, stored, start + timedelta(minutes=20)
    )
    assert restored.resume(start + timedelta(minutes=20)) == []
    assert restored.status is RouteStatus.IN_PROGRESS
    assert restored.remaining == ("b", "c")
    assert restored.open_round is not None
    assert restored.open_round.out_of_order == ("c",)
    events = restored.scan("b", start + timedelta(minutes=21)) + restored.scan(
        "c", start + timedelta(minutes=22)
    )
    assert [e.type for e in events] == [Ev.CHECKPOINT, Ev.CHECKPOINT, Ev.COMPLETED]


def test_unreadable_stored_state_starts_afresh() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    route = PatrolRoute.from_stored(
        _night_route(), CompoundMode.NORMAL, {"checked_until": "soon"}, now
    )
    assert route.checked_until == now
    assert route.status is RouteStatus.IDLE
