"""Actions of the integration's phone notifications: start a patrol round, snooze a reminder, acknowledge an alert."""

from __future__ import annotations

from typing import Any

from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN, LOGGER
from .lookup import find_device
from .patrol_route import PatrolRouteDevice
from .texts import log_safe

EVENT_NOTIFICATION_ACTION = "mobile_app_notification_action"
EVENT_ALERT_ACKNOWLEDGED = f"{DOMAIN}_alert_acknowledged"

START_ROUND = "HANYANG_START_ROUND_"
SNOOZE_ROUND = "HANYANG_SNOOZE_ROUND_"
ACKNOWLEDGE = "HANYANG_ACKNOWLEDGE_"


class NotificationActions:
    """Handles taps on the integration's notification actions, from the companion app on any phone.

    Action ids carry what they act on: HANYANG_START_ROUND_<route id>,
    HANYANG_SNOOZE_ROUND_<route id>, HANYANG_ACKNOWLEDGE_<alert reference>.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Handle the actions of every compound of this Home Assistant."""
        self.hass = hass

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
        if (route := find_device(self.hass, PatrolRouteDevice, route_id)) is None:
            LOGGER.debug("Ignored a phone's start of a round of a route that does not exist")
            return
        try:
            route.async_start_round(context)
        except HomeAssistantError as err:
            LOGGER.info("Could not start a round of %s from a phone: %s", log_safe(route.name), err)

    def _snooze(self, route_id: str) -> None:
        if (route := find_device(self.hass, PatrolRouteDevice, route_id)) is None:
            LOGGER.debug("Ignored a snooze for a route that does not exist")
            return
        route.async_snooze_reminder()


@callback
def async_setup_notification_actions(hass: HomeAssistant) -> None:
    """Start handling the integration's notification actions."""
    hass.bus.async_listen(EVENT_NOTIFICATION_ACTION, NotificationActions(hass).async_handle)
