"""One MQTT connection (paho) driven by the asyncio loop instead of a thread, reconnecting by itself.

Hundreds of simulated compounds each hold their own connection, under their own account: a
thread each would cost more than the compounds themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import socket
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

RETRY_SECONDS = 1.0
MISC_SECONDS = 1.0
"""How often paho's keep-alive and retry bookkeeping runs."""
KEEPALIVE_SECONDS = 30
QOS = 1


class LoopClient:
    """An MQTT client on the running asyncio loop: publish, subscribe, and callbacks on (re)connect."""

    def __init__(
        self,
        client_id: str,
        *,
        credentials: tuple[str, str] | None,
        will: tuple[str, str] | None,
        on_connected: Callable[[], None],
        on_message: Callable[[str, bytes], None],
    ) -> None:
        """Prepare the client; nothing connects before start."""
        self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        if credentials:
            self._client.username_pw_set(*credentials)
        if will:
            self._client.will_set(will[0], will[1], qos=QOS, retain=True)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = lambda _c, _u, message: on_message(message.topic, message.payload)
        self._client.on_socket_open = self._on_socket_open
        self._client.on_socket_close = self._on_socket_close
        self._client.on_socket_register_write = self._on_register_write
        self._client.on_socket_unregister_write = self._on_unregister_write
        self._on_connected = on_connected
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._misc: asyncio.Task[None] | None = None
        self.connected = False
        self.refused = False
        """Whether the broker refused the last connection (a wrong account)."""

    def start(self, host: str, port: int) -> None:
        """Connect and keep connecting until stop."""
        self._task = asyncio.get_running_loop().create_task(self._keep_connected(host, port))

    async def stop(self, *, gracefully: bool = True) -> None:
        """Disconnect; without grace the connection just drops, and the broker sends the will."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if gracefully:
            self._client.disconnect()
        elif isinstance(sock := self._client.socket(), socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            self._client.loop_read()
        self.connected = False

    def publish(self, topic: str, payload: str, *, retain: bool = True) -> None:
        """Publish at QoS 1 (sent when connected; everything is published again on reconnect)."""
        if self.connected:
            self._client.publish(topic, payload, qos=QOS, retain=retain)

    def subscribe(self, topics: list[str]) -> None:
        """Subscribe to topics at QoS 1."""
        self._client.subscribe([(topic, QOS) for topic in topics])

    async def _keep_connected(self, host: str, port: int) -> None:
        while True:
            self._lost.clear()
            try:
                self._client.connect(host, port, KEEPALIVE_SECONDS)
            except OSError:
                await asyncio.sleep(RETRY_SECONDS)
                continue
            await self._lost.wait()
            await asyncio.sleep(RETRY_SECONDS)

    def _on_connect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self.refused = reason.is_failure
        if not reason.is_failure:
            self.connected = True
            self._on_connected()

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, _reason: Any, _p: Any) -> None:
        self.connected = False
        self._lost.set()

    def _on_socket_open(self, client: paho.Client, _u: Any, sock: Any) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(sock, client.loop_read)
        self._misc = loop.create_task(self._misc_loop())

    def _on_socket_close(self, _client: paho.Client, _u: Any, sock: Any) -> None:
        loop = asyncio.get_running_loop()
        loop.remove_reader(sock)
        loop.remove_writer(sock)
        if self._misc:
            self._misc.cancel()
            self._misc = None

    def _on_register_write(self, client: paho.Client, _u: Any, sock: Any) -> None:
        asyncio.get_running_loop().add_writer(sock, client.loop_write)

    def _on_unregister_write(self, _client: paho.Client, _u: Any, sock: Any) -> None:
        asyncio.get_running_loop().remove_writer(sock)

    async def _misc_loop(self) -> None:
        while True:
            await asyncio.sleep(MISC_SECONDS)
            self._client.loop_misc()
