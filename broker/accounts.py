"""The district broker's accounts: who they are, what the ACL lets each do, and the password file.

One account per compound (`compound-<district>-<zone>-<compound>`) and per issuer of directives
(`district-<district>-<name>`). Mosquitto's ACL patterns substitute a whole user name (`%u`) into a
topic, and our topics carry the district, zone and compound as three separate levels, so the ACL
is written out per account from the accounts file instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
import re
import secrets
import shutil
import subprocess
import tempfile
from typing import Any

import yaml

TOPIC_ROOT = "hanyang"
DEFAULT_DISCOVERY_PREFIX = "homeassistant"
SEGMENT = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
"""One level of the topic layout, as the compound's district link writes it."""
COMPOUND_TOPICS = ("availability", "state", "result", "assessment", "ha")
"""What a compound publishes under its own subtree: the link's four topics and its Home Assistant's will."""
PASSWORD_BYTES = 18
MOSQUITTO_PASSWD_PATHS = ("mosquitto_passwd", "/usr/bin/mosquitto_passwd")


class AccountsError(ValueError):
    """The accounts file is not a valid description of a district's accounts."""


@dataclass(frozen=True, slots=True)
class DistrictAccounts:
    """The accounts of one district: its issuers of directives and its compounds by zone."""

    district: str
    district_accounts: tuple[str, ...]
    compounds: tuple[tuple[str, str], ...]
    """(zone, compound) of every compound, as their topic levels."""
    discovery_prefix: str = DEFAULT_DISCOVERY_PREFIX

    def __post_init__(self) -> None:
        """Refuse names that are no topic level, and compounds listed twice."""
        names = [self.district, *self.district_accounts]
        names += [level for pair in self.compounds for level in pair]
        if bad := sorted({name for name in names if not SEGMENT.fullmatch(name)}):
            raise AccountsError(
                f"not a topic level (lower-case letters, digits, - and _): {', '.join(bad)}"
            )
        if len(set(self.compounds)) != len(self.compounds):
            raise AccountsError("a compound is listed twice in its zone")

    @classmethod
    def from_mapping(cls, raw: Any) -> DistrictAccounts:
        """Build the accounts from a parsed accounts file, saying what is wrong with it."""
        if not isinstance(raw, Mapping) or not isinstance(raw.get("district"), str):
            raise AccountsError("the accounts file needs a 'district'")
        issuers = raw.get("district_accounts") or []
        zones = raw.get("zones") or {}
        if not isinstance(issuers, list) or not all(isinstance(name, str) for name in issuers):
            raise AccountsError("'district_accounts' must be a list of names")
        if not isinstance(zones, Mapping) or not all(
            isinstance(compounds, list) and all(isinstance(name, str) for name in compounds)
            for compounds in zones.values()
        ):
            raise AccountsError("'zones' must map each zone to a list of compounds")
        return cls(
            district=raw["district"],
            district_accounts=tuple(issuers),
            compounds=tuple(
                (str(zone), compound) for zone, compounds in zones.items() for compound in compounds
            ),
            discovery_prefix=str(raw.get("discovery_prefix") or DEFAULT_DISCOVERY_PREFIX),
        )

    @classmethod
    def load(cls, path: Path) -> DistrictAccounts:
        """Read the accounts from a YAML file."""
        try:
            return cls.from_mapping(yaml.safe_load(path.read_text(encoding="utf-8")))
        except yaml.YAMLError as err:
            raise AccountsError(f"{path} is not valid YAML: {err}") from err

    def district_username(self, name: str) -> str:
        """Return the account name of an issuer of directives."""
        return f"district-{self.district}-{name}"

    def compound_username(self, zone: str, compound: str) -> str:
        """Return the account name of a compound."""
        return f"compound-{self.district}-{zone}-{compound}"

    @property
    def usernames(self) -> list[str]:
        """Every account of the district, issuers first."""
        return [self.district_username(name) for name in self.district_accounts] + [
            self.compound_username(zone, compound) for zone, compound in self.compounds
        ]

    def compound_base(self, zone: str, compound: str) -> str:
        """Return the subtree a compound publishes under."""
        return f"{TOPIC_ROOT}/{self.district}/{zone}/{compound}"

    def discovery_topic(self, zone: str, compound: str) -> str:
        """Return where a compound publishes its device discovery config."""
        unique_id = f"{TOPIC_ROOT}_{self.district}_{zone}_{compound}"
        return f"{self.discovery_prefix}/device/{unique_id}/config"

    def acl(self) -> str:
        """Return the Mosquitto ACL blocks of the district's accounts (see acl_file)."""
        root = f"{TOPIC_ROOT}/{self.district}"
        lines = []
        for name in self.district_accounts:
            lines += [
                "",
                f"user {self.district_username(name)}",
                f"topic read {root}/#",
                f"topic write {root}/directive",
                f"topic write {root}/+/directive",
                f"topic write {root}/+/+/directive",
                f"topic readwrite {self.discovery_prefix}/status",
                *(f"topic read {self.discovery_topic(*pair)}" for pair in self.compounds),
            ]
        for zone, compound in self.compounds:
            base = self.compound_base(zone, compound)
            lines += [
                "",
                f"user {self.compound_username(zone, compound)}",
                *(f"topic write {base}/{topic}" for topic in COMPOUND_TOPICS),
                f"topic write {self.discovery_topic(zone, compound)}",
                f"topic read {root}/directive",
                f"topic read {root}/{zone}/directive",
                f"topic read {base}/directive",
            ]
        return "\n".join(lines) + "\n"


