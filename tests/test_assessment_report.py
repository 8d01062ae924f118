"""Tests of the monthly assessment report: its contents in both languages, determinism and bad input."""

from __future__ import annotations

from datetime import datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.hanyang_compound.const import (
    CONF_PROPERTY_COMPANY,
    DOMAIN,
    EVENT_PATROL,
    EVENT_SCREENING_ALERT,
)

from .conftest import make_compound_entry

ZONE = "Asia/Shanghai"


@pytest.fixture
async def assessed_compound(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    tmp_path: Path,
) -> MockConfigEntry:
    """A compound set up in October 2026 whose November has a missed round, a late alert, an outage day."""
    hass.config.config_dir = str(tmp_path)
    await hass.config.async_set_time_zone(ZONE)
    zone = dt_util.get_default_time_zone()
    created = datetime(2026, 10, 20, tzinfo=zone)
    entry = make_compound_entry(options={CONF_PROPERTY_COMPANY: "正阳物业"})
    entry.created_at = created  # type: ignore[misc]
    standards = {
        "patrol_rounds": 4,
        "patrol_on_time": 90,
        "alert_acknowledgement": 15,
        "entrance_availability": 98,
        "manhole_resolution": 120,
        "shed_overheat": 15,
    }
    days: dict[str, Any] = {}
    for day in range(1, 31):
        days[f"2026-11-{day:02d}"] = {
            "standards": standards,
            "rounds_started": 4,
            "rounds_on_time": 4,
            "rounds_completed": 4,
            "entrance_seconds": 2 * 86400,
        }
    days["2026-11-05"].update(
        rounds_completed=3,
        rounds_missed=1,
        entrance_down_seconds=75 * 60,
        details=[
            ["round_missed", "Night route", "22:00", 0],
            ["outage", "North gate", "03:00", 75],
        ],
    )
    days["2026-11-12"].update(
        alert_acknowledgement_count=2,
        alert_acknowledgement_open=1,
        alert_acknowledgement_slowest=1500,
        details=[["alert_late", "North gate", "09:05", 25]],
    )
    days["2026-11-20"].update(ha_down_seconds=6 * 3600, rounds_completed=0)
    del days["2026-11-25"]
    hass_storage[f"{DOMAIN}.assessment.{entry.entry_id}"] = {
        "version": 1,
        "key": f"{DOMAIN}.assessment.{entry.entry_id}",
        "data": {"days": days, "last_seen": None},
    }
    freezer.move_to(datetime(2026, 12, 2, 9, tzinfo=zone))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _read(hass: HomeAssistant, response: dict[str, Any], encoding: str = "utf-8") -> str:
    return await hass.async_add_executor_job(Path(response["path"]).read_text, encoding)


