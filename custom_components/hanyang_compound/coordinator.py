"""How runtimes tell entities that something changed: push listener lists, and the module poller."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable
from contextlib import suppress
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .const import LOGGER
from .devices.iomodule.module import IoModule, ModuleError, ModuleSnapshot

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry, ConfigSubentry
    from homeassistant.core import HomeAssistant


class Listeners[*Args]:
    """Callbacks that a push-fed runtime calls with each change, each removable once."""

    __slots__ = ("_callbacks",)

    def __init__(self) -> None:
        """Start with nobody listening."""
        self._callbacks: list[Callable[[*Args], None]] = []

    @callback
    def add(self, listener: Callable[[*Args], None]) -> CALLBACK_TYPE:
        """Call listener with every change; returns the function that stops it (safe to call twice)."""
        self._callbacks.append(listener)

        @callback
        def remove() -> None:
            with suppress(ValueError):
                self._callbacks.remove(listener)

        return remove

    @callback
    def notify(self, *args: *Args) -> None:
        """Call every listener; one that stops listening meanwhile is not skipped over."""
        for listener in list(self._callbacks):
            listener(*args)


class Followers[Figure: Hashable]:
    """Who follows a push-fed runtime: each listener hears of the figures it shows, and of everything.

    A change of one figure reaches only that figure's followers (a cover's opening need not
    make its water level look again); a change of everything (availability) reaches all.
    """

    __slots__ = ("_everything", "_figures", "_later", "_tell_later")

    def __init__(self) -> None:
        """Start with nobody following."""
        self._everything: Listeners[()] = Listeners()
        # Tuples, replaced on every change: a figure's change walks them without copying.
        self._figures: dict[Figure, tuple[Callable[[], None], ...]] = {}
        self._later: set[Figure] = set()
        self._tell_later = OncePerTurn(self._tell_changed_later)

    @callback
    def add(self, listener: Callable[[], None], figures: Iterable[Figure] = ()) -> CALLBACK_TYPE:
        """Call listener when everything changes and when one of figures does; returns what stops it."""
        followed = tuple(figures)
        stop_everything = self._everything.add(listener)
        for figure in followed:
            self._figures[figure] = (*self._figures.get(figure, ()), listener)

        @callback
        def stop() -> None:
            stop_everything()
            for figure in followed:
                listeners = list(self._figures.get(figure, ()))
                with suppress(ValueError):
                    listeners.remove(listener)
                self._figures[figure] = tuple(listeners)

        return stop

    @callback
    def everything_changed(self) -> None:
        """Tell every follower."""
        self._everything.notify()

    @callback
    def changed(self, figures: Iterable[Figure]) -> None:
        """Tell the followers of the figures that changed, each once, and nobody else."""
        told: list[Callable[[], None]] = []
        followers = self._figures
        for figure in figures:
            for listener in followers.get(figure, ()):
                if listener not in told:
                    told.append(listener)
        for listener in told:
            listener()

    @callback
    def changed_after_turn(self, figures: Iterable[Figure]) -> None:
        """Tell the followers of the figures once the event loop's current turn is over.

        For figures derived from what is shown first (a terminal's counts after its event):
        whatever else arrived in the same turn is shown before them, and a figure changed many
        times in one turn is told once.
        """
        self._later.update(figures)
        self._tell_later.request()

    @callback
    def _tell_changed_later(self) -> None:
        figures, self._later = self._later, set()
        self.changed(figures)


class OncePerTurn:
    """Calls an action once the event loop's current turn is over, however often it was asked in it.

    What many devices change in the same instant (a Bluetooth proxy delivers many
    advertisements at once) is then written or told once, not once per device.
    """

    __slots__ = ("_action", "_pending")

    def __init__(self, action: Callable[[], None]) -> None:
        """Prepare the action; nothing is called until asked."""
        self._action = action
        self._pending: asyncio.Handle | None = None

    @callback
    def request(self) -> None:
        """Call the action after this turn, unless that is already asked."""
        if self._pending is None:
            self._pending = asyncio.get_running_loop().call_soon(self._run)

    @callback
    def cancel(self) -> None:
        """Drop a call not yet made."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    @callback
    def _run(self) -> None:
        self._pending = None
        self._action()


class ModuleCoordinator(DataUpdateCoordinator[ModuleSnapshot | None]):
    """Polls one module; None while it cannot be read, logged once when lost and once when back."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        subentry: ConfigSubentry,
        module: IoModule,
        poll_interval: int,
    ) -> None:
        """Poll module at the subentry's interval."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=subentry.title,
            update_interval=timedelta(seconds=poll_interval),
            always_update=True,
        )
        self.module = module
        self.failures = 0
        self.lost = False
        self.availability_listeners: Listeners[()] = Listeners()
        """Called when the module stops or starts answering; unlike a poll listener, one of
        these does not make a module with nothing wired to it poll."""
        self._answered: bool | None = None

    @callback
    def async_update_listeners(self) -> None:
        """Tell the poll listeners, then, if it changed, the availability listeners."""
        super().async_update_listeners()
        if (answered := self.data is not None) != self._answered:
            self._answered = answered
            self.availability_listeners.notify()

    async def _async_update_data(self) -> ModuleSnapshot | None:
        # Failures are data here, not exceptions: the coordinator would log an error line per
        # outage itself, and the entities would flap with every slow poll. What a return means
        # to a device wired to the module, its listener decides: it sees data again.
        try:
            snapshot = await self.module.async_read()
        except ModuleError as err:
            self.failures += 1
            if not self.lost:
                self.lost = True
                LOGGER.warning("I/O module %s cannot be read: %s", self.name, err)
            return None
        if self.lost:
            self.lost = False
            LOGGER.info("I/O module %s answers again", self.name)
        return snapshot
