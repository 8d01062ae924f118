"""Runs a Mosquitto of our own on 127.0.0.1 with a rendered configuration, and stops it."""

from __future__ import annotations

import contextlib
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import time

MOSQUITTO_PATHS = ("mosquitto", "/usr/sbin/mosquitto")
LOOPBACK = "127.0.0.1"


def mosquitto_binary() -> str:
    """Return Mosquitto's executable; scripts/setup installs Debian's package when it is missing."""
    for candidate in MOSQUITTO_PATHS:
        if found := shutil.which(candidate):
            return found
    raise RuntimeError("Mosquitto is not installed: run scripts/setup")


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, within: float = 10) -> None:
    """Wait until something accepts connections on a port of 127.0.0.1."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port)):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {LOOPBACK}:{port} after {within} s")


class Mosquitto:
    """One Mosquitto process: started from a configuration file, stopped and started at will."""

    def __init__(self, config: Path, port: int, log: Path | None = None) -> None:
        """Prepare a broker listening on port as config says; nothing runs before start."""
        self.config = config
        self.port = port
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start Mosquitto (in its own session: a terminal's Ctrl-C is for its supervisor) and wait until it listens."""
        output = self._log.open("ab") if self._log else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own broker and configuration
                [mosquitto_binary(), "-c", str(self.config)],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            if not isinstance(output, int):
                output.close()
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop Mosquitto, which saves its retained messages first when persistence is on."""
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
