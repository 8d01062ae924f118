"""Tests of entrance commands under a lockdown: the administrators' override and refusals spoken by Assist."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from homeassistant.components.button import ButtonEntity
from homeassistant.components.conversation import async_converse
from homeassistant.components.cover import CoverEntity, CoverEntityFeature
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryData
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.hanyang_compound import DEVICE_FACTORIES, button, cover
from custom_components.hanyang_compound.compound import Compound
from custom_components.hanyang_compound.const import DOMAIN, EVENT_ENTRANCE_OVERRIDE
from custom_components.hanyang_compound.entity import CompoundDeviceEntity
from custom_components.hanyang_compound.modes import CompoundMode, EntranceAction

from .conftest import make_compound_entry

GATE_BUTTON = "button.east_gate_open"


class Gate:
    """An entrance device with a cover and a button, recording what it is told to do."""

    def __init__(self, compound: Compound, subentry: ConfigSubentry) -> None:
        self.compound = compound
        self.subentry = subentry
        self.entrance_name = subentry.title
        self.kept_open_in_lockdown = False
        self.performed: list[EntranceAction] = []

    async def async_start(self) -> None:
        """Nothing to connect to."""

    async def async_stop(self) -> None:
        """Nothing to disconnect from."""

    @property
    def device_info(self) -> DeviceInfo:
        return {"identifiers": {(DOMAIN, self.subentry.subentry_id)}, "name": self.subentry.title}

    def open_button(self) -> list[Entity]:
        button = type("GateButton", (CompoundDeviceEntity, ButtonEntity), {})(
            self.compound, self.subentry, "open", self.device_info
        )
        button._attr_name = "Open"
        return [button]

    async def async_perform(self, action: EntranceAction, *, override: bool = False) -> None:
        self.performed.append(action)


class GateCover(CompoundDeviceEntity, CoverEntity):
    """The gate as Assist sees it: opening and closing go through the compound's door."""

    # As the integration's gates: a position is open (above 0) or closed, and the arm can stop.
    _attr_supported_features = (
        CoverEntityFeature.OPEN
        | CoverEntityFeature.CLOSE
        | CoverEntityFeature.STOP
        | CoverEntityFeature.SET_POSITION
    )
    _attr_is_closed = True
    _attr_name = None

    def __init__(self, gate: Gate) -> None:
        super().__init__(gate.compound, gate.subentry, "barrier", gate.device_info)
        self.gate = gate

    async def async_open_cover(self, **kwargs: Any) -> None:
        await self.compound.async_command_entrance(
            self.gate, EntranceAction.OPEN, context=self._context
        )

    async def async_close_cover(self, **kwargs: Any) -> None:
        await self.compound.async_command_entrance(
            self.gate, EntranceAction.CLOSE, context=self._context
        )

    async def async_stop_cover(self, **kwargs: Any) -> None:
        await self.compound.async_command_entrance(
            self.gate, EntranceAction.STOP, context=self._context
        )

    async def async_set_cover_position(self, **kwargs: Any) -> None:
        action = EntranceAction.OPEN if kwargs["position"] > 0 else EntranceAction.CLOSE
        await self.compound.async_command_entrance(self.gate, action, context=self._context)


@pytest.fixture
def assist() -> bool:
    """Whether Assist runs in the test (parametrized indirectly where it does)."""
    return False


@pytest.fixture
async def gate_compound(hass: HomeAssistant, assist: bool) -> Generator[MockConfigEntry]:
    """A compound with two gates; with assist, Assist is set up first, as at a real start-up."""
    if assist:
        for component in ("homeassistant", "conversation", "intent"):
            assert await async_setup_component(hass, component, {})
        await hass.async_block_till_done()
    entry = make_compound_entry(
        subentries_data=(
            ConfigSubentryData(data={}, subentry_type="gate", title="East gate", unique_id="e"),
            ConfigSubentryData(data={}, subentry_type="gate", title="北门", unique_id="n"),
        )
    )
    entry.add_to_hass(hass)
    with (
        patch.dict(DEVICE_FACTORIES, {"gate": Gate}),
        patch.dict(button.ENTITY_BUILDERS, {Gate: Gate.open_button}),
        patch.dict(cover.ENTITY_BUILDERS, {Gate: lambda gate: [GateCover(gate)]}),
    ):
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        yield entry


