"""The shipped Mosquitto configuration: accounts, the ACL and TLS, against a real broker."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from getpass import getuser
import json
from pathlib import Path
import ssl

import pytest

from broker import __main__ as broker_cli
from broker.accounts import AccountsError, DistrictAccounts, write_password_file
from broker.process import Mosquitto, free_port

from .broker import Broker, DistrictBroker, Watcher, running, wait_until
from .certificates import make_certificates
from .conftest import ACCOUNTS, LONGDENGLI_ACCOUNT, OFFICE

ROOT = "hanyang/hanyang"
LONGDENGLI = f"{ROOT}/qingchuan/longdengli"
YUEGONG = f"{ROOT}/qingchuan/yuegong"


@contextlib.contextmanager
def account(
    broker: DistrictBroker, username: str, subscribe: str | None = "#"
) -> Iterator[Watcher]:
    """A client logged in as one of the district's accounts, closed at the end."""
    client = broker.client(username, subscribe)
    try:
        yield client
    finally:
        client.close()


async def test_anonymous_clients_and_wrong_passwords_are_refused(
    district_broker: DistrictBroker,
) -> None:
    for username, password in ((None, None), (OFFICE, "not-the-password"), ("nobody", "x")):
        client = Watcher(district_broker.port, username, password, subscribe=None)
        try:
            assert not await client.connected()
        finally:
            client.close()
    with account(district_broker, OFFICE) as office:
        assert await office.connected()


async def test_a_compound_publishes_only_under_its_own_topics(
    district_broker: DistrictBroker,
) -> None:
    with (
        account(district_broker, OFFICE) as office,
        account(district_broker, "compound-hanyang-qingchuan-longdengli", None) as compound,
    ):
        assert await office.connected()
        assert await compound.connected()
        forged = (
            f"{YUEGONG}/state",
            f"{YUEGONG}/availability",
            f"{ROOT}/yuehu/qintai/result",
            f"{YUEGONG}/assessment",
            "homeassistant/device/hanyang_hanyang_qingchuan_yuegong/config",
            f"{LONGDENGLI}/directive",
            f"{ROOT}/qingchuan/directive",
            f"{ROOT}/directive",
            f"{LONGDENGLI}/elsewhere",
            "homeassistant/status",
        )
        for topic in forged:
            compound.publish(topic, "forged")
        own = (
            f"{LONGDENGLI}/availability",
            f"{LONGDENGLI}/result",
            f"{LONGDENGLI}/assessment",
            f"{LONGDENGLI}/ha",
            "homeassistant/device/hanyang_hanyang_qingchuan_longdengli/config",
            f"{LONGDENGLI}/state",
        )
        for topic in own:
            compound.publish(topic, "own")
        # One publisher's messages arrive in order: once the last is in, a forged one would be too.
        await wait_until(lambda: f"{LONGDENGLI}/state" in office.messages)
        assert set(office.messages) == set(own)


async def test_a_compound_reads_only_the_directives_for_it_its_zone_or_all(
    district_broker: DistrictBroker,
) -> None:
    with (
        account(district_broker, OFFICE) as office,
        account(district_broker, "compound-hanyang-qingchuan-yuegong", None) as neighbour,
        account(district_broker, "compound-hanyang-qingchuan-longdengli") as compound,
    ):
        assert await compound.connected()
        assert await neighbour.connected()
        neighbour.publish(f"{YUEGONG}/state", "{}")
        await wait_until(lambda: f"{YUEGONG}/state" in office.messages)
        others = (
            f"{ROOT}/yuehu/directive",
            f"{YUEGONG}/directive",
            f"{ROOT}/yuehu/qintai/directive",
        )
        ours = (f"{ROOT}/directive", f"{ROOT}/qingchuan/directive", f"{LONGDENGLI}/directive")
        for topic in (*others, *ours):
            office.publish(topic, "{}")

        await wait_until(lambda: f"{LONGDENGLI}/directive" in compound.messages)
        assert set(compound.messages) == set(ours)
        # The district reads every compound of the district, and the directives it issued.
        await wait_until(lambda: f"{LONGDENGLI}/directive" in office.messages)
        assert {f"{YUEGONG}/state", *others, *ours} <= set(office.messages)


async def test_tls_needs_the_district_ca(district_broker: DistrictBroker, tmp_path: Path) -> None:
    assert district_broker.certificates is not None
    password = district_broker.passwords[OFFICE]
    secured = Watcher(
        district_broker.tls_port, OFFICE, password, ca=district_broker.certificates.ca
    )
    try:
        assert await secured.connected()
    finally:
        secured.close()
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    with pytest.raises(ssl.SSLCertVerificationError):
        Watcher(district_broker.tls_port, OFFICE, password, ca=make_certificates(stranger).ca)


def test_the_password_file_keeps_existing_accounts_and_drops_removed_ones(tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    first = write_password_file(path, ["a", "b"], {"a": "secret-a"})
    assert first["a"] == "secret-a"
    hash_of_b = path.read_text().splitlines()[1]

    again = write_password_file(path, ["b", "c"])

    assert set(again) == {"c"}
    lines = path.read_text().splitlines()
    assert [line.partition(":")[0] for line in lines] == ["b", "c"]
    assert lines[0] == hash_of_b
    assert path.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "raw",
    [
        None,
        {"district": "Hanyang"},
        {"district": "hanyang", "zones": {"qingchuan": "longdengli"}},
        {"district": "hanyang", "zones": {"qingchuan": ["a", "a"]}},
        {"district": "hanyang", "district_accounts": "office"},
        {"district": "hanyang", "zones": {"qing chuan": ["a"]}},
    ],
)
def test_a_wrong_accounts_file_is_refused(raw: object) -> None:
    with pytest.raises(AccountsError):
        DistrictAccounts.from_mapping(raw)


