"""A compound's link to its district over Home Assistant's mqtt integration: summaries up, directives down."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
import json
from typing import Any

from homeassistant.components import mqtt
from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util, slugify

from .compound import Compound
from .const import CONF_DISTRICT, DOMAIN, LOGGER
from .district_protocol import (
    CompoundTopics,
    Directive,
    DirectiveBook,
    DirectiveRejectedError,
    parse_directive,
    result_payload,
    valid_segment,
)
from .district_state import compound_assessment, compound_state, discovery_config
from .mode_access import RequestRefusedError
from .modes import DirectiveOrigin
from .texts import log_safe

QOS = 1
ONLINE, OFFLINE = "online", "offline"
REFRESH_INTERVAL = timedelta(seconds=5)
"""How often the summary is compared with what was published; the mode is published at once."""
SETTLE_SECONDS = 0.2
"""Retained directives of a compound's targets arrive in one burst: decide once all are in."""
MQTT_RETRY_SECONDS = 30
STORAGE_VERSION = 1
RESULT_APPLIED, RESULT_REFUSED, RESULT_PENDING, RESULT_SUPERSEDED = (
    "applied",
    "refused",
    "pending",
    "superseded",
)
SHARED_STATUS_TOPIC = "homeassistant/status"


def topic_segment(text: str, fallback: str) -> str:
    """Return text as one level of the topic layout (lower case, ASCII), or fallback if nothing is left."""
    segment = slugify(text)
    # slugify says "unknown" for a text it can make nothing of: two such compounds must not meet.
    if segment == "unknown" and text.strip().lower() != "unknown":
        return fallback
    return segment if valid_segment(segment) else fallback


def compound_topics(compound: Compound) -> CompoundTopics:
    """Return where the compound publishes and listens in its district."""
    entry = compound.entry
    return CompoundTopics(
        district=str(entry.options[CONF_DISTRICT]),
        zone=topic_segment(compound.summary.zone, "zone"),
        compound=topic_segment(compound.name, entry.entry_id.lower()),
    )


def mqtt_settings(hass: HomeAssistant) -> dict[str, Any]:
    """Return the settings of Home Assistant's mqtt entry (older releases keep some in its data)."""
    entries = hass.config_entries.async_entries(mqtt.DOMAIN)
    return {**entries[0].data, **entries[0].options} if entries else {}


def ha_status(hass: HomeAssistant) -> tuple[str, str, str]:
    """Return this Home Assistant's MQTT will topic with its online and offline payloads."""
    settings = mqtt_settings(hass)
    birth = settings.get(mqtt.CONF_BIRTH_MESSAGE) or {}
    will = settings.get(mqtt.CONF_WILL_MESSAGE) or {}
    return (
        str(will.get(mqtt.ATTR_TOPIC) or SHARED_STATUS_TOPIC),
        str(birth.get(mqtt.ATTR_PAYLOAD) or ONLINE),
        str(will.get(mqtt.ATTR_PAYLOAD) or OFFLINE),
    )


