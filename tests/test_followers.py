"""Tests of Followers: who hears of a push-fed figure's change, and when."""

from __future__ import annotations

import asyncio

from custom_components.hanyang_compound.coordinator import Followers


async def test_a_figure_told_after_the_turn_comes_after_what_is_shown_now_and_once() -> None:
    followers: Followers[str] = Followers()
    heard: list[str] = []
    followers.add(lambda: heard.append("passes sensor"), ("passes",))
    followers.add(lambda: heard.append("event entity"), ("event",))
    followers.add(lambda: heard.append("fever sensor"), ("fever",))

    # Two terminals' events in one turn: each event is shown at once, their counts after both.
    followers.changed_after_turn(["passes"])
    followers.changed(["event"])
    followers.changed_after_turn(["passes", "fever"])
    followers.changed(["event"])
    assert heard == ["event entity", "event entity"]

    await asyncio.sleep(0)
    assert heard[:2] == ["event entity", "event entity"]
    assert sorted(heard[2:]) == ["fever sensor", "passes sensor"]

    await asyncio.sleep(0)  # told once: nothing is left for the next turn
    assert len(heard) == 4