async def _report(
    hass: HomeAssistant, month: str = "2026-11", fmt: str = "html", compound: str | None = None
) -> dict[str, Any]:
    entry_id = hass.config_entries.async_entries(DOMAIN)[0].entry_id
    response = await hass.services.async_call(
        DOMAIN,
        "assessment_report",
        {"compound": compound or entry_id, "month": month, "format": fmt},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


async def test_html_report_in_english(
    hass: HomeAssistant, assessed_compound: MockConfigEntry
) -> None:
    """The page lists each indicator against its standard, the days missed and why."""
    response = await _report(hass)
    path = Path(response["path"])
    assert str(path.parent) == hass.config.path("hanyang_compound", "reports")
    assert response["url"].startswith(f"/api/hanyang_compound/reports/{path.name}?authSig=")
    page = await _read(hass, response)
    assert '<html lang="en">' in page
    for text in (
        "Service assessment",
        "Longdengli",
        "Qingchuan",
        "Standard",
        "正阳物业",
        "2026-11",
        "Assessment: patrol rounds today",
        "at least 4 rounds",
        "Not met",
        "Round of Night route at 22:00 missed",
        "North gate unavailable from 03:00 for 75 min",
        "Alert at North gate at 09:05 acknowledged after 25 min",
        "1 alerts not acknowledged",
        "Home Assistant down (not counted)",
        "Not recorded (not counted)",
        "<td>05</td>",
        "<td>12</td>",
    ):
        assert text in page, text
    # Days before the compound existed are not listed: November began after it.
    assert page.count("<tr><td>2026-11-") == 30


async def test_reports_in_chinese_and_as_csv(
    hass: HomeAssistant, assessed_compound: MockConfigEntry
) -> None:
    """In a Chinese installation both files are in Chinese; the CSV has a row per day and indicator."""
    await hass.config.async_update(language="zh-Hans")
    page = await _read(hass, await _report(hass))
    for text in (
        "物业服务考核",
        "片区",
        "标准",
        "不少于 4 轮",
        "未达标",
        "Night route 22:00 的巡逻未进行",
        "Home Assistant 停机（不计入）",
        "1 条告警未处理",
    ):
        assert text in page, text
    rows = (await _read(hass, await _report(hass, fmt="csv"), "utf-8-sig")).splitlines()
    assert rows[0] == "小区,Longdengli"
    assert "2026-11-05,计入,考核：今日巡逻轮次,3 轮,不少于 4 轮,未达标," in "\n".join(rows)
    assert sum(row.startswith("2026-11-05,") for row in rows) == 6
    assert rows.count("2026-11-25,无记录（不计入）,,,,,") == 1


async def test_a_report_is_the_same_when_written_again(
    hass: HomeAssistant, assessed_compound: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Regenerating a past month, later, gives the same file."""
    first = await _read(hass, await _report(hass, fmt="csv"))
    freezer.tick(timedelta(hours=5))
    assert await _read(hass, await _report(hass, fmt="csv")) == first
    october = await _read(hass, await _report(hass, month="2026-10"))
    assert "<tr><td>2026-10-19" not in october
    assert "<tr><td>2026-10-20" in october
    this_month = await _read(hass, await _report(hass, month="2026-12"))
    assert "<tr><td>2026-12-02" in this_month
    assert "<tr><td>2026-12-03" not in this_month


@pytest.mark.parametrize(
    ("call", "key"),
    [
        (("2027-01", "html", None), "assessment_month_future"),
        (("2026-09", "html", None), "assessment_month_before_compound"),
        (("2026-13", "html", None), "assessment_month_invalid"),
        (("November", "csv", None), "assessment_month_invalid"),
        (("2026-11", "pdf", None), "assessment_format_invalid"),
        (("2026-11", "html", "Nowhere"), "unknown_compound"),
    ],
)
async def test_bad_input_writes_nothing(
    hass: HomeAssistant,
    assessed_compound: MockConfigEntry,
    call: tuple[str, str, str | None],
    key: str,
) -> None:
    """A bad month, format or compound gives a translated error and writes no file."""
    with pytest.raises(ServiceValidationError) as raised:
        await _report(hass, *call)
    assert raised.value.translation_key == key
    assert not await hass.async_add_executor_job(Path(hass.config.path(DOMAIN)).exists)
    assert not await hass.async_add_executor_job(Path(hass.config.path("www")).exists)


async def test_the_action_accepts_an_event_recorded_today(
    hass: HomeAssistant, assessed_compound: MockConfigEntry
) -> None:
    """What was recorded today shows in this month's report right away."""
    entry = assessed_compound
    hass.bus.async_fire(
        EVENT_SCREENING_ALERT, {"config_entry_id": entry.entry_id, "entrance": "East gate"}
    )
    hass.bus.async_fire(
        EVENT_PATROL,
        {
            "config_entry_id": entry.entry_id,
            "type": "missed",
            "route": "Day route",
            "route_id": "r",
            "round": dt_util.now().replace(hour=8, minute=0).isoformat(),
        },
    )
    await hass.async_block_till_done()
    page = await _read(hass, await _report(hass, month="2026-12"))
    assert "Round of Day route at 08:00 missed" in page
    assert "1 alerts not acknowledged" in page


async def test_each_indicator_gives_only_its_own_reasons(
    hass: HomeAssistant, assessed_compound: MockConfigEntry
) -> None:
    """A day that missed patrol and availability lists the round under patrol, the outage under availability."""
    rows = (await _read(hass, await _report(hass, fmt="csv"), "utf-8-sig")).splitlines()
    day = {row.split(",")[2]: row.split(",")[6] for row in rows if row.startswith("2026-11-05,")}
    assert day["Assessment: patrol rounds today"] == "Round of Night route at 22:00 missed"
    assert (
        day["Assessment: entrance availability today"]
        == "North gate unavailable from 03:00 for 75 min"
    )
    assert day["Assessment: slowest alert acknowledgement today"] == ""
    alerts = [row for row in rows if row.startswith("2026-11-12,") and "alert" in row]
    why = "Alert at North gate at 09:05 acknowledged after 25 min; 1 alerts not acknowledged"
    assert alerts == [
        f"2026-11-12,Counted,Assessment: slowest alert acknowledgement today,25 min,at most 15 min,Not met,{why}"
    ]


async def test_a_report_opens_from_the_ui_for_a_logged_in_user_or_a_signed_link(
    hass: HomeAssistant,
    assessed_compound: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """The link in the response and the notification opens the report; nothing opens without a login."""
    assert await async_setup_component(hass, "persistent_notification", {})
    websocket = await hass_ws_client(hass)
    response = await _report(hass)
    name = Path(response["path"]).name
    anonymous = await hass_client_no_auth()
    opened = await anonymous.get(response["url"])
    assert opened.status == HTTPStatus.OK
    assert opened.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Longdengli" in await opened.text()
    assert (await anonymous.get(f"/api/hanyang_compound/reports/{name}")).status == (
        HTTPStatus.UNAUTHORIZED
    )
    assert (await anonymous.get(f"/local/hanyang_compound/{name}")).status == HTTPStatus.NOT_FOUND
    user = await hass_client()
    assert (await user.get(f"/api/hanyang_compound/reports/{name}")).status == HTTPStatus.OK
    csv_file = Path((await _report(hass, fmt="csv"))["path"]).name
    downloaded = await user.get(f"/api/hanyang_compound/reports/{csv_file}")
    assert downloaded.headers["Content-Disposition"] == f'attachment; filename="{csv_file}"'
    for missing in ("assessment_x_2026-10.html", "..%2Fsecrets.yaml", "assessment_a_2026-11.pdf"):
        answer = await user.get(f"/api/hanyang_compound/reports/{missing}")
        assert answer.status in (HTTPStatus.NOT_FOUND, HTTPStatus.BAD_REQUEST), missing
    await websocket.send_json_auto_id({"type": "persistent_notification/get"})
    notices = {
        notice["notification_id"]: notice for notice in (await websocket.receive_json())["result"]
    }
    notice = notices[f"hanyang_compound_report_{assessed_compound.entry_id}"]
    assert notice["title"] == "Assessment report ready"
    assert (
        f"[open the report](/api/hanyang_compound/reports/{csv_file}?authSig=" in notice["message"]
    )
