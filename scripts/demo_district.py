"""The district demo of `scripts/develop --district`: the district's broker, its simulated compounds, the links.

The broker is Mosquitto from the shipped template on 127.0.0.1:1883 with anonymous clients refused
and an account for the district office, the demo compound and each simulated compound. The demo
compound's Home Assistant gets the mqtt integration on its own account and the compound is linked
(options step district); the district's Home Assistant gets mqtt on the office's account, with
discovery, and the integration's district entry.
"""

from __future__ import annotations

from collections.abc import Mapping
import copy
import getpass
import json
from pathlib import Path
from typing import Any

from broker.accounts import DistrictAccounts, acl_file, write_password_file
from broker.config import ACL_FILE, PASSWORD_FILE, render_config, write_config
from broker.process import Mosquitto
from scripts.demo_client import DemoError, HomeAssistantClient, say
from scripts.demo_provision import DOMAIN
from simulator.district_protocol import district_layout, slug

DISTRICT = "hanyang"
DISTRICT_NAME = "Hanyang district"
OFFICE = "office"
HOST = "127.0.0.1"
BROKER_PORT = 1883
SIMULATED_COMPOUNDS = 160
SIMULATED_ZONES = 50
"""With the demo compound: the district's 161 compounds in 51 zones."""
MQTT = "mqtt"
OTHER_SETTINGS = "other_settings"
CREDENTIALS_FILE = "credentials.json"


def district_accounts(compound: Mapping[str, Any]) -> DistrictAccounts:
    """Return the broker accounts: the office, the demo compound and every simulated compound."""
    simulated = district_layout(DISTRICT, SIMULATED_COMPOUNDS, SIMULATED_ZONES)
    return DistrictAccounts(
        DISTRICT,
        (OFFICE,),
        (
            (slug(compound["zone"]), slug(compound["name"])),
            *((place.zone_level, place.level) for place in simulated),
        ),
    )


def start_broker(directory: Path, accounts: DistrictAccounts) -> tuple[Mosquitto, dict[str, str]]:
    """Start the district's Mosquitto on 127.0.0.1:1883; return it and every account's password.

    The demo keeps its accounts' passwords in credentials.json (mode 600) so that the Home
    Assistants' mqtt entries keep working across runs; a real district hands them out once.
    """
    directory.mkdir(parents=True, exist_ok=True)
    credentials = directory / CREDENTIALS_FILE
    known = json.loads(credentials.read_text(encoding="utf-8")) if credentials.exists() else {}
    (directory / PASSWORD_FILE).unlink(missing_ok=True)
    passwords = write_password_file(directory / PASSWORD_FILE, accounts.usernames, known)
    credentials.touch(mode=0o600)
    credentials.write_text(json.dumps(passwords, indent=1), encoding="utf-8")
    (directory / ACL_FILE).write_text(acl_file([accounts]), encoding="utf-8")
    config = render_config(directory, port=BROKER_PORT, bind=HOST, user=getpass.getuser())
    broker = Mosquitto(
        write_config(directory, config), BROKER_PORT, log=directory / "mosquitto.out"
    )
    broker.start()
    say(f"district broker: mqtt://{HOST}:{BROKER_PORT} ({len(accounts.usernames)} accounts)")
    return broker, passwords


def simulator_description(demo: Mapping[str, Any], credentials: Path) -> dict[str, Any]:
    """Return the demo's simulator description with the district's simulated compounds added."""
    description = copy.deepcopy(dict(demo))
    description["devices"].append(
        {
            "id": "district",
            "kind": "district_compounds",
            "broker": f"{HOST}:{BROKER_PORT}",
            "district": DISTRICT,
            "compounds": SIMULATED_COMPOUNDS,
            "zones": SIMULATED_ZONES,
            "credentials": str(credentials),
        }
    )
    return description


