"""Actions of the integration's phone notifications: start a patrol round, snooze a reminder, acknowledge an alert."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE, Context, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later

from .compound import loaded_compounds
from .const import ATTR_ROUTE, ATTR_ROUTE_ID, DOMAIN, LOGGER
from .patrol import RouteStatus
from .patrol_route import PatrolRouteDevice

EVENT_NOTIFICATION_ACTION = "mobile_app_notification_action"
EVENT_PATROL_REMINDER = f"{DOMAIN}_patrol_reminder"
EVENT_ALERT_ACKNOWLEDGED = f"{DOMAIN}_alert_acknowledged"

START_ROUND = "HANYANG_START_ROUND_"
SNOOZE_ROUND = "HANYANG_SNOOZE_ROUND_"
ACKNOWLEDGE = "HANYANG_ACKNOWLEDGE_"
SNOOZE = timedelta(minutes=10)


def _find_route(hass: HomeAssistant, route_id: str) -> PatrolRouteDevice | None:
    for compound in loaded_compounds(hass):
        device = compound.devices.get(route_id)
        if isinstance(device, PatrolRouteDevice):
            return device
    return None


class NotificationActions:
    """Handles taps on the integration's notification actions, from the companion app on any phone.

    Action ids carry what they act on: HANYANG_START_ROUND_<route id>,
    HANYANG_SNOOZE_ROUND_<route id>, HANYANG_ACKNOWLEDGE_<alert reference>.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Handle the actions of every compound of this Home Assistant."""
        self.hass = hass
        self._snoozed: dict[str, CALLBACK_TYPE] = {}

    async def async_handle(self, event: Event[dict[str, Any]]) -> None:
        """Act on one tap; taps on other integrations' actions are ignored."""
        action = str(event.data.get("action", ""))
        # The tap is the phone user's request; keep it traceable to the notification event.
        context = Context(user_id=event.context.user_id, parent_id=event.context.id)
        if action.startswith(START_ROUND):
            self._start_round(action.removeprefix(START_ROUND), context)
        elif action.startswith(SNOOZE_ROUND):
            self._snooze(action.removeprefix(SNOOZE_ROUND))
        elif action.startswith(ACKNOWLEDGE):
            self.hass.bus.async_fire(
                EVENT_ALERT_ACKNOWLEDGED,
                {"alert": action.removeprefix(ACKNOWLEDGE), "user": context.user_id},
                context=context,
            )

    def _start_round(self, route_id: str, context: Context) -> None:
        if (route := _find_route(self.hass, route_id)) is None:
            LOGGER.warning("A phone asked to start a round of a route that no longer exists")
            return
        try:
            route.async_start_round(context)
        except HomeAssistantError as err:
            LOGGER.info("Could not start a round of %s from a phone: %s", route.name, err)

    def _snooze(self, route_id: str) -> None:
        if cancel := self._snoozed.pop(route_id, None):
            cancel()

        @callback
        def remind_again(_now: Any) -> None:
            self._snoozed.pop(route_id, None)
            route = _find_route(self.hass, route_id)
            # Remind again only while the round is still waiting for someone to start it.
            if route is not None and route.route.status in (RouteStatus.DUE, RouteStatus.OVERDUE):
                self.hass.bus.async_fire(
                    EVENT_PATROL_REMINDER, {ATTR_ROUTE: route.name, ATTR_ROUTE_ID: route_id}
                )

        self._snoozed[route_id] = async_call_later(self.hass, SNOOZE, remind_again)


@callback
def async_setup_notification_actions(hass: HomeAssistant) -> None:
    """Start handling the integration's notification actions."""
    hass.bus.async_listen(EVENT_NOTIFICATION_ACTION, NotificationActions(hass).async_handle)