async def test_a_compound_broker_bridges_to_the_district_as_the_readme_says(
    district_broker: DistrictBroker, tmp_path: Path
) -> None:
    assert district_broker.certificates is not None
    local_directory = tmp_path / "local"
    local_directory.mkdir()
    username = LONGDENGLI_ACCOUNT
    out = [
        f"{LONGDENGLI}/{topic}" for topic in ("availability", "state", "result", "assessment", "ha")
    ]
    inward = (f"{ROOT}/directive", f"{ROOT}/qingchuan/directive", f"{LONGDENGLI}/directive")
    bridge = "\n".join(
        [
            "connection hanyang-district",
            f"address 127.0.0.1:{district_broker.tls_port}",
            f"bridge_cafile {district_broker.certificates.ca}",
            f"remote_username {username}",
            f"remote_password {district_broker.passwords[username]}",
            f"remote_clientid {username}",
            "bridge_protocol_version mqttv311",
            "notifications false",
            *(f"topic {topic} out 1" for topic in out),
            "topic homeassistant/device/hanyang_hanyang_qingchuan_longdengli/config out 1",
            *(f"topic {topic} in 1" for topic in inward),
        ]
    )
    local = Broker(local_directory, f"allow_anonymous true\n{bridge}")
    local.start()
    home = Watcher(local.port)
    try:
        with account(district_broker, OFFICE) as office:
            broker_log = district_broker.config.parent / "mosquitto.log"
            # The bridge has connected once the district's broker logged its account.
            await wait_until(lambda: f"u'{username}'" in broker_log.read_text(), within=15)
            home.publish(f"{LONGDENGLI}/state", '{"mode": "normal"}')
            await wait_until(lambda: f"{LONGDENGLI}/state" in office.messages)
            office.publish(f"{ROOT}/qingchuan/directive", "{}")
            await wait_until(lambda: f"{ROOT}/qingchuan/directive" in home.messages)
        # The state crossed the bridge retained: a district client that comes later still gets it.
        with account(district_broker, OFFICE) as latecomer:
            await wait_until(lambda: f"{LONGDENGLI}/state" in latecomer.messages)
    finally:
        home.close()
        local.stop()


async def test_the_command_line_writes_a_configuration_mosquitto_runs(
    tmp_path: Path, socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    example = Path(broker_cli.__file__).parent / "accounts.example.yaml"
    port = free_port()
    assert broker_cli.main(["accounts", str(example), str(tmp_path)]) == 0
    assert broker_cli.main(["config", str(tmp_path), "--port", str(port), "--user", getuser()]) == 0
    assert broker_cli.main(["config", str(tmp_path), "--tls-port", "8883"]) == 2
    passwords = json.loads((tmp_path / "new-accounts.json").read_text())
    assert set(passwords) == set(DistrictAccounts.load(example).usernames)
    assert "5 new accounts" in capsys.readouterr().out

    with running(Mosquitto(tmp_path / "mosquitto.conf", port)):
        office = Watcher(port, OFFICE, passwords[OFFICE], subscribe=None)
        try:
            assert await office.connected()
        finally:
            office.close()
    # Run again: every account keeps its password, and no new one is announced.
    assert broker_cli.main(["accounts", str(example), str(tmp_path)]) == 0
    assert "new accounts" not in capsys.readouterr().out


async def test_districts_sharing_a_broker_see_only_their_own_compounds(
    tmp_path: Path, socket_enabled: None
) -> None:
    qiaokou = DistrictAccounts("qiaokou", ("office",), (("gutian", "hanzheng"),))
    shared = DistrictBroker(tmp_path, ACCOUNTS, other_districts=(qiaokou,))
    with (
        running(shared),
        account(shared, OFFICE) as hanyang_office,
        account(shared, "district-qiaokou-office") as qiaokou_office,
        account(shared, "compound-qiaokou-gutian-hanzheng", None) as neighbour,
        account(shared, LONGDENGLI_ACCOUNT, None) as compound,
    ):
        assert await neighbour.connected()
        assert await compound.connected()
        qiaokou_office.publish(f"{LONGDENGLI}/directive", "forged")
        qiaokou_office.publish(f"{ROOT}/directive", "forged")
        own = (
            "homeassistant/device/hanyang_hanyang_qingchuan_longdengli/config",
            f"{LONGDENGLI}/state",
        )
        for topic in own:
            compound.publish(topic, "{}")
        neighbour.publish("homeassistant/device/hanyang_qiaokou_gutian_hanzheng/config", "{}")
        neighbour.publish("hanyang/qiaokou/gutian/hanzheng/state", "{}")

        await wait_until(lambda: f"{LONGDENGLI}/state" in hanyang_office.messages)
        await wait_until(lambda: "hanyang/qiaokou/gutian/hanzheng/state" in qiaokou_office.messages)
        assert set(hanyang_office.messages) == set(own)
        assert set(qiaokou_office.messages) == {
            "homeassistant/device/hanyang_qiaokou_gutian_hanzheng/config",
            "hanyang/qiaokou/gutian/hanzheng/state",
        }
