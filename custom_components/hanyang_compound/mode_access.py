"""Who may change a compound's mode or override its entrances: the requester, the PIN, the refusal.

The rules themselves are the pure table in modes.py; this applies them to Home Assistant's
users and contexts, for the Compound, which asks before it changes anything.
"""

from __future__ import annotations

from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized

from .const import (
    CONF_DISTRICT_MAY,
    CONF_MODE_PIN_HASH,
    CONF_USERS_MAY_RESTRICT,
    DOMAIN,
    LOGGER,
    MODE_KEY,
)
from .mode_pin import PinGuard, normalize_pin, pin_matches
from .modes import (
    CompoundMode,
    DistrictRights,
    Requester,
    district_refusal,
    mode_change_refusal,
    override_refusal,
)
from .texts import entity_text, log_safe


class RequestRefusedError(ServiceValidationError, Unauthorized):
    """The requester may not do this to the compound: translated, and an Unauthorized for Home Assistant."""

    def __init__(
        self,
        translation_key: str,
        placeholders: dict[str, str],
        context: Context | None,
        modes: tuple[CompoundMode, CompoundMode] | None = None,
    ) -> None:
        """Refuse the request of context, explaining why with a translated message.

        modes is the change refused (from, to), for a voice answer in the speaker's language.
        """
        ServiceValidationError.__init__(
            self,
            translation_domain=DOMAIN,
            translation_key=translation_key,
            translation_placeholders=placeholders,
        )
        self.context = context
        self.user_id = context.user_id if context else None
        self.entity_id = None
        self.config_entry_id = None
        self.perm_category = None
        self.permission = POLICY_CONTROL
        self.modes = modes


class ModeAccess:
    """Applies the compound's rules to each request: who asks, with which PIN, and may they."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Guard the compound of entry; its options hold the PIN hash and the users' rights."""
        self.hass = hass
        self.entry = entry
        self._pin_guard = PinGuard()

    async def async_requester(self, context: Context | None, *, voice: bool = False) -> Requester:
        """Tell who asks: an administrator, another user, a read-only user, the system or a voice satellite."""
        user_id = context.user_id if context else None
        if user_id is None:
            return Requester.VOICE if voice else Requester.SYSTEM
        user = await self.hass.auth.async_get_user(user_id)
        if user is None or not user.is_active:
            return Requester.READ_ONLY
        if user.is_admin:
            return Requester.ADMINISTRATOR
        if not user.permissions.access_all_entities(POLICY_CONTROL):
            return Requester.READ_ONLY
        return Requester.USER

    @property
    def district_rights(self) -> DistrictRights:
        """What the compound lets its district do; the default where the option is unset or unknown."""
        try:
            return DistrictRights(str(self.entry.options.get(CONF_DISTRICT_MAY)))
        except ValueError:
            return DistrictRights.OWN_RESTRICTIONS

    def check_district_change(
        self, old: CompoundMode, new: CompoundMode, *, started_by_district: bool
    ) -> None:
        """Raise RequestRefusedError if a district directive may not switch from old to new."""
        refusal = district_refusal(
            old, new, rights=self.district_rights, started_by_district=started_by_district
        )
        if refusal:
            self._refuse(refusal, Requester.DISTRICT, old, new, None)

    async def async_check_mode_change(
        self,
        old: CompoundMode,
        new: CompoundMode,
        context: Context | None,
        *,
        voice: bool,
        pin: str | None,
    ) -> None:
        """Raise RequestRefusedError if the requester of context may not switch from old to new."""
        requester = await self.async_requester(context, voice=voice)
        pin_hash = self.entry.options.get(CONF_MODE_PIN_HASH)
        pin_given = False
        if requester is Requester.VOICE and pin_hash and pin is not None:
            if self._pin_guard.locked:
                self._refuse("mode_refused_pin_locked", requester, old, new, context)
            normalized = normalize_pin(pin)
            pin_given = normalized is not None and await self.hass.async_add_executor_job(
                pin_matches, normalized, str(pin_hash)
            )
            if not pin_given:
                self._pin_guard.record_wrong()
                self._refuse("mode_refused_pin_wrong", requester, old, new, context)
            self._pin_guard.reset()
        refusal = mode_change_refusal(
            requester,
            old,
            new,
            users_may_restrict=bool(self.entry.options.get(CONF_USERS_MAY_RESTRICT, False)),
            pin_set=bool(pin_hash),
            pin_given=pin_given,
        )
        if refusal:
            self._refuse(refusal, requester, old, new, context)

    def _refuse(
        self,
        refusal: str,
        requester: Requester,
        old: CompoundMode,
        new: CompoundMode,
        context: Context | None,
    ) -> None:
        LOGGER.info(
            "Refused to switch %s from %s to %s mode for %s (user %s): %s",
            log_safe(self.entry.title),
            old,
            new,
            requester,
            context.user_id if context else None,
            refusal,
        )
        placeholders = {
            "compound": self.entry.title,
            "old": entity_text(self.hass, f"select.{MODE_KEY}.state.{old}"),
            "mode": entity_text(self.hass, f"select.{MODE_KEY}.state.{new}"),
        }
        raise RequestRefusedError(refusal, placeholders, context, (old, new))

    async def async_changes_allowed(self, user_id: str) -> dict[CompoundMode, list[CompoundMode]]:
        """Return, for each mode the compound may be in, the modes this user may switch it to.

        What the dashboard offers a user; the table is the one every request is checked against.
        A voice PIN never comes from a dashboard, so lifting is offered only where no PIN is needed.
        """
        requester = await self.async_requester(Context(user_id=user_id))
        users_may_restrict = bool(self.entry.options.get(CONF_USERS_MAY_RESTRICT, False))
        pin_set = bool(self.entry.options.get(CONF_MODE_PIN_HASH))
        return {
            old: [
                new
                for new in CompoundMode
                if new is not old
                and mode_change_refusal(
                    requester,
                    old,
                    new,
                    users_may_restrict=users_may_restrict,
                    pin_set=pin_set,
                    pin_given=False,
                )
                is None
            ]
            for old in CompoundMode
        }

    async def async_may_override(self, user_id: str) -> bool:
        """Return whether this user may override an entrance the mode keeps shut."""
        return override_refusal(await self.async_requester(Context(user_id=user_id))) is None

    async def async_check_override(self, entrance: str, context: Context | None) -> None:
        """Raise RequestRefusedError unless an administrator or an automation asks to override."""
        requester = await self.async_requester(context)
        if refused := override_refusal(requester):
            LOGGER.info(
                "Refused to override %s for %s (user %s)",
                log_safe(entrance),
                requester,
                context.user_id if context else None,
            )
            raise RequestRefusedError(
                refused, {"compound": self.entry.title, "entrance": entrance}, context
            )