class DistrictLink:
    """Publishes a compound's summary to its district and carries out the district's directives.

    Everything is published retained at QoS 1, so the district sees what stands now whenever it
    connects; directives are retained per target, so the compound sees what stands now whenever
    it connects, and carries out each once (see DirectiveBook).
    """

    def __init__(self, hass: HomeAssistant, compound: Compound) -> None:
        """Prepare the link of a compound whose options name its district; nothing runs before async_start."""
        self.hass = hass
        self.compound = compound
        self.topics = compound_topics(compound)
        self._store = _directive_store(hass, compound.entry.entry_id)
        self.book = DirectiveBook()
        self._unsubscribers: list[Callable[[], None]] = []
        self._settle: CALLBACK_TYPE | None = None
        self._retry: CALLBACK_TYPE | None = None
        self._published: dict[str, str] = {}
        self._linked = False
        self._shared_status_reported = False
        self._start: asyncio.Task[None] | None = None

    @staticmethod
    async def async_remove_storage(hass: HomeAssistant, entry_id: str) -> None:
        """Forget the directives a deleted compound handled."""
        await _directive_store(hass, entry_id).async_remove()

    @callback
    def start(self) -> None:
        """Link up in the background: the compound never waits for the district's broker."""
        self._start = self.compound.entry.async_create_background_task(
            self.hass, self._async_start(), "district link"
        )

    async def _async_start(self) -> None:
        stored = await self._store.async_load() or {}
        self.book = DirectiveBook(_stored_handled(stored.get("handled")))
        await self._async_link()

    async def async_stop(self) -> None:
        """Say that the compound is offline and stop listening."""
        if self._start and not self._start.done():
            self._start.cancel()
        for cancel in (self._settle, self._retry):
            if cancel:
                cancel()
        self._settle = self._retry = None
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
        if self._linked:
            self._linked = False
            await self._async_publish(self.topics.availability, OFFLINE)

    async def _async_link(self, _now: datetime | None = None) -> None:
        self._retry = None
        if not await mqtt.async_wait_for_mqtt_client(self.hass):
            LOGGER.warning(
                "The district link of %s waits for Home Assistant's MQTT integration to be set up",
                log_safe(self.compound.name),
            )
            self._retry = async_call_later(self.hass, MQTT_RETRY_SECONDS, self._async_link)
            return
        self._linked = True
        self._unsubscribers += [
            mqtt.async_subscribe_connection_status(self.hass, self._on_connection),
            self.compound.async_add_listener(self._on_mode_changed),
            async_track_time_interval(self.hass, self._async_refresh, REFRESH_INTERVAL),
        ]
        for target, topic in self.topics.directive_topics.items():
            self._unsubscribers.append(
                await mqtt.async_subscribe(
                    self.hass, topic, partial(self._on_directive, target), QOS, encoding=None
                )
            )
        await self._async_publish_all()

    @callback
    def _on_connection(self, connected: bool) -> None:  # noqa: FBT001 - mqtt's callback
        # A broker restarted without persistence has forgotten every retained message.
        if connected:
            self._published.clear()
            self.compound.entry.async_create_background_task(
                self.hass, self._async_publish_all(), "district link republish"
            )

    @callback
    def _on_mode_changed(self, _context: Context | None) -> None:
        self.compound.entry.async_create_background_task(
            self.hass, self._async_refresh(), "district link mode"
        )

    async def _async_publish_all(self) -> None:
        await self._async_publish(self.topics.availability, ONLINE)
        await self._async_refresh()

    async def _async_refresh(self, _now: datetime | None = None) -> None:
        """Publish the discovery config and the summary where they changed since last published."""
        status = ha_status(self.hass)
        if status[0] == SHARED_STATUS_TOPIC and not self._shared_status_reported:
            self._shared_status_reported = True
            LOGGER.warning(
                "MQTT's will topic is %s, which every Home Assistant on the broker shares: the "
                "district cannot tell when this one is gone. Give it the topic %s/ha",
                SHARED_STATUS_TOPIC,
                self.topics.base,
            )
        config = discovery_config(self.compound, self.topics, status)
        await self._async_publish_changed(self._discovery_topic(), json.dumps(config))
        await self._async_publish_changed(
            self.topics.state, json.dumps(compound_state(self.compound))
        )
        if (assessment := compound_assessment(self.compound)) is not None:
            await self._async_publish_changed(self.topics.assessment, json.dumps(assessment))

    def _discovery_topic(self) -> str:
        prefix = mqtt_settings(self.hass).get(mqtt.CONF_DISCOVERY_PREFIX)
        return self.topics.discovery(str(prefix or mqtt.DEFAULT_PREFIX))

    async def _async_publish_changed(self, topic: str, payload: str) -> None:
        if self._published.get(topic) != payload:
            await self._async_publish(topic, payload)
            self._published[topic] = payload

    async def _async_publish(self, topic: str, payload: str) -> None:
        try:
            await mqtt.async_publish(self.hass, topic, payload, QOS, retain=True)
        except HomeAssistantError as err:
            # Published again in full when the broker is back (see _on_connection).
            LOGGER.debug("Could not publish to %s: %s", topic, err)

    @callback
    def _on_directive(self, target: str, message: mqtt.ReceiveMessage) -> None:
        payload = message.payload
        raw = payload if isinstance(payload, bytes) else str(payload).encode()
        if not raw:
            self.book.stand(target, None)
            return
        try:
            directive = parse_directive(raw, target)
        except DirectiveRejectedError as err:
            LOGGER.warning("Dropped a directive on %s: %s", message.topic, err)
            return
        self.book.stand(target, directive)
        if self._settle:
            self._settle()
        self._settle = async_call_later(self.hass, SETTLE_SECONDS, self._async_carry_out)

    async def _async_carry_out(self, _now: datetime | None = None) -> None:
        self._settle = None
        due, superseded = self.book.take_due()
        await self._store.async_save(
            {"handled": [[key, at.isoformat()] for key, at in self.book.handled]}
        )
        for directive in superseded:
            await self._async_report(directive, RESULT_SUPERSEDED)
        if due is None:
            return
        await self._async_report(due, RESULT_PENDING)
        try:
            await self.compound.async_set_mode(
                due.mode,
                context=Context(),
                reason=due.reason,
                directive=DirectiveOrigin(due.directive_id, due.issuer),
            )
        except RequestRefusedError as err:
            await self._async_report(due, RESULT_REFUSED, err.translation_key)
        else:
            await self._async_report(due, RESULT_APPLIED)

    async def _async_report(
        self, directive: Directive, result: str, refusal: str | None = None
    ) -> None:
        if result != RESULT_PENDING:
            LOGGER.info(
                "Directive %s of %s (%s mode) for %s: %s%s",
                log_safe(directive.directive_id),
                log_safe(directive.issuer),
                directive.mode,
                log_safe(self.compound.name),
                result,
                f" ({refusal})" if refusal else "",
            )
        payload = result_payload(directive, result, self.compound.mode, dt_util.utcnow(), refusal)
        await self._async_publish(self.topics.result, payload)


def _directive_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return where a compound keeps the ids of the directives it handled."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.district.{entry_id}", private=True)


def _stored_handled(stored: Any) -> list[tuple[str, datetime]]:
    """Return the handled directives from storage, skipping what is unreadable (changed by hand)."""
    handled = []
    for item in stored if isinstance(stored, list) else []:
        match item:
            case [str(directive_id), str(issued_at)]:
                instant = dt_util.parse_datetime(issued_at)
                if instant is not None and instant.tzinfo is not None:
                    handled.append((directive_id, instant))
    return handled
