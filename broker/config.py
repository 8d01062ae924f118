"""Renders the shipped mosquitto.conf template for one broker: its files, listeners and TLS."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).resolve().parent
CONFIG_TEMPLATE = TEMPLATES / "mosquitto.conf.template"
TLS_TEMPLATE = TEMPLATES / "tls-listener.conf.template"
PASSWORD_FILE = "passwd"  # noqa: S105 - the file's name, no password
ACL_FILE = "acl"
CONFIG_FILE = "mosquitto.conf"


@dataclass(frozen=True, slots=True)
class TlsListener:
    """A listener for MQTT over TLS: where, and the CA, certificate and key it presents."""

    port: int
    cafile: Path
    certfile: Path
    keyfile: Path
    bind: str = "0.0.0.0"  # noqa: S104 - compounds reach the district's broker across the network


def render_config(
    directory: Path,
    *,
    port: int = 1883,
    bind: str = "127.0.0.1",
    tls: TlsListener | None = None,
    persistence: bool = True,
    log_dest: str | None = None,
    user: str = "mosquitto",
) -> str:
    """Return mosquitto.conf for a broker whose password file, ACL and data live in directory.

    user is who Mosquitto runs as when started as root: Debian's service user by default;
    a test or the demo gives its own, so the broker reads the files it wrote.
    """
    tls_listener = ""
    if tls is not None:
        tls_listener = Template(TLS_TEMPLATE.read_text(encoding="utf-8")).substitute(
            tls_port=tls.port,
            tls_bind=tls.bind,
            cafile=tls.cafile,
            certfile=tls.certfile,
            keyfile=tls.keyfile,
        )
    return Template(CONFIG_TEMPLATE.read_text(encoding="utf-8")).substitute(
        password_file=directory / PASSWORD_FILE,
        acl_file=directory / ACL_FILE,
        persistence=str(persistence).lower(),
        data_dir=directory / "data",
        log_dest=log_dest or f"file {directory / 'mosquitto.log'}",
        port=port,
        bind=bind,
        tls_listener=tls_listener,
        user=user,
    )


def write_config(directory: Path, config: str) -> Path:
    """Write a rendered mosquitto.conf into directory, with its data folder, and return its path."""
    (directory / "data").mkdir(parents=True, exist_ok=True)
    path = directory / CONFIG_FILE
    path.write_text(config, encoding="utf-8")
    return path
