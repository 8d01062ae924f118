"""A district's config entry: its view of the compounds over Home Assistant's mqtt, and the directives it issues."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
import hashlib
import json
from typing import Any

from homeassistant.components import mqtt
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util, slugify
from homeassistant.util.ulid import ulid_now

from .const import CONF_DISTRICT, DOMAIN, LOGGER
from .coordinator import Listeners
from .device_links import entry_device
from .district_model import DistrictModel
from .district_protocol import TARGET_ALL, TOPIC_ROOT, directive_topic, valid_identifier
from .district_publications import PublicationRejectedError
from .errors import device_error, request_error
from .mode_access import RequestRefusedError
from .modes import CompoundMode
from .texts import log_safe

QOS = 1
MQTT_RETRY_SECONDS = 30
COMPOUND_TOPICS = ("state", "availability", "result", "assessment")
DISTRICT_SCOPE = ""
"""The listeners of the district's own entities (totals, companies), beside those of each zone."""


def zone_identifier(entry: ConfigEntry[Any], zone: str) -> tuple[str, str]:
    """Return the device identifier of a district's zone."""
    return (DOMAIN, f"{entry.entry_id}_zone_{zone}")


def district_unique_id(entry: ConfigEntry[Any], zone: str | None, key: str) -> str:
    """Return the unique id of a district's entity keyed by key, of a zone or of the district (None)."""
    return f"{entry.entry_id}_zone_{zone}_{key}" if zone else f"{entry.entry_id}_{key}"


def company_key(company: str) -> str:
    """Return the key of a property company's ranking, distinct for names that slug alike (紅色物業, 红色物业)."""
    digest = hashlib.sha256(company.encode()).hexdigest()[:8]
    return f"company_{slugify(company)}_{digest}"


def issuer_name(title: str, district: str) -> str:
    """Return the name a district's directives carry as their issuer: its entry's name, as an id."""
    name = slugify(title)
    return name if valid_identifier(name) and name != "unknown" else f"district-{district}"


async def async_check_issuer(hass: HomeAssistant, context: Context | None) -> None:
    """Refuse a directive unless an administrator (or an automation, with no user) asks for it."""
    user_id = context.user_id if context else None
    if user_id is None:
        return
    user = await hass.auth.async_get_user(user_id)
    if user is None or not user.is_active or not user.is_admin:
        LOGGER.info("Refused a directive to user %s: only administrators issue directives", user_id)
        raise RequestRefusedError("directive_admin_only", {}, context)


