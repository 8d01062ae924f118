"""A real Mosquitto on a free 127.0.0.1 port, and a plain MQTT client to watch and drive it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import json
from pathlib import Path
import shutil
import socket
import subprocess
import time
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

MOSQUITTO_PATHS = ("mosquitto", "/usr/sbin/mosquitto")


def mosquitto_binary() -> str:
    """Return Mosquitto's executable; scripts/setup installs Debian's package when it is missing."""
    for candidate in MOSQUITTO_PATHS:
        if found := shutil.which(candidate):
            return found
    raise RuntimeError("Mosquitto is not installed: run scripts/setup")


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Broker:
    """One Mosquitto process with a generated configuration, stopped and started at will."""

    def __init__(self, directory: Path, extra_config: str = "") -> None:
        """Prepare the broker's configuration in directory; nothing runs before start."""
        self.port = free_port()
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "persistence false\n"
            f"{extra_config or 'allow_anonymous true'}\n"
            f"log_dest file {directory / 'mosquitto.log'}\n"
        )
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start Mosquitto and wait until it accepts connections."""
        self._process = subprocess.Popen(
            [mosquitto_binary(), "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise RuntimeError("Mosquitto did not start")

    def stop(self) -> None:
        """Stop Mosquitto; without persistence it forgets every retained message."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None


class Watcher:
    """A plain MQTT client (paho, not Home Assistant) that records what it sees and publishes."""

    def __init__(self, port: int, username: str | None = None, password: str | None = None) -> None:
        """Connect to the broker of port and subscribe to everything."""
        self.messages: dict[str, bytes] = {}
        """The last payload seen on each topic."""
        self.history: list[tuple[str, bytes]] = []
        self.refused: list[str] = []
        self._client = paho.Client(CallbackAPIVersion.VERSION2)
        if username:
            self._client.username_pw_set(username, password)
        self._client.on_message = self._on_message
        self._client.connect("127.0.0.1", port)
        self._client.subscribe("#", qos=1)
        self._client.loop_start()

    def _on_message(self, _client: Any, _userdata: Any, message: paho.MQTTMessage) -> None:
        self.messages[message.topic] = message.payload
        self.history.append((message.topic, message.payload))

    def json(self, topic: str) -> Any:
        """Return the last payload of topic as JSON."""
        return json.loads(self.messages[topic])

    def publish(self, topic: str, payload: str | bytes, *, retain: bool = True) -> None:
        """Publish at QoS 1 and wait until the broker has it."""
        self._client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def close(self) -> None:
        """Disconnect."""
        self._client.loop_stop()
        self._client.disconnect()


async def wait_until(check: Callable[[], bool], within: float = 10) -> None:
    """Wait until check() holds, giving the event loop (and paho's thread) time in between."""
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110 - paho's thread has no event to wait on
            await asyncio.sleep(0.05)
