"""The demo compound's gates and shed outputs can be added through the subentry flows, as scripts/develop does."""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
import yaml

from simulator.description import CompoundDescription
from simulator.runtime import Simulator
from tests.conftest import make_compound_entry

DEMO = Path(__file__).resolve().parents[2] / "simulator" / "demo.yaml"
KINDS = ("io_module", "barrier_gate", "shed_light", "shed_socket")


@pytest.mark.usefixtures("socket_enabled", "no_setup")
async def test_the_demo_subentries_pass_their_flows(hass: HomeAssistant) -> None:
    raw = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    raw["devices"] = [device for device in raw["devices"] if device["kind"] == "io_module"]
    # Free ports instead of the demo's, so the test runs beside a running scripts/develop.
    demo_ports = {device["id"]: device.pop("port") for device in raw["devices"]}
    entry = make_compound_entry()
    entry.add_to_hass(hass)
    ids: dict[str, str] = {}
    ports: dict[int, int] = {}

    def resolve(key: str, value: Any) -> Any:
        if isinstance(value, str) and (match := re.fullmatch(r"\{subentry:(.+)\}", value)):
            return ids[match.group(1)]
        return ports.get(value, value) if key == "port" else value

    async with Simulator(CompoundDescription.from_mapping(raw)) as simulator:
        ports.update(
            (demo_ports[device_id], device.status()["port"])
            for device_id, device in simulator.devices.items()
        )
        for planned in raw["home_assistant"]["subentries"]:
            if planned["type"] not in KINDS:
                continue
            result = await hass.config_entries.subentries.async_init(
                (entry.entry_id, planned["type"]), context={"source": SOURCE_USER}
            )
            for step in planned["steps"]:
                user_input = {key: resolve(key, value) for key, value in step.items()}
                result = await hass.config_entries.subentries.async_configure(
                    result["flow_id"], user_input
                )
            assert result["type"] is FlowResultType.CREATE_ENTRY, result
            assert result["title"] == planned["title"]
            ids[planned["title"]] = next(
                subentry.subentry_id
                for subentry in entry.subentries.values()
                if subentry.title == planned["title"]
            )
    assert len(ids) == 8