class District:
    """Keeps a district's view of its compounds up to date and publishes its directives.

    Compounds publish retained summaries under hanyang/<district>/<zone>/<compound>/; the
    standing directives are retained per target. Subscribing to both gives the whole picture
    at once whenever the district connects.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[District]) -> None:
        """Prepare the district of entry; nothing runs before start."""
        self.hass = hass
        self.entry = entry
        self.district = str(entry.data[CONF_DISTRICT])
        self.issuer = issuer_name(entry.title, self.district)
        self.model = DistrictModel()
        self.connected = False
        self._listeners: defaultdict[str, Listeners[()]] = defaultdict(Listeners)
        self._new_zone: Listeners[str] = Listeners()
        self._new_company: Listeners[str] = Listeners()
        self._zones: set[str] = set()
        self._companies: set[str] = set()
        self._unsubscribers: list[Callable[[], None]] = []
        self._retry: CALLBACK_TYPE | None = None
        self._start: asyncio.Task[None] | None = None

    @property
    def root(self) -> str:
        """The district's topic subtree."""
        return f"{TOPIC_ROOT}/{self.district}"

    @callback
    def start(self) -> None:
        """Subscribe in the background: setup never waits for the broker."""
        self._start = self.entry.async_create_background_task(
            self.hass, self._async_subscribe(), "district view"
        )

    async def async_stop(self) -> None:
        """Stop listening."""
        if self._start and not self._start.done():
            self._start.cancel()
        if self._retry:
            self._retry()
            self._retry = None
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()

    async def _async_subscribe(self, _now: datetime | None = None) -> None:
        self._retry = None
        if not await mqtt.async_wait_for_mqtt_client(self.hass):
            LOGGER.warning(
                "The district %s waits for Home Assistant's MQTT integration to be set up",
                log_safe(self.entry.title),
            )
            self._retry = async_call_later(self.hass, MQTT_RETRY_SECONDS, self._async_subscribe)
            return
        self._unsubscribers.append(
            mqtt.async_subscribe_connection_status(self.hass, self._on_connection)
        )
        self._on_connection(mqtt.is_connected(self.hass))
        topics = [f"{self.root}/+/+/{kind}" for kind in COMPOUND_TOPICS]
        topics += [
            f"{self.root}/directive",
            f"{self.root}/+/directive",
            f"{self.root}/+/+/directive",
        ]
        for topic in topics:
            self._unsubscribers.append(
                await mqtt.async_subscribe(self.hass, topic, self._on_message, QOS, encoding=None)
            )

    @callback
    def _on_connection(self, connected: bool) -> None:  # noqa: FBT001 - mqtt's callback
        self.connected = connected
        for listeners in list(self._listeners.values()):
            listeners.notify()

    @callback
    def _on_message(self, message: mqtt.ReceiveMessage) -> None:
        payload = message.payload
        raw = payload if isinstance(payload, bytes) else str(payload).encode()
        levels = message.topic.split("/")[2:]
        try:
            zone = self.model.apply(levels, raw)
        except PublicationRejectedError as err:
            LOGGER.warning("Dropped a publication on %s: %s", log_safe(message.topic), err)
            return
        zones, companies = set(self.model.zones()), set(self.model.companies())
        for new in zones - self._zones:
            self._zones.add(new)
            self._new_zone.notify(new)
        for new in companies - self._companies:
            self._companies.add(new)
            self._new_company.notify(new)
        # A compound cleared from the district may leave its zone or its company with none.
        for gone in self._zones - zones:
            self._zones.discard(gone)
            self._remove_zone_device(gone)
        for gone in self._companies - companies:
            self._companies.discard(gone)
            self._remove_company_entity(gone)
        if zone != TARGET_ALL:
            self._listeners[zone].notify()
        self._listeners[DISTRICT_SCOPE].notify()

    def _remove_zone_device(self, zone: str) -> None:
        """Remove a zone's device, and so its entities: no compound of the district is in it now."""
        if device := entry_device(
            self.hass, self.entry.entry_id, zone_identifier(self.entry, zone)
        ):
            dr.async_get(self.hass).async_remove_device(device.id)

    def _remove_company_entity(self, company: str) -> None:
        """Remove a property company's ranking: no compound of the district names it now."""
        entities = er.async_get(self.hass)
        unique_id = district_unique_id(self.entry, None, company_key(company))
        if entity_id := entities.async_get_entity_id("sensor", DOMAIN, unique_id):
            entities.async_remove(entity_id)

    def may_remove_device(self, device: dr.DeviceEntry) -> bool:
        """Whether a user may delete one of the district's devices: a zone none of its compounds is in."""
        zones = {zone_identifier(self.entry, zone): zone for zone in self.model.zones()}
        return (DOMAIN, self.entry.entry_id) not in device.identifiers and not any(
            identifier in zones for identifier in device.identifiers
        )

    # What the entities follow

    @callback
    def async_add_listener(self, zone: str | None, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call listener whenever what a zone (None: the district) shows may have changed."""
        return self._listeners[zone or DISTRICT_SCOPE].add(listener)

    @callback
    def async_add_zone_listener(self, listener: Callable[[str], None]) -> CALLBACK_TYPE:
        """Call listener with each zone the district hears of for the first time."""
        return self._new_zone.add(listener)

    @callback
    def async_add_company_listener(self, listener: Callable[[str], None]) -> CALLBACK_TYPE:
        """Call listener with each property company the district hears of for the first time."""
        return self._new_company.add(listener)

    # Directives

    def target(self, zone: str | None, compound: str | None) -> str:
        """Return the directive target a zone and compound (ids or names) name; raise a translated error."""
        if zone is None:
            if compound is not None:
                raise request_error("compound_without_zone", compound=compound)
            return TARGET_ALL
        if (view := self.model.find(zone)) is None:
            raise request_error("unknown_zone", zone=zone)
        if compound is None:
            return view.zone
        if (view := self.model.find(zone, compound)) is None:
            raise request_error("unknown_district_compound", zone=zone, compound=compound)
        return view.target

    async def async_issue(
        self, target: str, mode: CompoundMode, reason: str | None, context: Context | None
    ) -> str:
        """Publish a directive for target (retained: it stands until replaced or withdrawn); return its id."""
        await async_check_issuer(self.hass, context)
        directive_id = ulid_now()
        payload = {
            "id": directive_id,
            "issuer": self.issuer,
            "target": target,
            "mode": str(mode),
            "reason": reason,
            "issued_at": dt_util.utcnow().isoformat(),
        }
        await self._async_publish(target, json.dumps(payload))
        LOGGER.info(
            "Directive %s (%s mode) issued to %s by user %s",
            directive_id,
            mode,
            target,
            context.user_id if context else None,
        )
        return directive_id

    async def async_withdraw(self, target: str, context: Context | None) -> None:
        """Clear the standing directive of target, so no compound carries it out from now on."""
        await async_check_issuer(self.hass, context)
        await self._async_publish(target, "")
        LOGGER.info(
            "Directive of %s withdrawn by user %s", target, context.user_id if context else None
        )

    async def _async_publish(self, target: str, payload: str) -> None:
        try:
            await mqtt.async_publish(
                self.hass, directive_topic(self.district, target), payload, QOS, retain=True
            )
        except HomeAssistantError as err:
            raise device_error("directive_not_sent", target=target) from err
