"""Where assessment reports are kept and how a logged-in user opens one: an authenticated view and signed links."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
import re
from typing import Final

from aiohttp import web
from homeassistant.components import persistent_notification
from homeassistant.components.http.auth import async_sign_path
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView

from .const import DOMAIN

REPORTS_URL: Final = f"/api/{DOMAIN}/reports"
LINK_VALID: Final = timedelta(hours=24)
"""How long the link in an action's response and in the notification opens the report without a login."""
_FILE_NAME: Final = re.compile(r"assessment_[A-Za-z0-9_]{1,64}_\d{4}-\d{2}\.(html|csv)")
_CONTENT_TYPES: Final = {"html": "text/html", "csv": "text/csv"}


def reports_folder(hass: HomeAssistant) -> Path:
    """Return the folder reports are written to: in the configuration, never served without a login."""
    return Path(hass.config.path(DOMAIN, "reports"))


def report_name(entry_id: str, year: int, month: int, report_format: str) -> str:
    """Return the file name of a compound's report of a month."""
    return f"assessment_{entry_id}_{year:04d}-{month:02d}.{report_format}"


def signed_report_url(hass: HomeAssistant, name: str) -> str:
    """Return a link that opens a report for a day, for whoever asked for it (or for the frontend)."""
    return async_sign_path(hass, f"{REPORTS_URL}/{name}", LINK_VALID)


def notify_report_ready(hass: HomeAssistant, entry_id: str, title: str, message: str) -> None:
    """Show in the UI's notifications that a report is ready; the same month replaces its last one."""
    persistent_notification.async_create(
        hass, message, title=title, notification_id=f"{DOMAIN}_report_{entry_id}"
    )


class ReportView(HomeAssistantView):
    """Serves a written report to a logged-in user or to the holder of a signed link."""

    url = f"{REPORTS_URL}/{{name}}"
    name = f"api:{DOMAIN}:report"
    requires_auth = True

    async def get(self, request: web.Request, name: str) -> web.StreamResponse:
        """Return the report file; a name that is not a report's is not found."""
        if _FILE_NAME.fullmatch(name) is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        hass: HomeAssistant = request.app[KEY_HASS]
        path = reports_folder(hass) / name
        if not await hass.async_add_executor_job(path.is_file):
            return web.Response(status=HTTPStatus.NOT_FOUND)
        suffix = path.suffix.removeprefix(".")
        headers = {"Content-Type": f"{_CONTENT_TYPES[suffix]}; charset=utf-8"}
        if suffix == "csv":
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return web.FileResponse(path, headers=headers)


def async_register_report_view(hass: HomeAssistant) -> None:
    """Make written reports reachable from the UI."""
    hass.http.register_view(ReportView())
