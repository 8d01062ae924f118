"""Benchmark: a busy compound's month of assessment — the cost per recorded event, and the monthly report's time.

A month (30 days) of a compound with 7 entrances: about 5,000 screenings a day, of which the 2 %
that screen fever or no mask raise alerts (acknowledged after 1 to 20 minutes), 6 patrol rounds a day
(one a week missed), a gate outage every third day, a manhole needing attention and a hot shed a
week, and a day with Home Assistant down. Screenings that raise no alert never reach the
assessment: their cost is the terminal's. The report is rendered from the daily aggregates, so its
time does not grow with the month's events; the run is repeated with ten times the alerts to show it.
Prints a table, then as its last line one JSON object.
Usage: .venv/bin/python bench/assessment_month.py [--repeat 20]
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
import json
from pathlib import Path
import statistics
import sys
import time
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from custom_components.hanyang_compound.assessment import Indicator, standards  # noqa: E402
from custom_components.hanyang_compound.assessment_book import AssessmentBook  # noqa: E402
from custom_components.hanyang_compound.assessment_report import (  # noqa: E402
    ReportTexts,
    build_days,
    month_summary,
    render_csv,
    render_html,
)

WUHAN = ZoneInfo("Asia/Shanghai")
ENTRANCES = [f"Entrance {number}" for number in range(1, 8)]
SCREENINGS_PER_DAY = 5000
ALERT_SHARE = 0.02
INCIDENTS = ((Indicator.MANHOLE_RESOLUTION, "Manhole 3"), (Indicator.SHED_OVERHEAT, "Shed A"))


def record_day(book: AssessmentBook, day: int, midnight: datetime, alerts: int) -> int:
    """Record one scripted day; return how many events it had."""
    events = 0
    for round_ in range(6):
        slot = midnight + timedelta(hours=2 + 3 * round_)
        if day % 7 == 3 and round_ == 5:
            book.patrol("missed", "route", "Night route", slot)
            events += 1
            continue
        for kind in ("due", "started", "checkpoint", "checkpoint", "completed"):
            book.patrol(kind, "route", "Night route", slot)
            events += 1
    for number in range(alerts):
        raised = midnight + timedelta(hours=7, seconds=number * 50400 // alerts)
        entrance = ENTRANCES[number % len(ENTRANCES)]
        book.alert(entrance, raised)
        book.acknowledged(entrance, raised + timedelta(minutes=1 + number % 20))
        events += 2
    if day % 3 == 0:
        book.entrance("Entrance 2", midnight + timedelta(hours=10), available=False)
        book.entrance("Entrance 2", midnight + timedelta(hours=10, minutes=40), available=True)
        events += 2
    if day % 7 == 0:
        for indicator, subject in INCIDENTS:
            book.incident(indicator, subject, midnight + timedelta(hours=14), active=True)
            book.incident(indicator, subject, midnight + timedelta(hours=15), active=False)
            events += 2
    for minutes in range(0, 1440, 5):
        book.heartbeat(midnight + timedelta(minutes=minutes))
        events += 1
    return events


def record_month(alert_share: float) -> tuple[AssessmentBook, int, float]:
    """Record the scripted month; return the book, the events recorded and the seconds they took."""
    book = AssessmentBook(WUHAN, standards("enhanced", {}))
    start = datetime(2026, 11, 1, tzinfo=WUHAN)
    book.resume(start, timedelta(minutes=10))
    for entrance in ENTRANCES:
        book.entrance(entrance, start, available=True)
    events, spent = 0, 0.0
    for day in range(30):
        midnight = start + timedelta(days=day)
        if day == 19:
            book.heartbeat(midnight)
            book.resume(midnight + timedelta(hours=5), timedelta(minutes=10))
        began = time.perf_counter()
        events += record_day(book, day, midnight, int(SCREENINGS_PER_DAY * alert_share))
        spent += time.perf_counter() - began
    return book, events, spent


def english_texts() -> ReportTexts:
    """Return the report's English texts as Home Assistant would load them."""
    translations = json.loads(
        (ROOT / "custom_components/hanyang_compound/translations/en.json").read_text(
            encoding="utf-8"
        )
    )
    flat: dict[str, str] = {}

    def walk(node: Any, prefix: str) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}.{key}")
            else:
                flat[f"{prefix}.{key}"] = value

    walk(translations, "component.hanyang_compound")
    return ReportTexts("en", flat, flat)


def report_seconds(book: AssessmentBook, repeat: int) -> tuple[float, float]:
    """Return the median seconds to build the HTML and the CSV report of November."""
    texts = english_texts()
    heading = [("Compound", "Longdengli"), ("Month", "2026-11")]
    timings: dict[str, list[float]] = {"html": [], "csv": []}
    for _ in range(repeat):
        for name, render in (("html", render_html), ("csv", render_csv)):
            began = time.perf_counter()
            days = build_days(book.days, date(2026, 11, 1), date(2026, 11, 30), book.standards)
            render(heading, month_summary(book.days, days, book.standards), days, texts)
            timings[name].append(time.perf_counter() - began)
    return statistics.median(timings["html"]), statistics.median(timings["csv"])


def main() -> int:
    """Run the month at the usual and at ten times the alert rate; print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for label, share in (("busy month", ALERT_SHARE), ("busy month, 10x alerts", ALERT_SHARE * 10)):
        book, events, spent = record_month(share)
        html_s, csv_s = report_seconds(book, args.repeat)
        rows.append(
            {
                "month": label,
                "events": events,
                "us_per_event": round(spent / events * 1e6, 2),
                "report_html_ms": round(html_s * 1000, 2),
                "report_csv_ms": round(csv_s * 1000, 2),
            }
        )
    print("| month | events recorded | µs per event | HTML report ms | CSV report ms |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['month']} | {row['events']} | {row['us_per_event']} | {row['report_html_ms']} | {row['report_csv_ms']} |"
        )
    worst = max(max(row["report_html_ms"], row["report_csv_ms"]) for row in rows)
    print(
        json.dumps(
            {"rows": rows, "report_ms_max": worst, "report_target_ms": 1000, "ok": worst <= 1000}
        )
    )
    return 0 if worst <= 1000 else 1


if __name__ == "__main__":
    raise SystemExit(main())
