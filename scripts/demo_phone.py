"""The demo's stand-in phone: registered with mobile_app as the companion app is; it writes down what it is sent and taps actions."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp

from scripts.demo_client import HomeAssistantClient, say

DEMO_PHONE = {
    "app_id": "io.hanyang_compound.standin",
    "app_name": "Stand-in phone",
    "app_version": "1.0",
    "device_id": "standin-duty-phone",
    "device_name": "Duty phone",
    "manufacturer": "Hanyang Compound",
    "model": "Stand-in",
    "os_name": "Linux",
    "os_version": "1",
    "supports_encryption": False,
    "app_data": {"push_websocket_channel": True},
}


async def async_register_phone(client: HomeAssistantClient, registration_file: Path) -> str:
    """Register the stand-in phone with the mobile app integration once; return its webhook id."""
    # A few hundred bytes on the local disk: not worth a thread.
    if registration_file.exists():  # noqa: ASYNC240
        registration = json.loads(registration_file.read_text(encoding="utf-8"))  # noqa: ASYNC240
    else:
        registration = await client.async_post("/api/mobile_app/registrations", DEMO_PHONE)
        registration_file.write_text(json.dumps(registration), encoding="utf-8")  # noqa: ASYNC240
        say(f"registered the stand-in phone {DEMO_PHONE['device_name']}")
    return str(registration["webhook_id"])


async def async_run_phone(client: HomeAssistantClient, webhook_id: str, log_file: Path) -> None:
    """Receive the stand-in phone's notifications as the companion app does, and write them down."""
    async with client.session.ws_connect(f"{client.url}/api/websocket") as ws:
        await client.async_authenticate_websocket(ws)
        await ws.send_json(
            {"id": 1, "type": "mobile_app/push_notification_channel", "webhook_id": webhook_id}
        )
        async for message in ws:
            data = json.loads(message.data)
            if data.get("type") != "event":
                continue
            notification = data["event"]
            with log_file.open("a", encoding="utf-8") as log:
                log.write(json.dumps(notification, ensure_ascii=False) + "\n")
            actions = [a.get("action") for a in notification.get("data", {}).get("actions", [])]
            say(
                f"phone: {notification.get('title', '')}: {notification.get('message', '')}"
                + (f" [actions: {', '.join(actions)}]" if actions else "")
            )


async def async_press_phone_action(url: str, registration_file: Path, action: str) -> None:
    """Press a notification action on the stand-in phone, as a volunteer taps it in the app."""
    registration = registration_file.read_text(encoding="utf-8")  # noqa: ASYNC240 - a few bytes
    webhook_id = json.loads(registration)["webhook_id"]
    payload = {
        "type": "fire_event",
        "data": {"event_type": "mobile_app_notification_action", "event_data": {"action": action}},
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/api/webhook/{webhook_id}", json=payload) as response,
    ):
        response.raise_for_status()
    say(f"pressed {action} on the stand-in phone")
