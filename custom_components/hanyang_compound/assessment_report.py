"""The monthly assessment report: a printable page or a CSV file in the installation's language."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Collection, Mapping
import csv
from dataclasses import dataclass
from datetime import date
import html
import io
import math
from pathlib import Path
import re
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from .assessment import (
    INDICATORS,
    MISS_INDICATORS,
    Figure,
    Indicator,
    MissKind,
    counted,
    day_figures,
    month_figures,
    open_items,
)
from .compound import Compound
from .const import CONF_PROPERTY_COMPANY, CONF_SERVICE_TIER, CONF_ZONE, DOMAIN
from .errors import request_error
from .report_files import notify_report_ready, report_name, reports_folder, signed_report_url

FORMATS: Final = ("html", "csv")
MONTH: Final = re.compile(r"^(\d{4})-(\d{2})$")
STATUS_COUNTED: Final = "counted"
STATUS_HA_DOWN: Final = "ha_down"
STATUS_NOT_RECORDED: Final = "not_recorded"


@dataclass(frozen=True, slots=True)
class ReportDay:
    """One day of the month: how it is counted, its figures, and why it missed."""

    day: date
    status: str
    figures: list[Figure]
    details: list[list[Any]]
    open_counts: Mapping[Indicator, int]


def parse_month(value: str, compound: Compound) -> tuple[int, int]:
    """Return (year, month) of a YYYY-MM the compound has a report for; raise a translated error if not."""
    if not (match := MONTH.match(value.strip())) or not 1 <= int(match.group(2)) <= 12:  # noqa: PLR2004
        raise request_error("assessment_month_invalid", month=value)
    year, month = int(match.group(1)), int(match.group(2))
    today = dt_util.now().date()
    if (year, month) > (today.year, today.month):
        raise request_error("assessment_month_future", month=value)
    created = dt_util.as_local(compound.entry.created_at).date()
    if (year, month) < (created.year, created.month):
        raise request_error(
            "assessment_month_before_compound", month=value, since=f"{created:%Y-%m}"
        )
    return year, month


def report_days(
    compound: Compound,
    days: Mapping[str, Mapping[str, Any]],
    standards: Mapping[Indicator, float],
    year: int,
    month: int,
) -> list[ReportDay]:
    """Return the month's days up to today, from the compound's creation on."""
    first = max(date(year, month, 1), dt_util.as_local(compound.entry.created_at).date())
    last = min(date(year, month, calendar.monthrange(year, month)[1]), dt_util.now().date())
    return build_days(days, first, last, standards)


def build_days(
    days: Mapping[str, Mapping[str, Any]],
    first: date,
    last: date,
    fallback: Mapping[Indicator, float],
) -> list[ReportDay]:
    """Return the report's days from first to last, each from its stored aggregates."""
    result = []
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        day = date.fromordinal(ordinal)
        record = days.get(day.isoformat())
        if record is None:
            result.append(ReportDay(day, STATUS_NOT_RECORDED, [], [], {}))
            continue
        status = STATUS_COUNTED if counted(record) else STATUS_HA_DOWN
        opened = {indicator: open_items(indicator, record) for indicator in INDICATORS}
        figures = day_figures(record, fallback)
        result.append(ReportDay(day, status, figures, record.get("details", []), opened))
    return result


def month_summary(
    days: Mapping[str, Mapping[str, Any]],
    report: list[ReportDay],
    fallback: Mapping[Indicator, float],
) -> list[Figure]:
    """Return the month's figures over the report's recorded days."""
    return month_figures([days[day.day.isoformat()] for day in report if day.figures], fallback)


