"""Tests of the simulator's description file, device-kind registry, control API and command line."""

from __future__ import annotations

import asyncio
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from simulator.__main__ import main
from simulator.description import CompoundDescription, DescriptionError
from simulator.kinds import KINDS, CommandError, register_kind
from simulator.runtime import Simulator

DEMO = Path(__file__).resolve().parents[2] / "simulator" / "demo.yaml"


class Bell:
    """A trivial device kind: it rings on command and counts the rings."""

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        self.device_id = device_id
        self.volume = settings.get("volume", 1)
        self.rings = 0
        self.running = False

    async def async_start(self) -> None:
        self.running = True

    async def async_stop(self) -> None:
        self.running = False

    def status(self) -> dict[str, Any]:
        return {"rings": self.rings, "volume": self.volume, "running": self.running}

    async def async_command(self, command: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        if command != "ring":
            raise CommandError(f"a bell cannot {command}")
        self.rings += int(arguments.get("times", 1))
        return self.status()


@pytest.fixture
def bell_kind() -> Generator[None]:
    register_kind("bell")(Bell)
    yield
    del KINDS["bell"]


def test_the_demo_description_loads() -> None:
    demo = CompoundDescription.load(DEMO)
    assert (demo.name, demo.zone, demo.service_tier) == ("Longdengli", "Qingchuan", "standard")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "'compound' section"),
        ({"compound": {"name": " ", "zone": "Qingchuan"}}, "compound.name"),
        ({"compound": {"name": "A", "zone": 3}}, "compound.zone"),
        ({"compound": {"name": "A", "zone": "B"}, "devices": {}}, "'devices' must be a list"),
        ({"compound": {"name": "A", "zone": "B"}, "devices": [{"id": "x"}]}, "devices[0]"),
        (
            {"compound": {"name": "A", "zone": "B"}, "devices": [{"id": "x", "kind": "k"}] * 2},
            "repeated: x",
        ),
    ],
)
def test_bad_descriptions_say_what_is_wrong(raw: Any, message: str) -> None:
    with pytest.raises(DescriptionError, match=message.replace("[", r"\[")):
        CompoundDescription.from_mapping(raw)


def test_invalid_yaml_and_unknown_kinds_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("compound: [", encoding="utf-8")
    with pytest.raises(DescriptionError, match="not valid YAML"):
        CompoundDescription.load(broken)
    described = CompoundDescription.from_mapping(
        {"compound": {"name": "A", "zone": "B"}, "devices": [{"id": "x", "kind": "teleporter"}]}
    )
    with pytest.raises(DescriptionError, match="unknown device kinds: teleporter"):
        Simulator(described)


def test_a_kind_cannot_be_registered_twice(bell_kind: None) -> None:
    with pytest.raises(ValueError, match="registered twice"):
        register_kind("bell")(Bell)


@pytest.mark.usefixtures("socket_enabled", "bell_kind")
async def test_control_api_lists_devices_and_runs_commands() -> None:
    description = CompoundDescription.from_mapping(
        {
            "compound": {"name": "Longdengli", "zone": "Qingchuan"},
            "devices": [{"id": "gate-bell", "kind": "bell", "volume": 3}],
        }
    )
    async with Simulator(description) as simulator, aiohttp.ClientSession() as session:
        async with session.get(f"{simulator.control_url}/status") as response:
            assert await response.json() == {
                "compound": {"name": "Longdengli", "zone": "Qingchuan", "service_tier": "standard"},
                "devices": {
                    "gate-bell": {"kind": "bell", "rings": 0, "volume": 3, "running": True}
                },
            }
        url = f"{simulator.control_url}/devices/gate-bell"
        async with session.post(f"{url}/ring", json={"times": 2}) as response:
            assert response.status == 200
            assert (await response.json())["rings"] == 2
        async with session.post(f"{url}/fly", json={}) as response:
            assert response.status == 400
            assert (await response.json()) == {"error": "a bell cannot fly"}
        async with session.post(f"{url}/ring", data=b"[1]") as response:
            assert response.status == 400
        async with session.post(f"{url}/ring", data=b"{") as response:
            assert response.status == 400
        async with session.post(f"{simulator.control_url}/devices/none/ring") as response:
            assert response.status == 404
        bell = simulator.devices["gate-bell"]
    assert bell.status()["running"] is False


@pytest.mark.usefixtures("socket_enabled", "bell_kind")
async def test_command_line_sends_commands(capsys: pytest.CaptureFixture[str]) -> None:
    description = CompoundDescription.from_mapping(
        {"compound": {"name": "A", "zone": "B"}, "devices": [{"id": "bell", "kind": "bell"}]}
    )
    async with Simulator(description) as simulator:
        url = simulator.control_url
        code = await asyncio.to_thread(
            main, ["send", "bell", "ring", "times=3", "--control-url", url]
        )
        assert code == 0
        assert '"rings": 3' in capsys.readouterr().out
        code = await asyncio.to_thread(main, ["send", "bell", "ring", "loud", "--control-url", url])
        assert code == 2
    code = await asyncio.to_thread(main, ["send", "bell", "ring", "--control-url", url])
    assert code == 1
