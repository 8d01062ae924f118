"""Calendar platform: the rounds of the compound's patrol routes."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .entity import (
    EntityBuilder,
    PatrolRouteEntity,
    device_platform_setup,
)
from .patrol_rounds import RoundResult
from .patrol_route import (
    STATUS_KEY,
    UPCOMING_HORIZON,
    PatrolRouteDevice,
    round_result_text,
    sensor_text,
)

PARALLEL_UPDATES = 0


class PatrolCalendar(PatrolRouteEntity, CalendarEntity):
    """The route's rounds: past ones with how they ended, the open one and the upcoming ones."""

    def __init__(self, device: PatrolRouteDevice) -> None:
        """Initialise the calendar of a route."""
        super().__init__(device, "rounds")

    @property
    def event(self) -> CalendarEvent | None:
        """The open round, or else the next one."""
        now = dt_util.utcnow()
        events = self._events(now, now + timedelta(days=2))
        return events[0] if events else None

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Return the rounds overlapping a time range."""
        return self._events(start_date, end_date)

    def _events(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        route, config = self.device.route, self.device.config
        window = config.grace + config.duration
        # Past rounds say how they ended, the open one where it is; upcoming ones need no words.
        rounds: list[tuple[datetime, datetime, str | None]] = [
            (
                past.slot,
                max(past.finished_at, past.slot + timedelta(minutes=1)),
                round_result_text(self.hass, str(past.result)),
            )
            for past in route.history
        ]
        if current := route.open_round:
            ends = (current.started_at or current.slot + config.grace) + config.duration
            rounds.append(
                (current.slot, ends, sensor_text(self.hass, STATUS_KEY, f"state.{route.status}"))
            )
        skipped = round_result_text(self.hass, str(RoundResult.SKIPPED))
        rounds += [(slot, slot + window, skipped) for slot in route.skipped_slots]
        # The schedule ahead is the current mode's; months ahead it says little and costs much.
        horizon = min(end, dt_util.utcnow() + UPCOMING_HORIZON)
        rounds += [(slot, slot + window, None) for slot in route.upcoming(start, horizon)]
        return [
            CalendarEvent(
                start=dt_util.as_local(begins),
                end=dt_util.as_local(ends),
                summary=self.device.name,
                description=description,
                uid=f"{self.device.subentry.subentry_id}_{begins.isoformat()}",
            )
            for begins, ends, description in sorted(rounds, key=lambda item: item[0])
            if begins < end and ends > start
        ]


ENTITY_BUILDERS: dict[type, EntityBuilder] = {
    PatrolRouteDevice: lambda route: [PatrolCalendar(route)]
}
"""How each device kind's entities of this platform are built from its runtime."""

async_setup_entry = device_platform_setup(ENTITY_BUILDERS)