async def async_run_flow(
    client: HomeAssistantClient, flows: str, start: Mapping[str, Any], answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Start a config or options flow and answer its forms (see async_answer_flow)."""
    return await async_answer_flow(client, flows, await client.async_post(flows, start), answers)


async def async_answer_flow(
    client: HomeAssistantClient, flows: str, result: dict[str, Any], answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Answer a flow's forms, each step from answers by its step id, until it creates its entry."""
    while result.get("type") == "form":
        if result["step_id"] not in answers:
            raise DemoError(f"{flows} asked {result['step_id']}, which the demo cannot answer")
        result = await client.async_post(f"{flows}/{result['flow_id']}", answers[result["step_id"]])
    if result.get("type") != "create_entry":
        raise DemoError(f"{flows} stopped at {result}")
    return result


async def _async_entries(client: HomeAssistantClient, domain: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = await client.async_get(
        f"/api/config/config_entries/entry?domain={domain}"
    )
    return entries


async def async_add_mqtt(
    client: HomeAssistantClient,
    account: tuple[str, str],
    options: Mapping[str, Any] | None,
    broker_port: int = BROKER_PORT,
) -> bool:
    """Set the mqtt integration up on the district's broker with an account, once; return whether now."""
    if await _async_entries(client, MQTT):
        return False
    username, password = account
    broker: dict[str, Any] = {
        "broker": HOST,
        "port": broker_port,
        "username": username,
        "password": password,
    }
    flows = "/api/config/config_entries/flow"
    start = await client.async_post(flows, {"handler": MQTT})
    if any(field["name"] == OTHER_SETTINGS for field in start.get("data_schema", [])):
        # Newer releases group the rest of the broker's settings in a section: plain MQTT here.
        broker[OTHER_SETTINGS] = {
            "set_client_cert": False,
            "set_ca_cert": "off",
            "transport": "tcp",
        }
    result = await async_answer_flow(client, flows, start, {"broker": broker})
    if options:
        await async_run_flow(
            client,
            "/api/config/config_entries/options/flow",
            {"handler": result["result"]["entry_id"]},
            {"options": options},
        )
    return True


async def async_link_compound(
    client: HomeAssistantClient,
    compound: Mapping[str, Any],
    accounts: DistrictAccounts,
    passwords: Mapping[str, str],
    broker_port: int = BROKER_PORT,
) -> None:
    """Give the demo compound's Home Assistant mqtt on the compound's account, and link the compound."""
    zone, level = slug(compound["zone"]), slug(compound["name"])
    username = accounts.compound_username(zone, level)
    status = f"{accounts.compound_base(zone, level)}/ha"
    options = {
        # The README's set-up: its own will topic, and no discovery of its own summary.
        "discovery": False,
        **{f"{kind}_enable": True for kind in ("birth", "will")},
        **{f"{kind}_topic": status for kind in ("birth", "will")},
        "birth_payload": "online",
        "will_payload": "offline",
        **{f"{kind}_qos": 1 for kind in ("birth", "will")},
        **{f"{kind}_retain": True for kind in ("birth", "will")},
    }
    if not await async_add_mqtt(client, (username, passwords[username]), options, broker_port):
        return
    (entry, *_) = await _async_entries(client, DOMAIN)
    say(f"linking {compound['name']} to the district {DISTRICT} ...")
    await async_run_flow(
        client,
        "/api/config/config_entries/options/flow",
        {"handler": entry["entry_id"]},
        {
            "init": {"district_link": True},
            "district": {"district": DISTRICT, "district_may": "own_restrictions"},
        },
    )


async def async_set_up_district(
    client: HomeAssistantClient,
    accounts: DistrictAccounts,
    passwords: Mapping[str, str],
    broker_port: int = BROKER_PORT,
) -> None:
    """Give the district's Home Assistant mqtt (office account, discovery) and the district entry."""
    username = accounts.district_username(OFFICE)
    await async_add_mqtt(client, (username, passwords[username]), None, broker_port)
    if await _async_entries(client, DOMAIN):
        return
    flows = "/api/config/config_entries/flow"
    flow = await client.async_post(flows, {"handler": DOMAIN})
    district = await client.async_post(f"{flows}/{flow['flow_id']}", {"next_step_id": "district"})
    await async_answer_flow(
        client, flows, district, {"district": {"name": DISTRICT_NAME, "district": DISTRICT}}
    )
    say(f"added the district entry {DISTRICT_NAME}")