class ReportTexts:
    """The report's texts in the installation's language."""

    def __init__(
        self, language: str, texts: Mapping[str, str], entities: Mapping[str, str]
    ) -> None:
        """Hold the loaded selector and entity translations of a language."""
        self.language = language
        self._texts = texts
        self._entities = entities

    def __call__(self, key: str, **values: Any) -> str:
        """Return a report text, its placeholders filled."""
        text = self._texts.get(f"component.{DOMAIN}.selector.assessment_report.options.{key}", key)
        return text.format(**values) if values else text

    def indicator(self, indicator: Indicator) -> str:
        """Return an indicator's name, as its sensor is named."""
        key = f"component.{DOMAIN}.entity.sensor.assessment_{indicator}.name"
        return self._entities.get(key, str(indicator))

    def tier(self, tier: str) -> str:
        """Return a service tier's name."""
        return self._texts.get(f"component.{DOMAIN}.selector.service_tier.options.{tier}", tier)

    def number(self, figure: Figure, value: float | None = None) -> str:
        """Return a figure's value (or another number of it) with its unit."""
        number = figure.value if value is None else value
        if math.isnan(number):
            return "—"
        unit = self(f"unit_{INDICATORS[figure.indicator].unit.replace('%', 'percent')}")
        return f"{round(number, 2):g} {unit}"

    def met(self, figure: Figure) -> str:
        """Return whether a figure met its standard."""
        return self("met") if figure.met else self("not_met")

    def standard(self, figure: Figure) -> str:
        """Return a figure's standard, with which way it is met."""
        way = "at_least" if INDICATORS[figure.indicator].at_least else "at_most"
        return self(way, value=self.number(figure, figure.standard))

    def why(self, day: ReportDay, missed: Collection[Indicator]) -> list[str]:
        """Return why a day missed the given indicators: their recorded cases, then what was left open."""
        reasons = [
            self(f"why_{kind}", subject=subject, time=time, minutes=minutes)
            for kind, subject, time, minutes in day.details
            if _weighs_on(kind, missed)
        ]
        reasons += [
            self(f"why_{indicator}_open", count=count)
            for indicator, count in day.open_counts.items()
            if count > 0 and indicator in missed
        ]
        return reasons


def _weighs_on(kind: str, missed: Collection[Indicator]) -> bool:
    try:
        return not MISS_INDICATORS[MissKind(kind)].isdisjoint(missed)
    except ValueError:  # a case kind this release no longer lists
        return False


async def async_report_texts(hass: HomeAssistant) -> ReportTexts:
    """Load the report's texts in the installation's language."""
    language = hass.config.language
    texts = await async_get_translations(hass, language, "selector", [DOMAIN])
    entities = await async_get_translations(hass, language, "entity", [DOMAIN])
    return ReportTexts(language, texts, entities)


def report_heading(
    compound: Compound, texts: ReportTexts, year: int, month: int
) -> list[tuple[str, str]]:
    """Return the report's heading as label and value pairs."""
    data, options = compound.entry.data, compound.entry.options
    return [
        (texts("compound"), compound.name),
        (texts("zone"), str(data[CONF_ZONE])),
        (texts("tier"), texts.tier(str(data[CONF_SERVICE_TIER]))),
        (texts("company"), str(options.get(CONF_PROPERTY_COMPANY) or "—")),
        (texts("month"), f"{year:04d}-{month:02d}"),
    ]


