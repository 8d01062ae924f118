"""Tests of the I/O module client against the simulated gateway, over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import json
from pathlib import Path
import time

from modbus_connection import ModbusSerialParams, ModbusTcpParams
from modbus_connection.tmodbus import ModbusConnection
import pytest

from custom_components.hanyang_compound.devices.iomodule.module import (
    IoModule,
    ModuleError,
    ModuleGarbledError,
    ModuleRefusedError,
    ModuleUnreachableError,
)
from custom_components.hanyang_compound.devices.iomodule.profiles import (
    PROFILES,
    ProfileError,
    load_profiles,
)
from simulator.devices.io_module import Fault, Gateway

TCP = PROFILES["tcp_relay_8"]
RTU = PROFILES["rtu_relay_8"]


@pytest.fixture
async def gateway(socket_enabled: None) -> AsyncGenerator[Gateway]:
    gateway = Gateway("gw", {"modules": [{"unit_id": 1}, {"unit_id": 2}]})
    await gateway.async_start()
    yield gateway
    await gateway.async_stop()


@pytest.fixture
async def connection(gateway: Gateway) -> AsyncGenerator[ModbusConnection]:
    connection = ModbusConnection(ModbusTcpParams(host="127.0.0.1", port=gateway.port), timeout=0.5)
    yield connection
    await connection.close()


async def test_one_poll_reads_relays_and_inputs_in_two_requests(
    gateway: Gateway, connection: ModbusConnection
) -> None:
    gateway.modules[1].free_inputs[3] = True
    module = IoModule(connection.for_unit(1), TCP)
    await module.async_set_relay(6, on=True)
    gateway.requests = 0

    snapshot = await module.async_read()

    assert snapshot.relays == (False,) * 6 + (True, False)
    assert snapshot.inputs == (False,) * 3 + (True,) + (False,) * 4
    assert snapshot.latency >= 0
    assert gateway.requests == 2


async def test_relays_are_read_back_after_writes_and_every_few_polls(
    gateway: Gateway, connection: ModbusConnection
) -> None:
    module = IoModule(connection.for_unit(1), TCP, relay_readback_every=3)
    counts = []
    for _ in range(4):
        gateway.requests = 0
        await module.async_read()
        counts.append(gateway.requests)
    assert counts == [2, 1, 1, 2]
    gateway.modules[1].coils[7] = True  # switched by another master
    assert not (await module.async_read()).relays[7]
    assert not (await module.async_read()).relays[7]
    assert (await module.async_read()).relays[7]
    await module.async_set_relay(0, on=True)
    gateway.requests = 0
    assert (await module.async_read()).relays[0]
    assert gateway.requests == 2


async def test_a_pulse_energises_the_relay_and_releases_it(
    gateway: Gateway, connection: ModbusConnection
) -> None:
    module = IoModule(connection.for_unit(2), TCP)
    await module.async_pulse(0, 0.01)
    assert gateway.modules[2].coils == [False] * 8
    with pytest.raises(ValueError, match="relay 8 does not exist"):
        await module.async_set_relay(8, on=True)


async def test_failures_are_told_apart(gateway: Gateway, connection: ModbusConnection) -> None:
    with pytest.raises(ModuleRefusedError):
        await IoModule(connection.for_unit(9), TCP).async_read()
    module = IoModule(connection.for_unit(1), TCP)
    gateway.fault = gateway.fault.GARBAGE
    with pytest.raises((ModuleGarbledError, ModuleUnreachableError)):
        await module.async_read()
    gateway.fault = gateway.fault.NO_ANSWER
    with pytest.raises(ModuleUnreachableError):
        await module.async_read()
    gateway.fault = gateway.fault.NONE
    assert (await module.async_read()).relays == (False,) * 8
    gateway.fault = gateway.fault.EXCEPTION
    with pytest.raises(ModuleRefusedError):
        await module.async_set_relay(0, on=True)
    gateway.fault = gateway.fault.NONE
    await gateway.async_stop()
    with pytest.raises(ModuleUnreachableError):
        await module.async_read()


async def test_rtu_frames_through_a_serial_bridge_are_spaced(socket_enabled: None) -> None:
    gateway = Gateway("bridge", {"framing": "rtu", "modules": [{"unit_id": 5}]})
    await gateway.async_start()
    connection = ModbusConnection(
        ModbusSerialParams(device=f"socket://127.0.0.1:{gateway.port}", baudrate=115200),
        timeout=0.5,
    )
    try:
        module = IoModule(connection.for_unit(5), RTU)
        await module.async_set_relay(2, on=True)
        assert (await module.async_read()).relays[2]
        with pytest.raises(ModuleUnreachableError):
            await IoModule(connection.for_unit(6), RTU).async_read()
    finally:
        await connection.close()
        await gateway.async_stop()


def test_profiles_are_checked_when_loaded(tmp_path: Path) -> None:
    assert {"tcp_relay_8", "rtu_relay_8"} <= PROFILES.keys()
    base = {
        "name": "x",
        "relays": 8,
        "inputs": 8,
        "transport": "tcp",
        "message_spacing": 0,
        "pulse_seconds": 0.5,
    }
    for broken, message in (
        ({k: v for k, v in base.items() if k != "relays"}, "incomplete"),
        ({**base, "relays": 0}, "1 to 2000"),
        ({**base, "transport": "udp"}, "unknown transport"),
        ({**base, "pulse_seconds": 0}, "no pulse length"),
    ):
        (tmp_path / "broken.json").write_text(json.dumps(broken))
        with pytest.raises(ProfileError, match=message):
            load_profiles(tmp_path)
    (tmp_path / "broken.json").write_text(json.dumps(base))
    assert load_profiles(tmp_path)["broken"].relays == 8


async def test_a_frozen_module_fails_within_its_request_timeout_whatever_the_link_waits(
    gateway: Gateway,
) -> None:
    gateway.fault = Fault.NO_ANSWER  # accepts the connection, reads requests, never answers
    # A link borrowed from core modbus waits ten seconds for an answer; the module does not.
    connection = ModbusConnection(ModbusTcpParams(host="127.0.0.1", port=gateway.port), timeout=10)
    module = IoModule(connection.for_unit(1), TCP, request_timeout=0.3)
    try:
        for request in (module.async_read, lambda: module.async_set_relay(0, on=True)):
            started = time.monotonic()
            with pytest.raises(ModuleUnreachableError, match="no answer in time"):
                await request()
            assert 0.3 <= time.monotonic() - started < 0.8
    finally:
        await connection.close()
    with pytest.raises(ValueError, match="positive"):
        IoModule(connection.for_unit(1), TCP, request_timeout=0)


async def test_errors_say_what_went_wrong_but_never_where(gateway: Gateway) -> None:
    errors: list[Exception] = []
    for port, fault in (
        (gateway.port, Fault.EXCEPTION),
        (gateway.port, Fault.NO_ANSWER),
        (1, Fault.NONE),  # nothing listens there
    ):
        gateway.fault = fault
        connection = ModbusConnection(ModbusTcpParams(host="127.0.0.1", port=port), timeout=0.3)
        try:
            with pytest.raises(ModuleError) as failed:
                await IoModule(connection.for_unit(1), TCP).async_read()
            errors.append(failed.value)
        finally:
            await connection.close()
    assert [str(error) for error in errors] == [
        "Modbus exception 11",  # gateway target failed to respond
        "no answer in time",
        "the link is down",
    ]
    # Neither the address nor the port reaches a log through the error or its cause's text.
    for error in errors:
        assert "127.0.0.1" not in str(error)
        assert str(gateway.port) not in str(error)


async def test_relays_are_read_at_once_when_asked(
    gateway: Gateway, connection: ModbusConnection
) -> None:
    module = IoModule(connection.for_unit(1), TCP)
    gateway.modules[1].coils[3] = True  # switched by another master
    gateway.requests = 0
    assert await module.async_read_relays() == (False,) * 3 + (True,) + (False,) * 4
    assert gateway.requests == 1


async def test_a_pulse_never_leaves_its_relay_energised(
    gateway: Gateway, connection: ModbusConnection
) -> None:
    module = IoModule(connection.for_unit(1), TCP)
    pulse = asyncio.create_task(module.async_pulse(4, 5.0))
    await asyncio.sleep(0.2)
    assert gateway.modules[1].coils[4]
    pulse.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pulse
    assert not gateway.modules[1].coils[4]
    gateway.fault = Fault.EXCEPTION
    with pytest.raises(ModuleRefusedError):
        await module.async_pulse(4, 0.01)  # the refusal to switch on, not the one to switch off
