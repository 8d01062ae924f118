"""Tests of the simulated I/O modules: the Modbus server, barrier physics, faults and control commands."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import struct
from typing import Any

import aiohttp
import pytest

from simulator.description import CompoundDescription
from simulator.devices.io_module import Barrier, Gateway, Module, crc16, execute
from simulator.kinds import CommandError
from simulator.runtime import Simulator
from tests.iomodule.conftest import NORTH_BARRIER


def test_barrier_physics_follow_the_pulses() -> None:
    barrier = Barrier(**NORTH_BARRIER, moved_at=0.0)
    assert barrier.inputs(0.0) == {0: False, 1: True, 2: False}
    barrier.pulse(0, 0.0)
    assert barrier.inputs(0.5) == {0: False, 1: False, 2: False}
    barrier.pulse(2, 0.5)  # stop half-way
    assert barrier.inputs(5.0)[0] is False
    barrier.pulse(0, 5.0)
    assert barrier.inputs(6.0)[0] is True
    barrier.vehicle_present = True
    barrier.pulse(1, 6.0)  # never onto a vehicle
    assert barrier.inputs(8.0) == {0: True, 1: False, 2: True}
    barrier.vehicle_present = False
    barrier.pulse(1, 8.0)
    barrier.jammed = True
    assert barrier.inputs(10.0)[1] is False
    barrier.jammed = False
    barrier.moved_at = 10.0
    assert barrier.inputs(11.0)[1] is True


def test_a_held_open_contact_keeps_the_arm_up() -> None:
    module = Module(unit_id=1, barriers=[Barrier(**NORTH_BARRIER, moved_at=0.0)])
    (barrier,) = module.barriers
    module.write(0, [True], 0.0)  # another controller holds the open button
    module.write(1, [True], 2.0)
    module.write(1, [False], 2.1)
    assert barrier.inputs(4.0)[0] is True  # the close was ignored
    module.write(0, [False], 4.0)
    module.write(1, [True], 4.0)
    assert barrier.inputs(6.0)[1] is True


def test_requests_are_answered_like_a_module_does() -> None:
    module = Module(unit_id=1, barriers=[Barrier(**NORTH_BARRIER)])
    assert execute(module, bytes([0x02, 0, 0, 0, 8]), 0.0) == bytes([0x02, 1, 0b010])
    assert execute(module, bytes([0x0F, 0, 4, 0, 2, 1, 0b11]), 0.0) == bytes([0x0F, 0, 4, 0, 2])
    assert module.coils[4:6] == [True, True]
    assert execute(module, bytes([0x01, 0, 0, 0, 8]), 0.0) == bytes([0x01, 1, 0b110000])
    assert execute(module, bytes([0x05, 0, 7, 0xFF, 0]), 0.0) == bytes([0x05, 0, 7, 0xFF, 0])
    for request, code in (
        (bytes([0x03, 0, 0, 0, 1]), 0x01),
        (bytes([0x01, 0, 0, 0, 9]), 0x02),
        (bytes([0x01, 0, 0, 0, 0]), 0x03),
        (bytes([0x01, 0, 0]), 0x03),
        (bytes([0x05, 0, 8, 0xFF, 0]), 0x02),
        (bytes([0x05, 0, 1, 0x12, 0]), 0x03),
        (bytes([0x05, 0, 1]), 0x03),
        (bytes([0x0F, 0, 7, 0, 2, 1, 3]), 0x02),
        (bytes([0x0F, 0, 0, 0, 2, 2, 3]), 0x03),
    ):
        assert execute(module, request, 0.0) == bytes([request[0] | 0x80, code]), request


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[Simulator]:
    description = CompoundDescription.from_mapping(
        {
            "compound": {"name": "Longdengli", "zone": "Qingchuan"},
            "devices": [
                {
                    "id": "north",
                    "kind": "io_module",
                    "modules": [{"unit_id": 1, "barriers": [NORTH_BARRIER]}, {"unit_id": 2}],
                },
                {"id": "bridge", "kind": "io_module", "framing": "rtu"},
            ],
        }
    )
    async with Simulator(description) as simulator:
        yield simulator


async def _send(simulator: Simulator, device: str, command: str, **arguments: Any) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{simulator.control_url}/devices/{device}/{command}", json=arguments
        ) as reply,
    ):
        return reply.status, await reply.json()


async def _exchange(port: int, frame: bytes, answer_size: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(frame)
    try:
        async with asyncio.timeout(0.3):
            return await reader.readexactly(answer_size)
    except TimeoutError:
        return b""
    finally:
        writer.close()


async def test_control_commands_drive_vehicles_jams_inputs_and_faults(
    simulator: Simulator,
) -> None:
    status, state = await _send(simulator, "north", "vehicle", unit_id=1, barrier="north")
    assert status == 200
    assert state["modules"]["1"]["barriers"]["north"]["vehicle_present"] is True
    _, state = await _send(simulator, "north", "vehicle", barrier="north", present=False)
    assert state["modules"]["1"]["barriers"]["north"]["passes"] == 1
    _, state = await _send(simulator, "north", "jam", barrier="north")
    assert state["modules"]["1"]["barriers"]["north"]["jammed"] is True
    _, state = await _send(simulator, "north", "set_input", unit_id=2, input=5, value=True)
    assert state["modules"]["2"]["inputs"][5] is True
    _, state = await _send(simulator, "north", "set_relay", unit_id=2, relay=6, value=True)
    assert (state["modules"]["2"]["coils"][6], state["modules"]["2"]["presses"][6]) == (True, 1)
    _, state = await _send(simulator, "north", "fault", fault="slow", delay=0.01, unit_id=2)
    assert (state["fault"], state["modules"]["2"]["fault"]) == ("none", "slow")
    _, state = await _send(simulator, "north", "fault", fault="exception", code=4)
    assert state["fault"] == "exception"
    _, state = await _send(simulator, "north", "reset_counters")
    assert state["requests"] == 0
    for command, arguments, message in (
        ("fly", {}, "cannot fly"),
        ("fault", {"fault": "smoke"}, "fault must be one of"),
        ("vehicle", {"unit_id": 7}, "no module with unit id 7"),
        ("jam", {"barrier": "south"}, "no barrier 'south'"),
    ):
        status, reply = await _send(simulator, "north", command, **arguments)
        assert (status, message in reply["error"]) == (400, True), reply
    with pytest.raises(CommandError, match="framing"):
        Gateway("x", {"framing": "ascii"})


async def test_faults_on_the_wire(simulator: Simulator) -> None:
    gateway = simulator.devices["north"]
    assert isinstance(gateway, Gateway)
    read = bytes([0, 1, 0, 0, 0, 6, 2, 0x01, 0, 0, 0, 8])
    assert await _exchange(gateway.port, read, 10) == bytes([0, 1, 0, 0, 0, 4, 2, 1, 1, 0])
    unknown_unit = bytes([0, 2, 0, 0, 0, 6, 9, 0x01, 0, 0, 0, 8])
    assert (await _exchange(gateway.port, unknown_unit, 9))[-2:] == bytes([0x81, 0x0B])
    gateway.modules[2].fault = gateway.fault.SLOW
    gateway.delay = 0.01
    assert await _exchange(gateway.port, read, 10)
    gateway.modules[2].fault = gateway.fault.EXCEPTION
    assert (await _exchange(gateway.port, read, 9))[-2:] == bytes([0x81, 0x0B])
    gateway.modules[2].fault = gateway.fault.READ_ONLY
    assert await _exchange(gateway.port, read, 10) == bytes([0, 1, 0, 0, 0, 4, 2, 1, 1, 0])
    write = bytes([0, 3, 0, 0, 0, 6, 2, 0x05, 0, 1, 0xFF, 0])
    assert (await _exchange(gateway.port, write, 9))[-2:] == bytes([0x85, 0x0B])
    assert gateway.modules[2].coils[1] is False
    gateway.modules[2].fault = gateway.fault.NO_ANSWER
    assert await _exchange(gateway.port, read, 10) == b""
    _, state = await _send(simulator, "north", "power_off")
    assert state["running"] is False
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", gateway.port)
    _, state = await _send(simulator, "north", "power_on")
    assert state["running"] is True
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
    await asyncio.sleep(0.05)
    await _send(simulator, "north", "drop")
    assert await reader.read() == b""
    writer.close()


async def test_rtu_framing_with_crc_and_silence_for_bad_frames(simulator: Simulator) -> None:
    gateway = simulator.devices["bridge"]
    assert isinstance(gateway, Gateway)

    def rtu(frame: bytes) -> bytes:
        return frame + struct.pack("<H", crc16(frame))

    write = rtu(bytes([1, 0x0F, 0, 0, 0, 3, 1, 0b101]))
    assert await _exchange(gateway.port, write, 8) == rtu(bytes([1, 0x0F, 0, 0, 0, 3]))
    assert await _exchange(gateway.port, rtu(bytes([1, 0x01, 0, 0, 0, 8])), 6) == rtu(
        bytes([1, 0x01, 1, 0b101])
    )
    corrupted = bytes([1, 0x01, 0, 0, 0, 8, 0, 0])
    assert await _exchange(gateway.port, corrupted, 6) == b""
    assert await _exchange(gateway.port, rtu(bytes([2, 0x01, 0, 0, 0, 8])), 5) == b""