def render_csv(
    heading: list[tuple[str, str]], summary: list[Figure], days: list[ReportDay], texts: ReportTexts
) -> str:
    """Return the report as CSV: the heading, the month's figures, then one row per day and indicator."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(heading)
    writer.writerow([])
    writer.writerow(
        [
            texts("date"),
            texts("status"),
            texts("indicator"),
            texts("value"),
            texts("standard"),
            texts("result"),
            texts("why"),
        ]
    )
    for figure in summary:
        writer.writerow(
            [
                texts("whole_month"),
                "",
                texts.indicator(figure.indicator),
                texts.number(figure),
                texts.standard(figure),
                texts.met(figure),
                "",
            ]
        )
    for day in days:
        if not day.figures:
            writer.writerow(
                [day.day.isoformat(), texts(f"status_{day.status}"), "", "", "", "", ""]
            )
        for figure in day.figures:
            writer.writerow(
                [
                    day.day.isoformat(),
                    texts(f"status_{day.status}"),
                    texts.indicator(figure.indicator),
                    texts.number(figure),
                    texts.standard(figure),
                    texts.met(figure),
                    "; ".join(texts.why(day, {figure.indicator})) if not figure.met else "",
                ]
            )
    return out.getvalue()


def render_html(
    heading: list[tuple[str, str]], summary: list[Figure], days: list[ReportDay], texts: ReportTexts
) -> str:
    """Return the report as a printable page."""
    esc = html.escape
    title = texts("title")
    rows = "".join(
        f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in heading
    )
    head = [
        texts("indicator"),
        texts("value"),
        texts("standard"),
        texts("result"),
        texts("days_missed"),
    ]
    summary_rows = "".join(
        "<tr>"
        + _cells(
            texts.indicator(figure.indicator),
            texts.number(figure),
            texts.standard(figure),
            texts.met(figure),
        )
        + f"<td>{esc(', '.join(_missed_days(days, figure.indicator)) or '—')}</td></tr>"
        for figure in summary
    )
    day_rows = "".join(_day_row(day, texts) for day in days)
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(texts.language)}"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1><table>{rows}</table>"
        f"<h2>{esc(texts('whole_month'))}</h2><table><tr>{_cells(*head, tag='th')}</tr>{summary_rows}</table>"
        f"<h2>{esc(texts('days'))}</h2><table><tr>{_cells(texts('date'), texts('status'), texts('not_met_indicators'), texts('why'), tag='th')}</tr>{day_rows}</table>"
        f"<p>{esc(texts('note_ha_down'))}</p></body></html>\n"
    )


STYLE: Final = (
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}"
    "th,td{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}"
    "@media print{body{margin:0}h2{break-before:auto}}"
)


def _cells(*values: str, tag: str = "td") -> str:
    return "".join(f"<{tag}>{html.escape(value)}</{tag}>" for value in values)


def _missed_days(days: list[ReportDay], indicator: Indicator) -> list[str]:
    return [
        f"{day.day:%d}"
        for day in days
        if day.status == STATUS_COUNTED
        and any(figure.indicator is indicator and not figure.met for figure in day.figures)
    ]


def _day_row(day: ReportDay, texts: ReportTexts) -> str:
    missed = [figure.indicator for figure in day.figures if not figure.met]
    why = "<br>".join(html.escape(reason) for reason in texts.why(day, missed))
    names = ", ".join(texts.indicator(indicator) for indicator in missed)
    return (
        f"<tr>{_cells(day.day.isoformat(), texts(f'status_{day.status}'), names or '—')}"
        f"<td>{why or '—'}</td></tr>"
    )


RENDERERS: Final[Mapping[str, Callable[..., str]]] = {"html": render_html, "csv": render_csv}


async def async_write_report(
    hass: HomeAssistant, compound: Compound, month_text: str, report_format: str
) -> dict[str, str]:
    """Write a compound's report of a month; return its file's path and its address in the UI.

    Nothing is written when the month or the format is refused.
    """
    if report_format not in RENDERERS:
        raise request_error("assessment_format_invalid", format=report_format)
    year, month = parse_month(month_text, compound)
    if compound.assessment is None:
        raise request_error("compound_not_loaded", compound=compound.name)
    stored = compound.assessment.days()
    days = report_days(compound, stored, compound.assessment.standards, year, month)
    summary = month_summary(stored, days, compound.assessment.standards)
    texts = await async_report_texts(hass)
    content = RENDERERS[report_format](
        report_heading(compound, texts, year, month), summary, days, texts
    )
    name = report_name(compound.entry.entry_id, year, month, report_format)
    path = reports_folder(hass) / name
    await hass.async_add_executor_job(_write, path, content)
    url = signed_report_url(hass, name)
    notify_report_ready(
        hass,
        compound.entry.entry_id,
        texts("report_ready_title"),
        texts("report_ready", compound=compound.name, month=f"{year:04d}-{month:02d}", url=url),
    )
    return {"path": str(path), "url": url}


def _write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial_file = path.with_suffix(f"{path.suffix}.tmp")
    # A report that Excel opens as UTF-8 needs the byte order mark; browsers ignore it.
    partial_file.write_text(content, encoding="utf-8-sig" if path.suffix == ".csv" else "utf-8")
    partial_file.replace(path)
