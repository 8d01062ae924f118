"""Benchmark: CPU per read of one I/O module, and how much of it is tmodbus's per-request retry loop.

Reads one module of a simulated gateway (in this process) through the integration's device layer
(IoModule on a modbus-connection unit, the path every poll takes), as shipped and with tmodbus's
request sent without its tenacity retry loop (which modbus-connection configures never to retry,
yet enters on every request). The second row patches tmodbus inside this benchmark only, to
measure what the loop costs; the integration does not. CPU includes the simulated gateway's side.

    .venv/bin/python bench/module_read.py [--reads 2000] [--repeats 3]

The last line is one JSON object: us_per_read, us_per_read_without_retry_loop, retry_loop_us.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import statistics
import sys
import time
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modbus_connection import ModbusTcpParams  # noqa: E402
from modbus_connection.tmodbus import ModbusConnection  # noqa: E402
from tmodbus.transport.async_smart import AsyncSmartTransport  # noqa: E402

from custom_components.hanyang_compound.devices.iomodule.module import IoModule  # noqa: E402
from custom_components.hanyang_compound.devices.iomodule.profiles import PROFILES  # noqa: E402
from simulator.devices.io_module import Gateway  # noqa: E402

SHIPPED = AsyncSmartTransport.send_and_receive


async def _without_retry_loop(self: Any, unit_id: int, pdu: Any) -> Any:
    """Send one request as tmodbus does, minus the retry loop around it."""
    async with self._communication_lock:
        return await self._reconnect_send_and_receive(unit_id, pdu)


async def cpu_per_read(reads: int, *, retry_loop: bool) -> float:
    """Return CPU microseconds per module read."""
    gateway = Gateway("bench", {"modules": [{"unit_id": 1}]})
    await gateway.async_start()
    connection = ModbusConnection(ModbusTcpParams(host="127.0.0.1", port=gateway.port), timeout=5)
    module = IoModule(connection.for_unit(1), PROFILES["tcp_relay_8"], request_timeout=2)
    setattr(  # noqa: B010 - swapped for this measurement only
        AsyncSmartTransport,
        "send_and_receive",
        SHIPPED if retry_loop else _without_retry_loop,
    )
    try:
        await module.async_read()  # connect
        started = time.process_time()
        for _ in range(reads):
            await module.async_read()
        return (time.process_time() - started) / reads * 1e6
    finally:
        setattr(AsyncSmartTransport, "send_and_receive", SHIPPED)  # noqa: B010
        await connection.close()
        await gateway.async_stop()


async def main() -> None:
    """Measure both rows, interleaved, and print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    asyncio.get_running_loop().set_debug(False)
    shipped: list[float] = []
    bare: list[float] = []
    for _ in range(args.repeats):
        shipped.append(await cpu_per_read(args.reads, retry_loop=True))
        bare.append(await cpu_per_read(args.reads, retry_loop=False))
    with_loop, without = statistics.median(shipped), statistics.median(bare)
    print(
        f"{args.reads} reads of one module, median of {args.repeats}, CPU incl. the simulated side"
    )
    print("| path | CPU µs per read |")
    print("|---|---:|")
    print(f"| as shipped (modbus-connection → tmodbus with its retry loop) | {with_loop:.0f} |")
    print(f"| the same without tmodbus's retry loop | {without:.0f} |")
    print(
        json.dumps(
            {
                "us_per_read": round(with_loop),
                "us_per_read_without_retry_loop": round(without),
                "retry_loop_us": round(with_loop - without),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
