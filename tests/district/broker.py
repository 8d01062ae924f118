"""A real Mosquitto on a free 127.0.0.1 port, and a plain MQTT client to watch and drive it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
import contextlib
import getpass
import json
from pathlib import Path
from typing import Any, Protocol

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from broker.accounts import DistrictAccounts, acl_file, usernames_of, write_password_file
from broker.config import ACL_FILE, PASSWORD_FILE, TlsListener, render_config, write_config
from broker.process import Mosquitto, free_port

from .certificates import BrokerCertificates


class Broker:
    """A Mosquitto of a test's own on a free port, anonymous clients allowed (the link's own tests)."""

    def __init__(self, directory: Path, extra_config: str = "") -> None:
        """Prepare the broker's configuration in directory; nothing runs before start."""
        self.port = free_port()
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "persistence false\n"
            f"{extra_config or 'allow_anonymous true'}\n"
            f"user {getpass.getuser()}\n"
            f"log_dest file {directory / 'mosquitto.log'}\n"
        )
        self._mosquitto = Mosquitto(self.config, self.port)

    def start(self) -> None:
        """Start Mosquitto and wait until it accepts connections."""
        self._mosquitto.start()

    def stop(self) -> None:
        """Stop Mosquitto; without persistence it forgets every retained message."""
        self._mosquitto.stop()


class DistrictBroker(Broker):
    """A Mosquitto from the shipped template: the district's accounts and ACL, TLS if certificates are given."""

    def __init__(
        self,
        directory: Path,
        accounts: DistrictAccounts,
        certificates: BrokerCertificates | None = None,
        other_districts: tuple[DistrictAccounts, ...] = (),
    ) -> None:
        """Write the password file, ACL and configuration into directory; nothing runs before start."""
        districts = [accounts, *other_districts]
        self.port = free_port()
        self.tls_port = free_port()
        self.certificates = certificates
        self.passwords = write_password_file(directory / PASSWORD_FILE, usernames_of(districts))
        """Every account's password, by user name."""
        (directory / ACL_FILE).write_text(acl_file(districts), encoding="utf-8")
        tls = None
        if certificates:
            tls = TlsListener(
                self.tls_port,
                certificates.ca,
                certificates.certificate,
                certificates.key,
                "127.0.0.1",
            )
        config = render_config(
            directory, port=self.port, tls=tls, persistence=False, user=getpass.getuser()
        )
        self.config = write_config(directory, config)
        self._mosquitto = Mosquitto(self.config, self.port)

    def client(self, username: str, subscribe: str | None = "#") -> Watcher:
        """Return a client logged in as one of the district's accounts, on the plain listener."""
        return Watcher(self.port, username, self.passwords[username], subscribe=subscribe)


class Startable(Protocol):
    """A server started and stopped at will (a Broker, a Mosquitto)."""

    def start(self) -> None:
        """Start serving."""

    def stop(self) -> None:
        """Stop serving."""


@contextlib.contextmanager
def running[ServerT: Startable](server: ServerT) -> Iterator[ServerT]:
    """Run a broker for the duration of a with-block."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Watcher:
    """A plain MQTT client (paho, not Home Assistant) that records what it sees and publishes."""

    def __init__(
        self,
        port: int,
        username: str | None = None,
        password: str | None = None,
        *,
        subscribe: str | None = "#",
        ca: Path | None = None,
    ) -> None:
        """Connect to the broker of port (over TLS checked against ca if given) and subscribe."""
        self.messages: dict[str, bytes] = {}
        """The last payload seen on each topic."""
        self.history: list[tuple[str, bytes]] = []
        self.connack: list[ReasonCode] = []
        """The broker's answer to each connection attempt."""
        self._client = paho.Client(CallbackAPIVersion.VERSION2)
        if username:
            self._client.username_pw_set(username, password)
        if ca:
            self._client.tls_set(str(ca))
        self._client.on_message = self._on_message
        self._client.on_connect = self._on_connect
        self._client.connect("127.0.0.1", port)
        if subscribe:
            self._client.subscribe(subscribe, qos=1)
        self._client.loop_start()

    def _on_connect(
        self, _client: Any, _userdata: Any, _flags: Any, reason: ReasonCode, _p: Any
    ) -> None:
        self.connack.append(reason)

    async def connected(self) -> bool:
        """Wait for the broker's answer to the connection; return whether it accepted it."""
        await wait_until(lambda: bool(self.connack))
        return not self.connack[0].is_failure

    def subscribe(self, topic: str) -> None:
        """Subscribe to topic at QoS 1."""
        self._client.subscribe(topic, qos=1)

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
