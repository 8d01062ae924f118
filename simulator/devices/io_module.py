"""Simulated Modbus I/O modules behind a gateway, with barrier physics and fault injection.

One device of kind io_module is a gateway (Modbus TCP, or RTU framing over TCP as a serial
bridge sends it) listening on one port, routing requests by unit id to the modules behind it.
Each module has 8 relays (coils 0-7: FC 01, 05, 15) and 8 inputs (discrete inputs 0-7: FC 02).
Barriers wired to a module move when a pulse (rising edge) reaches their open, close or stop
relay, and drive their limit inputs and vehicle loop like real barrier controllers do.

Settings::

    port: 15021            # 0 picks a free port
    framing: tcp           # or rtu
    modules:
      - unit_id: 1
        barriers:
          - {name: north, open_relay: 0, close_relay: 1, stop_relay: 2,
             open_limit: 0, closed_limit: 1, vehicle_loop: 2, travel_time: 2.0}

The Modbus server is written here rather than taken from pymodbus: pymodbus's server datastore
changed shape between the releases the two test lanes pin (3.8 and 3.13), and fault injection
(garbage, stalls, dropped links) needs the bytes on the wire anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
from dataclasses import dataclass, field
from enum import StrEnum
import random
import struct
import time
from typing import Any

from simulator.kinds import CommandError, register_kind

RELAYS = 8
INPUTS = 8
LOOPBACK = "127.0.0.1"

READ_COILS = 0x01
READ_DISCRETE_INPUTS = 0x02
WRITE_SINGLE_COIL = 0x05
WRITE_MULTIPLE_COILS = 0x0F

ILLEGAL_FUNCTION = 0x01
ILLEGAL_DATA_ADDRESS = 0x02
ILLEGAL_DATA_VALUE = 0x03
GATEWAY_TARGET_FAILED = 0x0B

COIL_ON = 0xFF00
COIL_OFF = 0x0000
FIXED_REQUEST_PDU = 5
"""Length of a read or single-write request PDU: function, address, count or value."""
MAX_READ_BITS = 2000
RTU_FIXED_REQUEST = 8
"""Length of an RTU read or single-write request: unit, PDU, CRC."""
RTU_MULTIPLE_HEADER = 7
"""Bytes of an RTU multiple-write request up to and including its byte count."""


class Fault(StrEnum):
    """What the gateway does wrong on purpose."""

    NONE = "none"
    NO_ANSWER = "no_answer"
    SLOW = "slow"
    EXCEPTION = "exception"
    READ_ONLY = "read_only"
    """Reads are answered, writes refused with the exception code: outputs locked (local mode)."""
    GARBAGE = "garbage"


def crc16(frame: bytes) -> int:
    """Return the Modbus RTU CRC of frame."""
    crc = 0xFFFF
    for byte in frame:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


@dataclass(slots=True)
class Barrier:
    """A barrier arm with its controller: position 0 (closed) to 1 (open), moving at constant speed."""

    name: str
    open_relay: int
    close_relay: int
    open_limit: int
    closed_limit: int
    stop_relay: int | None = None
    vehicle_loop: int | None = None
    travel_time: float = 2.0
    position: float = 0.0
    direction: int = 0
    moved_at: float = field(default_factory=time.monotonic)
    jammed: bool = False
    vehicle_present: bool = False
    passes: int = 0
    open_held: bool = False
    """The open contact is held closed (a relay left on): the controller keeps the arm up."""

    def settle(self, now: float) -> None:
        """Advance the arm to now."""
        if self.direction and not self.jammed:
            self.position += self.direction * (now - self.moved_at) / self.travel_time
            if not 0.0 < self.position < 1.0:
                self.position = min(max(self.position, 0.0), 1.0)
                self.direction = 0
        self.moved_at = now

    def pulse(self, relay: int, now: float) -> None:
        """React to the rising edge of one of its relays, as the controller does."""
        self.settle(now)
        if relay == self.open_relay:
            self.direction = 1 if self.position < 1.0 else 0
        elif relay == self.close_relay:
            # Controllers never lower the arm onto a vehicle standing on the loop, nor while
            # their open contact is held: a held open command wins over a close.
            if not (self.vehicle_present or self.open_held):
                self.direction = -1 if self.position > 0.0 else 0
        elif relay == self.stop_relay:
            self.direction = 0

    def inputs(self, now: float) -> dict[int, bool]:
        """Return the inputs this barrier drives."""
        self.settle(now)
        driven = {
            self.open_limit: self.position >= 1.0,
            self.closed_limit: self.position <= 0.0,
        }
        if self.vehicle_loop is not None:
            driven[self.vehicle_loop] = self.vehicle_present
        return driven


@dataclass(slots=True)
class Module:
    """One I/O module: relays, free inputs and the barriers wired to it."""

    unit_id: int
    coils: list[bool] = field(default_factory=lambda: [False] * RELAYS)
    free_inputs: list[bool] = field(default_factory=lambda: [False] * INPUTS)
    barriers: list[Barrier] = field(default_factory=list)
    fault: Fault = Fault.NONE
    presses: list[int] = field(default_factory=lambda: [0] * RELAYS)
    """Rising edges seen by each relay: button presses, for a barrier controller."""

    def inputs(self, now: float) -> list[bool]:
        """Return the current state of the 8 inputs."""
        values = list(self.free_inputs)
        for barrier in self.barriers:
            for address, value in barrier.inputs(now).items():
                values[address] = value
        return values

    def write(self, address: int, values: list[bool], now: float) -> None:
        """Set relays, letting the barriers see each rising edge."""
        for offset, value in enumerate(values):
            relay = address + offset
            rising = value and not self.coils[relay]
            self.coils[relay] = value
            for barrier in self.barriers:
                if relay == barrier.open_relay:
                    barrier.open_held = value
            if rising:
                self.presses[relay] += 1
                for barrier in self.barriers:
                    barrier.pulse(relay, now)

    def barrier(self, name: str) -> Barrier:
        """Return the barrier called name."""
        for barrier in self.barriers:
            if barrier.name == name:
                return barrier
        raise CommandError(f"module {self.unit_id} has no barrier {name!r}")


def _pack_bits(bits: list[bool]) -> bytes:
    packed = bytearray((len(bits) + 7) // 8)
    for index, bit in enumerate(bits):
        if bit:
            packed[index // 8] |= 1 << (index % 8)
    return bytes(packed)


def _unpack_bits(data: bytes, count: int) -> list[bool]:
    return [bool(data[index // 8] >> (index % 8) & 1) for index in range(count)]


def _read_bits(module: Module, pdu: bytes, now: float) -> bytes:
    function = pdu[0]
    if len(pdu) != FIXED_REQUEST_PDU:
        return bytes([function | 0x80, ILLEGAL_DATA_VALUE])
    address, count = struct.unpack(">HH", pdu[1:5])
    size = RELAYS if function == READ_COILS else INPUTS
    if not 1 <= count <= MAX_READ_BITS:
        return bytes([function | 0x80, ILLEGAL_DATA_VALUE])
    if address + count > size:
        return bytes([function | 0x80, ILLEGAL_DATA_ADDRESS])
    source = module.coils if function == READ_COILS else module.inputs(now)
    data = _pack_bits(source[address : address + count])
    return bytes([function, len(data)]) + data


def _write_coil(module: Module, pdu: bytes, now: float) -> bytes:
    if len(pdu) != FIXED_REQUEST_PDU:
        return bytes([pdu[0] | 0x80, ILLEGAL_DATA_VALUE])
    address, value = struct.unpack(">HH", pdu[1:5])
    if value not in (COIL_OFF, COIL_ON):
        return bytes([pdu[0] | 0x80, ILLEGAL_DATA_VALUE])
    if address >= RELAYS:
        return bytes([pdu[0] | 0x80, ILLEGAL_DATA_ADDRESS])
    module.write(address, [value == COIL_ON], now)
    return pdu


def _write_coils(module: Module, pdu: bytes, now: float) -> bytes:
    address, count, size = struct.unpack(">HHB", pdu[1:6])
    if len(pdu) != 6 + size or size != (count + 7) // 8 or count < 1:
        return bytes([pdu[0] | 0x80, ILLEGAL_DATA_VALUE])
    if address + count > RELAYS:
        return bytes([pdu[0] | 0x80, ILLEGAL_DATA_ADDRESS])
    module.write(address, _unpack_bits(pdu[6:], count), now)
    return pdu[:5]


_FUNCTIONS = {
    READ_COILS: _read_bits,
    READ_DISCRETE_INPUTS: _read_bits,
    WRITE_SINGLE_COIL: _write_coil,
    WRITE_MULTIPLE_COILS: _write_coils,
}


_WRITES = (WRITE_SINGLE_COIL, WRITE_MULTIPLE_COILS)


def execute(module: Module, pdu: bytes, now: float) -> bytes:
    """Answer one request PDU as an I/O module does (exceptions included)."""
    if (function := _FUNCTIONS.get(pdu[0])) is None:
        return bytes([pdu[0] | 0x80, ILLEGAL_FUNCTION])
    return function(module, pdu, now)


def _rtu_request_length(header: bytes) -> int:
    """Return the length of the RTU request whose first 7 bytes (or fewer, if shorter) are header."""
    if header[1] == WRITE_MULTIPLE_COILS:
        return RTU_MULTIPLE_HEADER + header[6] + 2
    return RTU_FIXED_REQUEST


class Gateway:
    """A Modbus gateway on one port, serving the modules behind it, with fault injection."""

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        """Describe the gateway from the compound description; nothing listens yet."""
        self.device_id = device_id
        self.port = int(settings.get("port", 0))
        self.framing = str(settings.get("framing", "tcp"))
        if self.framing not in ("tcp", "rtu"):
            raise CommandError(f"{device_id}: framing must be tcp or rtu")
        self.modules: dict[int, Module] = {}
        for raw in settings.get("modules", [{"unit_id": 1}]):
            module = Module(unit_id=int(raw["unit_id"]))
            module.barriers = [
                Barrier(**{"name": f"barrier{index}", **barrier})
                for index, barrier in enumerate(raw.get("barriers", []))
            ]
            self.modules[module.unit_id] = module
        self.fault = Fault.NONE
        self.delay = 0.0
        self.exception_code = GATEWAY_TARGET_FAILED
        self.requests = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def async_start(self) -> None:
        """Listen on 127.0.0.1 (again, after a stop: on the same port)."""
        self._server = await asyncio.start_server(self._serve, LOOPBACK, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def async_stop(self) -> None:
        """Stop listening and cut every connection, as a gateway losing power does."""
        if self._server is not None:
            self._server.close()
            self._drop_connections()
            await self._server.wait_closed()
            self._server = None

    def _drop_connections(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def status(self) -> dict[str, Any]:
        """Return the endpoint, the faults and every module's relays and inputs."""
        now = time.monotonic()
        return {
            "host": LOOPBACK,
            "port": self.port,
            "framing": self.framing,
            "running": self._server is not None,
            "fault": str(self.fault),
            "requests": self.requests,
            "connections": len(self._writers),
            "modules": {
                str(unit_id): {
                    "coils": list(module.coils),
                    "presses": list(module.presses),
                    "inputs": module.inputs(now),
                    "fault": str(module.fault),
                    "barriers": {
                        barrier.name: {
                            "position": round(barrier.position, 3),
                            "jammed": barrier.jammed,
                            "vehicle_present": barrier.vehicle_present,
                            "passes": barrier.passes,
                        }
                        for barrier in module.barriers
                    },
                }
                for unit_id, module in self.modules.items()
            },
        }

    async def async_command(self, command: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Run a control command: faults, vehicles, jams, inputs, relays of another master, power."""
        if command == "fault":
            self._set_fault(arguments)
        elif command == "drop":
            self._drop_connections()
        elif command == "power_off":
            await self.async_stop()
        elif command == "power_on":
            if self._server is None:
                await self.async_start()
        elif command == "reset_counters":
            self.requests = 0
        elif command in ("vehicle", "jam", "set_input", "set_relay"):
            self._set_field_state(command, arguments)
        else:
            raise CommandError(f"an io_module cannot {command}")
        return self.status()

    def _module(self, arguments: Mapping[str, Any]) -> Module:
        unit_id = int(arguments.get("unit_id", next(iter(self.modules))))
        if unit_id not in self.modules:
            raise CommandError(f"{self.device_id} has no module with unit id {unit_id}")
        return self.modules[unit_id]

    def _set_fault(self, arguments: Mapping[str, Any]) -> None:
        try:
            fault = Fault(arguments.get("fault", "none"))
        except ValueError:
            raise CommandError(
                f"fault must be one of: {', '.join(str(fault) for fault in Fault)}"
            ) from None
        if "unit_id" in arguments:
            self._module(arguments).fault = fault
        else:
            self.fault = fault
        self.delay = float(arguments.get("delay", 3.0))
        self.exception_code = int(arguments.get("code", GATEWAY_TARGET_FAILED))

    def _set_field_state(self, command: str, arguments: Mapping[str, Any]) -> None:
        module = self._module(arguments)
        now = time.monotonic()
        if command == "set_input":
            module.free_inputs[int(arguments["input"]) % INPUTS] = bool(arguments["value"])
            return
        if command == "set_relay":
            # Another master (a technician's test tool, a second controller) switches a relay.
            module.write(int(arguments["relay"]) % RELAYS, [bool(arguments["value"])], now)
            return
        barrier = module.barrier(str(arguments.get("barrier", "barrier0")))
        barrier.settle(now)
        if command == "jam":
            barrier.jammed = bool(arguments.get("jammed", True))
        else:
            present = bool(arguments.get("present", True))
            if barrier.vehicle_present and not present:
                barrier.passes += 1
            barrier.vehicle_present = present

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                answer = await self._answer(*request)
                if answer:
                    writer.write(answer)
                    await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _read_request(self, reader: asyncio.StreamReader) -> tuple[bytes, int, bytes] | None:
        """Return (MBAP header or b'', unit id, PDU) of the next request, None at end of stream."""
        if self.framing == "tcp":
            header = await reader.readexactly(7)
            length = struct.unpack(">H", header[4:6])[0]
            pdu = await reader.readexactly(length - 1)
            return header, header[6], pdu
        buffer = await reader.readexactly(2)
        if buffer[1] == WRITE_MULTIPLE_COILS:
            buffer += await reader.readexactly(RTU_MULTIPLE_HEADER - 2)
        buffer += await reader.readexactly(_rtu_request_length(buffer) - len(buffer))
        if crc16(buffer[:-2]) != struct.unpack("<H", buffer[-2:])[0]:
            return b"", -1, b""  # a corrupted frame on the line: a real slave stays silent
        return b"", buffer[0], buffer[1:-2]

    async def _answer(self, header: bytes, unit_id: int, pdu: bytes) -> bytes:
        if unit_id < 0:
            return b""
        self.requests += 1
        module = self.modules.get(unit_id)
        fault = self.fault if self.fault is not Fault.NONE else (module and module.fault)
        if fault == Fault.NO_ANSWER or (module is None and self.framing == "rtu"):
            return b""  # an absent slave on a serial line never answers
        if fault == Fault.SLOW:
            await asyncio.sleep(self.delay)
        if module is None:
            reply = bytes([pdu[0] | 0x80, GATEWAY_TARGET_FAILED])
        elif fault == Fault.EXCEPTION or (fault == Fault.READ_ONLY and pdu[0] in _WRITES):
            reply = bytes([pdu[0] | 0x80, self.exception_code])
        elif fault == Fault.GARBAGE:
            # Well framed, so the client reads it whole, but nonsense inside: a byte count that
            # does not match the bytes, as a module with a corrupted firmware sends.
            reply = bytes([pdu[0], 0x7F]) + random.randbytes(random.randint(0, 6))
        else:
            reply = execute(module, pdu, time.monotonic())
        if self.framing == "tcp":
            return header[:4] + struct.pack(">HB", len(reply) + 1, unit_id) + reply
        frame = bytes([unit_id]) + reply
        return frame + struct.pack("<H", crc16(frame))


register_kind("io_module")(Gateway)