def _gate(entry: MockConfigEntry, name: str = "East gate") -> Gate:
    (gate,) = (gate for gate in entry.runtime_data.devices.values() if gate.entrance_name == name)
    assert isinstance(gate, Gate)
    return gate


async def test_an_administrator_opens_a_shut_gate_once(
    hass: HomeAssistant, gate_compound: MockConfigEntry, hass_admin_user: Any
) -> None:
    await gate_compound.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    events = async_capture_events(hass, EVENT_ENTRANCE_OVERRIDE)

    await hass.services.async_call(
        DOMAIN,
        "override_gate",
        {"entity_id": GATE_BUTTON, "reason": "Ambulance"},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )

    assert _gate(gate_compound).performed == [EntranceAction.OPEN]
    assert events[0].data["entrance"] == "East gate"
    assert events[0].data["user"] == hass_admin_user.id


async def test_a_resident_cannot_override(
    hass: HomeAssistant, gate_compound: MockConfigEntry, hass_read_only_user: Any
) -> None:
    await gate_compound.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)

    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "override_gate",
            {"entity_id": GATE_BUTTON, "reason": "Let me out"},
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    assert _gate(gate_compound).performed == []


async def test_override_needs_an_entrance_and_a_reason(
    hass: HomeAssistant, gate_compound: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN,
            "override_gate",
            {"entity_id": "select.longdengli_mode", "reason": "Test"},
            blocking=True,
        )
    assert error.value.translation_key == "not_an_entrance"

    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN,
            "override_gate",
            {"entity_id": "button.nowhere", "reason": "Test"},
            blocking=True,
        )
    assert error.value.translation_key == "unknown_compound"
    with pytest.raises(Exception, match="length"):
        await hass.services.async_call(
            DOMAIN, "override_gate", {"entity_id": GATE_BUTTON, "reason": ""}, blocking=True
        )
    assert _gate(gate_compound).performed == []


@pytest.mark.parametrize("assist", [True])
@pytest.mark.parametrize(
    ("sentence", "language", "gate", "answer"),
    [
        (
            "open the east gate",
            "en",
            "East gate",
            (
                "East gate stays closed: the compound is in lockdown. "
                "An administrator can override it for one opening."
            ),
        ),
        (
            "打开北门",
            "zh-cn",
            "北门",
            "北门保持关闭：小区正处于封闭管理。管理员可通过临时放行操作开启一次。",
        ),
    ],
)
async def test_assist_speaks_the_reason_a_gate_stays_shut(
    hass: HomeAssistant,
    gate_compound: MockConfigEntry,
    *,
    sentence: str,
    language: str,
    gate: str,
    answer: str,
) -> None:
    await gate_compound.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)

    result = await async_converse(hass, sentence, None, Context(), language=language)

    assert result.response.speech["plain"]["speech"] == answer
    assert _gate(gate_compound, gate).performed == []

    await gate_compound.runtime_data.async_set_mode(CompoundMode.NORMAL, context=None)
    result = await async_converse(hass, sentence, None, Context(), language=language)
    assert result.response.response_type.value == "action_done"
    assert _gate(gate_compound, gate).performed == [EntranceAction.OPEN]


async def test_the_mode_can_be_set_through_any_device_of_the_compound(
    hass: HomeAssistant, gate_compound: MockConfigEntry
) -> None:
    entity = er.async_get(hass).async_get(GATE_BUTTON)
    assert entity is not None
    gate_device = dr.async_get(hass).async_get(entity.device_id or "")
    assert gate_device is not None
    assert gate_device.name == "East gate"

    await hass.services.async_call(
        DOMAIN, "set_mode", {"compound": gate_device.id, "mode": "controlled"}, blocking=True
    )

    assert gate_compound.runtime_data.mode is CompoundMode.CONTROLLED