def acl_file(districts: Sequence[DistrictAccounts]) -> str:
    """Return the ACL file of every district sharing the broker."""
    header = (
        "# Generated by `python -m broker accounts` from the districts' accounts files:\n"
        "# edit them and run it again. An account may do only what its block grants.\n"
    )
    return header + "".join(district.acl() for district in districts)


def usernames_of(districts: Sequence[DistrictAccounts]) -> list[str]:
    """Return every account of the districts; refuse a name two districts would share."""
    usernames = [username for district in districts for username in district.usernames]
    if len(set(usernames)) != len(usernames):
        raise AccountsError("an account is listed twice (the same district in two files?)")
    return usernames


def mosquitto_passwd() -> str:
    """Return Mosquitto's password tool (Debian's mosquitto package has it)."""
    for candidate in MOSQUITTO_PASSWD_PATHS:
        if found := shutil.which(candidate):
            return found
    raise AccountsError("mosquitto_passwd is not installed: install Debian's mosquitto package")


def write_password_file(
    path: Path, usernames: Sequence[str], passwords: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Bring the password file in line with usernames; return the passwords of the accounts created.

    Accounts already in the file keep their hash; accounts no longer listed are removed; new
    ones get the password given in passwords, or a random one.
    """
    kept: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            username = line.partition(":")[0]
            if username in usernames:
                kept[username] = line
    given = passwords or {}
    created = {
        username: given.get(username) or secrets.token_urlsafe(PASSWORD_BYTES)
        for username in usernames
        if username not in kept
    }
    hashed = _hashed_lines(created.items())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{kept.get(u) or hashed[u]}\n" for u in usernames), encoding="utf-8")
    path.chmod(0o600)
    return created


def _hashed_lines(accounts: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Hash plain user:password lines with mosquitto_passwd (all at once: one process)."""
    plain = "".join(f"{username}:{password}\n" for username, password in accounts)
    if not plain:
        return {}
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory) / "passwd"
        work.write_text(plain, encoding="utf-8")
        subprocess.run(  # noqa: S603 - Mosquitto's own tool on a file of ours
            [mosquitto_passwd(), "-U", str(work)], check=True, capture_output=True
        )
        return {
            line.partition(":")[0]: line
            for line in work.read_text(encoding="utf-8").splitlines()
            if line
        }
