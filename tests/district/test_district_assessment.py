"""A linked compound publishes its assessment; the district ranks compounds, zones and property companies."""

from __future__ import annotations

from datetime import timedelta
import json

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.const import (
    ATTR_CONFIG_ENTRY_ID,
    CONF_PROPERTY_COMPANY,
    DOMAIN,
    EVENT_PATROL,
)
from custom_components.hanyang_compound.district_role import company_key
from tests.conftest import make_compound_entry

from .broker import Watcher, wait_until
from .conftest import DISTRICT
from .test_district_view import state_of

ASSESSMENT = "hanyang/hanyang/qingchuan/longdengli/assessment"
OTHER = "hanyang/hanyang/yuehu/guqintai"


async def test_the_district_ranks_what_the_compounds_publish(
    hass: HomeAssistant, district: MockConfigEntry, watcher: Watcher
) -> None:
    entry = make_compound_entry(
        options={"district_link": True, "district": DISTRICT, CONF_PROPERTY_COMPANY: "正阳物业"},
        subentries_data=(
            ConfigSubentryData(
                data={}, subentry_type="patrol_route", title="Night route", unique_id="night"
            ),
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # Today: four rounds, each started and completed on time.
    now = dt_util.now()
    for minutes in (1, 2, 3, 4):
        slot = (now - timedelta(minutes=minutes)).replace(second=0, microsecond=0)
        for kind in ("started", "completed"):
            hass.bus.async_fire(
                EVENT_PATROL,
                {
                    ATTR_CONFIG_ENTRY_ID: entry.entry_id,
                    "type": kind,
                    "route": "Night route",
                    "route_id": "night",
                    "round": slot.isoformat(),
                },
            )
    await wait_until(
        lambda: (
            ASSESSMENT in watcher.messages
            and watcher.json(ASSESSMENT)["today"]["patrol_rounds"]["value"] == 4
        ),
        within=15,
    )
    published = watcher.json(ASSESSMENT)
    assert published["property_company"] == "正阳物业"
    assert set(published["month_so_far"]) == {"patrol_rounds", "patrol_on_time"}
    assert published["month_so_far"]["patrol_rounds"] == {
        "value": 4.0,
        "standard": 4.0,
        "met": True,
        "days_met": 1,
        "days_counted": 1,
    }
    assert published["month_score"] == 100.0

    # Another compound of another company, in another zone, met half its indicator-days.
    month = published["month"]
    half = {"value": 2.0, "standard": 4, "met": False, "days_met": 3, "days_counted": 6}
    watcher.publish(f"{OTHER}/state", json.dumps({"mode": "normal", "zone": "Yuehu"}))
    watcher.publish(
        f"{OTHER}/assessment",
        json.dumps(
            {
                "property_company": "红色物业",
                "month": month,
                "day": f"{month}-01",
                "month_so_far": {"patrol_rounds": half},
            }
        ),
    )

    await wait_until(lambda: state_of(hass, district, "sensor", "zone_yuehu_assessment") == "50.0")
    await wait_until(
        lambda: state_of(hass, district, "sensor", "zone_qingchuan_assessment") == "100.0"
    )
    zone = hass.states.get(
        _entity(hass, district, "zone_qingchuan_assessment")  # type: ignore[arg-type]
    )
    assert zone.attributes["rank"] == 1
    assert zone.attributes["of"] == 2
    assert zone.attributes["unit_of_measurement"] == "%"
    assert zone.attributes["state_class"] == "measurement"
    red = hass.states.get(_entity(hass, district, company_key("红色物业")))  # type: ignore[arg-type]
    assert (red.state, red.attributes["rank"]) == ("50.0", 2)

    ranking = await hass.services.async_call(
        DOMAIN,
        "district_ranking",
        {"district": district.entry_id},
        blocking=True,
        return_response=True,
    )
    assert ranking["month"] == month
    assert [(row["key"], row["score"], row["rank"]) for row in ranking["compounds"]] == [
        ("qingchuan/longdengli", 100.0, 1),
        ("yuehu/guqintai", 50.0, 2),
    ]
    assert [row["name"] for row in ranking["zones"]] == ["Qingchuan", "Yuehu"]
    assert [row["name"] for row in ranking["companies"]] == ["正阳物业", "红色物业"]


async def test_companies_that_slug_alike_are_ranked_apart_and_go_with_their_compounds(
    hass: HomeAssistant, district: MockConfigEntry, watcher: Watcher
) -> None:
    month = dt_util.now().strftime("%Y-%m")
    # The same name in simplified and traditional characters: the same letters once transliterated.
    for compound, company, days_met in (("guqintai", "红色物业", 3), ("yueguang", "紅色物業", 6)):
        base = f"hanyang/hanyang/yuehu/{compound}"
        figure = {"value": 4, "standard": 4, "met": True, "days_met": days_met, "days_counted": 6}
        watcher.publish(f"{base}/state", json.dumps({"mode": "normal", "zone": "Yuehu"}))
        watcher.publish(
            f"{base}/assessment",
            json.dumps(
                {
                    "property_company": company,
                    "month": month,
                    "day": f"{month}-01",
                    "month_so_far": {"patrol_rounds": figure},
                }
            ),
        )
    simplified, traditional = company_key("红色物业"), company_key("紅色物業")
    await wait_until(lambda: state_of(hass, district, "sensor", traditional) == "100.0")
    assert state_of(hass, district, "sensor", simplified) == "50.0"

    # The only compound naming a company leaves the district: so does the company's ranking.
    watcher.publish("hanyang/hanyang/yuehu/guqintai/state", b"")
    watcher.publish("hanyang/hanyang/yuehu/guqintai/assessment", b"")
    await wait_until(lambda: _entity(hass, district, simplified) is None)
    assert _entity(hass, district, traditional) is not None


def _entity(hass: HomeAssistant, district: MockConfigEntry, key: str) -> str | None:
    return er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{district.entry_id}_{key}")
