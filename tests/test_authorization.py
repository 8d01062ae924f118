"""Tests of who may change a compound's mode: every row of the rule table, on every command path."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
import shutil
from typing import Any

from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.auth.models import User
from homeassistant.components.conversation import async_converse
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN, SERVICE_SELECT_OPTION
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.hanyang_compound import mode_pin
from custom_components.hanyang_compound.const import (
    CONF_MODE_PIN_HASH,
    CONF_USERS_MAY_RESTRICT,
    DOMAIN,
)
from custom_components.hanyang_compound.intent import INTENT_SET_MODE
from custom_components.hanyang_compound.mode_pin import hash_pin
from custom_components.hanyang_compound.modes import (
    CompoundMode,
    EntranceAction,
    Requester,
    mode_change_refusal,
    override_refusal,
)

from .conftest import make_compound_entry

MODE_ENTITY = "select.longdengli_mode"
SENTENCES = Path(__file__).resolve().parent.parent / "custom_sentences"
PIN = "2468"
N, C, L, E = (
    CompoundMode.NORMAL,
    CompoundMode.CONTROLLED,
    CompoundMode.LOCKDOWN,
    CompoundMode.EVACUATION,
)

# The table of the README, as (from, to) -> allowed for each requester; voice with and without the PIN.
STARTS_EVACUATION = [(N, E), (C, E), (L, E)]
RESTRICTS = [(N, L), (N, C), (C, L), (C, N)]
LIFTS = [(L, N), (L, C), (E, N), (E, L)]


@pytest.mark.parametrize(("old", "new"), STARTS_EVACUATION + RESTRICTS + LIFTS)
@pytest.mark.parametrize("users_may_restrict", [False, True])
@pytest.mark.parametrize(("pin_set", "pin_given"), [(False, False), (True, False), (True, True)])
def test_the_rule_table_row_by_row(
    old: CompoundMode,
    new: CompoundMode,
    *,
    users_may_restrict: bool,
    pin_set: bool,
    pin_given: bool,
) -> None:
    def allowed(requester: Requester) -> bool:
        return (
            mode_change_refusal(
                requester,
                old,
                new,
                users_may_restrict=users_may_restrict,
                pin_set=pin_set,
                pin_given=pin_given,
            )
            is None
        )

    assert allowed(Requester.ADMINISTRATOR)
    assert allowed(Requester.SYSTEM)
    assert not allowed(Requester.READ_ONLY)
    if (old, new) in STARTS_EVACUATION:
        assert allowed(Requester.USER)
        assert allowed(Requester.VOICE)
    elif (old, new) in RESTRICTS:
        assert allowed(Requester.USER) is users_may_restrict
        assert allowed(Requester.VOICE)
    else:
        assert not allowed(Requester.USER)
        assert allowed(Requester.VOICE) is (pin_set and pin_given)


def test_only_administrators_and_automations_override() -> None:
    assert override_refusal(Requester.ADMINISTRATOR) is None
    assert override_refusal(Requester.SYSTEM) is None
    for requester in (Requester.USER, Requester.READ_ONLY, Requester.VOICE):
        assert override_refusal(requester) == "override_refused"


@pytest.fixture
async def volunteer(hass: HomeAssistant) -> User:
    """A user who may control entities but is no administrator (nor the owner)."""
    users = await hass.auth.async_get_group(GROUP_ID_USER)
    assert users is not None
    return MockUser(name="Volunteer", groups=[users]).add_to_hass(hass)


def _integration_log(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.hanyang_compound")
    )


type Path_ = Callable[[HomeAssistant, CompoundMode, str | None], Awaitable[None]]


async def _by_select(hass: HomeAssistant, mode: CompoundMode, user_id: str | None) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: MODE_ENTITY, "option": str(mode)},
        blocking=True,
        context=Context(user_id=user_id),
    )


async def _by_action(hass: HomeAssistant, mode: CompoundMode, user_id: str | None) -> None:
    await hass.services.async_call(
        DOMAIN,
        "set_mode",
        {"compound": MODE_ENTITY, "mode": str(mode)},
        blocking=True,
        context=Context(user_id=user_id),
    )


async def _by_intent(hass: HomeAssistant, mode: CompoundMode, user_id: str | None) -> None:
    """As Assist and LLM agents call it; a refusal is spoken, so raise it for the test."""
    response = await intent.async_handle(
        hass,
        "test",
        INTENT_SET_MODE,
        {"mode": {"value": str(mode)}},
        context=Context(user_id=user_id),
        language="en",
    )
    if response.response_type is intent.IntentResponseType.ERROR:
        raise Unauthorized


PATHS = {"select": _by_select, "action": _by_action, "intent": _by_intent}


async def _start_in(hass: HomeAssistant, entry: MockConfigEntry, mode: CompoundMode) -> None:
    await entry.runtime_data.async_set_mode(mode, context=None)


@pytest.fixture
async def compound(hass: HomeAssistant) -> MockConfigEntry:
    entry = make_compound_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert await async_setup_component(hass, "intent", {})
    await hass.async_block_till_done()
    return entry


def _set_options(hass: HomeAssistant, entry: MockConfigEntry, **options: Any) -> None:
    # Changed in place: an options update would reload the compound, which the test does not need.
    hass.config_entries.async_update_entry(entry, options={**entry.options, **options})


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("old", "new"), [(N, E), (L, E), (N, L), (N, C), (L, N), (E, N)])
async def test_an_administrator_may_do_everything_on_every_path(
    hass: HomeAssistant,
    compound: MockConfigEntry,
    *,
    hass_admin_user: User,
    path: str,
    old: CompoundMode,
    new: CompoundMode,
) -> None:
    await _start_in(hass, compound, old)
    await PATHS[path](hass, new, hass_admin_user.id)
    assert compound.runtime_data.mode is new


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("old", "new"), [(N, E), (N, L), (L, N), (E, N), (N, C)])
async def test_a_read_only_user_is_refused_everywhere(
    hass: HomeAssistant,
    compound: MockConfigEntry,
    *,
    hass_read_only_user: User,
    path: str,
    old: CompoundMode,
    new: CompoundMode,
) -> None:
    await _start_in(hass, compound, old)
    with pytest.raises(Unauthorized):
        await PATHS[path](hass, new, hass_read_only_user.id)
    assert compound.runtime_data.mode is old


@pytest.mark.parametrize("path", PATHS)
async def test_another_user_may_start_an_evacuation(
    hass: HomeAssistant, compound: MockConfigEntry, volunteer: User, path: str
) -> None:
    await _start_in(hass, compound, L)
    await PATHS[path](hass, E, volunteer.id)
    assert compound.runtime_data.mode is E


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("new", [L, C])
async def test_another_user_restricts_only_where_the_compound_allows_it(
    hass: HomeAssistant, compound: MockConfigEntry, volunteer: User, path: str, new: CompoundMode
) -> None:
    with pytest.raises(Unauthorized):
        await PATHS[path](hass, new, volunteer.id)
    assert compound.runtime_data.mode is N

    _set_options(hass, compound, **{CONF_USERS_MAY_RESTRICT: True})
    await PATHS[path](hass, new, volunteer.id)
    assert compound.runtime_data.mode is new


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("old", "new"), [(L, N), (L, C), (E, N), (E, L)])
async def test_another_user_never_lifts_a_lockdown_or_ends_an_evacuation(
    hass: HomeAssistant,
    compound: MockConfigEntry,
    *,
    volunteer: User,
    path: str,
    old: CompoundMode,
    new: CompoundMode,
) -> None:
    _set_options(hass, compound, **{CONF_USERS_MAY_RESTRICT: True})
    await _start_in(hass, compound, old)
    with pytest.raises(Unauthorized):
        await PATHS[path](hass, new, volunteer.id)
    assert compound.runtime_data.mode is old


# An intent without a user is a voice satellite, never the system: only the select and the action.
@pytest.mark.parametrize("path", ["select", "action"])
@pytest.mark.parametrize(("old", "new"), [(N, E), (N, L), (L, N), (E, N), (C, N)])
async def test_automations_and_scripts_may_do_everything(
    hass: HomeAssistant, compound: MockConfigEntry, path: str, old: CompoundMode, new: CompoundMode
) -> None:
    await _start_in(hass, compound, old)
    await PATHS[path](hass, new, None)
    assert compound.runtime_data.mode is new


async def test_a_refusal_is_translated_names_the_compound_and_is_logged(
    hass: HomeAssistant,
    compound: MockConfigEntry,
    volunteer: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _start_in(hass, compound, L)
    with pytest.raises(ServiceValidationError) as refused:
        await _by_action(hass, N, volunteer.id)

    assert isinstance(refused.value, Unauthorized)
    assert refused.value.translation_key == "mode_refused_administrators_only"
    assert str(refused.value) == (
        "Only an administrator (or an automation) can switch Longdengli from Lockdown to Normal mode"
    )
    assert f"(user {volunteer.id})" in caplog.text
    assert "Refused to switch Longdengli from lockdown to normal mode for user" in caplog.text


# ----- voice satellites: intents without a user ------------------------------------------


async def _voice(
    hass: HomeAssistant, mode: CompoundMode, pin: str | None = None, language: str = "en"
) -> intent.IntentResponse:
    slots: dict[str, Any] = {"mode": {"value": str(mode)}}
    if pin is not None:
        slots["pin"] = {"value": pin}
    return await intent.async_handle(
        hass, "test", INTENT_SET_MODE, slots, context=Context(), language=language
    )


def _speech(response: intent.IntentResponse) -> str:
    return str(response.speech["plain"]["speech"])


@pytest.mark.parametrize(("old", "new"), [(N, E), (N, L), (N, C), (L, E)])
async def test_a_voice_satellite_may_restrict_and_evacuate(
    hass: HomeAssistant, compound: MockConfigEntry, old: CompoundMode, new: CompoundMode
) -> None:
    await _start_in(hass, compound, old)
    response = await _voice(hass, new)
    assert response.response_type is not intent.IntentResponseType.ERROR
    assert compound.runtime_data.mode is new


@pytest.mark.parametrize(("old", "new"), [(L, N), (E, N)])
async def test_a_voice_satellite_cannot_lift_without_a_pin_set_and_is_told_who_can(
    hass: HomeAssistant, compound: MockConfigEntry, old: CompoundMode, new: CompoundMode
) -> None:
    await _start_in(hass, compound, old)

    response = await _voice(hass, new, pin="1234")

    assert response.response_type is intent.IntentResponseType.ERROR
    assert "An administrator can change it in the app" in _speech(response)
    assert compound.runtime_data.mode is old


async def test_a_voice_refusal_is_spoken_in_the_language_of_the_request(
    hass: HomeAssistant, compound: MockConfigEntry
) -> None:
    await _start_in(hass, compound, L)

    response = await _voice(hass, N, language="zh-cn")

    assert _speech(response).startswith("Longdengli保持封闭管理模式")


@pytest.fixture
async def pin_compound(hass: HomeAssistant, compound: MockConfigEntry) -> MockConfigEntry:
    hashed = await hass.async_add_executor_job(hash_pin, PIN)
    _set_options(hass, compound, **{CONF_MODE_PIN_HASH: hashed})
    await _start_in(hass, compound, L)
    return compound


async def test_a_voice_satellite_lifts_a_lockdown_with_the_pin(
    hass: HomeAssistant, pin_compound: MockConfigEntry
) -> None:
    response = await _voice(hass, N)
    assert "say the mode PIN too" in _speech(response)
    assert pin_compound.runtime_data.mode is L

    response = await _voice(hass, N, pin="two four six eight")
    assert response.response_type is not intent.IntentResponseType.ERROR
    assert pin_compound.runtime_data.mode is N


async def test_wrong_pins_are_refused_and_rate_limited(
    hass: HomeAssistant, pin_compound: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(mode_pin.WRONG_PINS_ALLOWED):
        response = await _voice(hass, N, pin="1111")
        assert "That is not the mode PIN" in _speech(response)

    response = await _voice(hass, N, pin=PIN)

    assert "Too many wrong PINs" in _speech(response)
    assert pin_compound.runtime_data.mode is L
    assert PIN not in _integration_log(caplog)
    assert "1111" not in _integration_log(caplog)


async def test_the_right_pin_after_the_lockout_is_accepted(
    hass: HomeAssistant, pin_compound: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(mode_pin.WRONG_PINS_ALLOWED):
        await _voice(hass, N, pin="1111")
    now = mode_pin.time.monotonic()
    monkeypatch.setattr(mode_pin.time, "monotonic", lambda: now + mode_pin.LOCKOUT_SECONDS + 1)

    await _voice(hass, N, pin=PIN)

    assert pin_compound.runtime_data.mode is N


async def test_a_logged_in_user_speaking_is_that_user_not_a_satellite(
    hass: HomeAssistant, pin_compound: MockConfigEntry, volunteer: User
) -> None:
    response = await intent.async_handle(
        hass,
        "test",
        INTENT_SET_MODE,
        {"mode": {"value": "normal"}, "pin": {"value": PIN}},
        context=Context(user_id=volunteer.id),
        language="en",
    )

    assert "Only an administrator" in _speech(response)
    assert pin_compound.runtime_data.mode is L


@pytest.fixture
async def assist(hass: HomeAssistant, tmp_path: Path, pin_compound: MockConfigEntry) -> None:
    """Assist with the shipped example sentences, as a voice satellite uses it."""
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(SENTENCES, tmp_path / "custom_sentences")
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await hass.async_block_till_done()


@pytest.mark.usefixtures("assist")
@pytest.mark.parametrize(
    ("language", "refused", "accepted"),
    [
        ("en", "switch the compound to normal", f"switch the compound to normal with pin {PIN}"),
        ("zh-cn", "把小区切换到正常模式", f"把小区切换到正常模式密码{PIN}"),
    ],
)
async def test_a_satellite_sentence_with_the_pin_lifts_the_lockdown(
    hass: HomeAssistant,
    pin_compound: MockConfigEntry,
    *,
    language: str,
    refused: str,
    accepted: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    result = await async_converse(hass, refused, None, Context(), language=language)
    assert pin_compound.runtime_data.mode is L
    assert result.response.response_type is intent.IntentResponseType.ERROR

    await async_converse(hass, accepted, None, Context(), language=language)

    assert pin_compound.runtime_data.mode is N
    assert PIN not in (pin_compound.runtime_data.mode_reason or "")
    assert PIN not in _integration_log(caplog)


async def test_the_options_store_only_a_hash_of_the_pin(
    hass: HomeAssistant, compound: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(compound.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"share_resident_identity": False, "fever_threshold": 37.3, "mode_pin": "12"},
    )
    assert result["errors"] == {"mode_pin": "pin_invalid"}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"share_resident_identity": False, "fever_threshold": 37.3, "mode_pin": PIN},
    )
    await hass.async_block_till_done()

    assert result["type"] == "create_entry"
    stored = compound.options[CONF_MODE_PIN_HASH]
    # Only a salted hash is kept, whose hex digits may hold any four digits by chance.
    scheme, iterations, salt, digest = stored.split("$")
    assert (scheme, int(iterations)) == (mode_pin.HASH_SCHEME, mode_pin.HASH_ITERATIONS)
    assert (len(bytes.fromhex(salt)), len(bytes.fromhex(digest))) == (16, 32)
    others = {key: value for key, value in compound.options.items() if key != CONF_MODE_PIN_HASH}
    assert PIN not in str(others)
    assert mode_pin.pin_matches(PIN, stored)
    assert compound.state is ConfigEntryState.LOADED

    # Leaving the field empty keeps the PIN; clearing it removes it.
    result = await hass.config_entries.options.async_init(compound.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"share_resident_identity": False, "fever_threshold": 37.3}
    )
    await hass.async_block_till_done()
    assert compound.options[CONF_MODE_PIN_HASH] == stored
    result = await hass.config_entries.options.async_init(compound.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"share_resident_identity": False, "fever_threshold": 37.3, "clear_mode_pin": True},
    )
    await hass.async_block_till_done()
    assert CONF_MODE_PIN_HASH not in compound.options


class _Door:
    """An entrance that records what it was told to do."""

    entrance_name = "North door"
    kept_open_in_lockdown = False

    def __init__(self) -> None:
        self.actions: list[EntranceAction] = []

    async def async_perform(self, action: EntranceAction, *, override: bool = False) -> None:
        self.actions.append(action)


async def test_only_administrators_and_automations_override_at_the_door(
    hass: HomeAssistant,
    compound: MockConfigEntry,
    hass_admin_user: User,
    hass_read_only_user: User,
    volunteer: User,
) -> None:
    door = _Door()
    await _start_in(hass, compound, L)
    for user in (volunteer, hass_read_only_user):
        with pytest.raises(Unauthorized) as refused:
            await compound.runtime_data.async_command_entrance(
                door, EntranceAction.OPEN, context=Context(user_id=user.id), override_reason="x"
            )
        assert refused.value.translation_key == "override_refused"
    assert door.actions == []

    for context in (Context(user_id=hass_admin_user.id), Context()):
        await compound.runtime_data.async_command_entrance(
            door, EntranceAction.OPEN, context=context, override_reason="Ambulance"
        )
    assert door.actions == [EntranceAction.OPEN, EntranceAction.OPEN]


@pytest.mark.parametrize(
    ("said", "pin"),
    [
        ("2468", "2468"),
        ("2 4 6 8", "2468"),
        ("two four six eight", "2468"),
        ("二四六八", "2468"),
        ("两零幺九", "2019"),
        ("oh one two three", "0123"),
        ("12", None),
        ("123456789", None),
        ("twenty", None),
        ("24a8", None),
    ],
)
def test_a_spoken_pin_is_read_as_its_digits(said: str, pin: str | None) -> None:
    assert mode_pin.normalize_pin(said) == pin


def test_a_malformed_stored_hash_matches_no_pin() -> None:
    assert not mode_pin.pin_matches(PIN, "not a hash")
    assert not mode_pin.pin_matches(PIN, "md5$1$00$00")
