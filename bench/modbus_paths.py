"""Benchmark-only ways of sending a module's reads, to measure what each layer under the integration costs.

The integration reads a module through a modbus-connection unit: modbus-connection's wrapper
(connect, pacing, error mapping), tmodbus's smart transport (one request at a time, its tenacity
retry loop) and tmodbus's base transport (framing, the socket). A benchmark may swap, in its own
process only, how the unit's two reads (FC 01, FC 02) are sent:

- ``shipped``: as the integration sends them;
- ``no-retry-loop``: tmodbus's smart transport without the retry loop it enters on every request
  (modbus-connection configures it to retry nothing), everything else as shipped;
- ``base-transport``: straight onto tmodbus's base transport under the smart transport's lock,
  skipping modbus-connection's wrapper and the retry loop: roughly what a client written on
  tmodbus's lower layer would cost (without its reconnects, pacing and error mapping).

The variants reach into the libraries' private attributes; they exist to put a number on each
layer, never to ship.
"""

from __future__ import annotations

from typing import Any, Final

from modbus_connection.tmodbus import TmodbusUnit
from tmodbus.pdu import ReadCoilsPDU, ReadDiscreteInputsPDU
from tmodbus.transport.async_smart import AsyncSmartTransport

_SHIPPED_SEND = AsyncSmartTransport.send_and_receive
_SHIPPED_READ_INPUTS = TmodbusUnit.read_discrete_inputs
_SHIPPED_READ_COILS = TmodbusUnit.read_coils


async def _send_without_retry_loop(self: AsyncSmartTransport, unit_id: int, pdu: Any) -> Any:
    """Send one request as tmodbus does, minus the retry loop around it."""
    async with self._communication_lock:
        return await self._reconnect_send_and_receive(unit_id, pdu)


async def _send_on_base_transport(unit: TmodbusUnit, pdu: Any) -> Any:
    """Send one request on the unit's base transport, one at a time per link."""
    connection: Any = unit._conn  # noqa: SLF001 - measuring the layer below, see the module's docstring
    if connection._client is None:  # noqa: SLF001
        await connection.connect()
    smart: Any = connection._client.transport  # noqa: SLF001
    async with smart._communication_lock:  # noqa: SLF001
        return await smart.base_transport.send_and_receive(unit._unit_id, pdu)  # noqa: SLF001


async def _read_inputs_on_base_transport(self: TmodbusUnit, address: int, count: int) -> Any:
    return await _send_on_base_transport(self, ReadDiscreteInputsPDU(address, count))


async def _read_coils_on_base_transport(self: TmodbusUnit, address: int, count: int) -> Any:
    return await _send_on_base_transport(self, ReadCoilsPDU(address, count))


_READ_PATHS: Final[dict[str, tuple[Any, Any, Any]]] = {
    # Each way: tmodbus's smart transport's send, the unit's FC 02 read, the unit's FC 01 read.
    "shipped": (_SHIPPED_SEND, _SHIPPED_READ_INPUTS, _SHIPPED_READ_COILS),
    "no-retry-loop": (_send_without_retry_loop, _SHIPPED_READ_INPUTS, _SHIPPED_READ_COILS),
    "base-transport": (
        _SHIPPED_SEND,
        _read_inputs_on_base_transport,
        _read_coils_on_base_transport,
    ),
}
READ_PATHS: Final = tuple(_READ_PATHS)


def use_read_path(path: str) -> None:
    """Send this process's module reads the named way from now on (one of READ_PATHS)."""
    send, read_inputs, read_coils = _READ_PATHS[path]
    setattr(AsyncSmartTransport, "send_and_receive", send)  # noqa: B010 - swapped to measure
    setattr(TmodbusUnit, "read_discrete_inputs", read_inputs)  # noqa: B010
    setattr(TmodbusUnit, "read_coils", read_coils)  # noqa: B010
