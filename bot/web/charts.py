"""ECharts options for the overview's charts, built from flows/overview.py's data (pure: data and labels in,
a JSON-able dict out; static/console.js draws every element with a `data-chart` attribute)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storage.states import OutboxState

Label = Callable[..., str]

DELIVERY_STATES = (OutboxState.SENT, OutboxState.PENDING, OutboxState.SENDING, OutboxState.FAILED,
                   OutboxState.UNCERTAIN, OutboxState.UNREACHABLE, OutboxState.CANCELLED)
TOP_CATEGORIES = 15


def _label(t: Label, key: str, fallback: str) -> str:
    try:
        return t(key)
    except KeyError:  # a channel added later without a catalogue entry yet
        return fallback


def _grid() -> dict[str, Any]:
    return {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True}


def weekly_chart(data: dict[str, Any], t: Label) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": _grid(),
        "xAxis": {"type": "category", "data": [week[5:] for week in data["weeks"]]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": t("web.overview.registrations"), "type": "bar", "data": data["registrations"]},
            {"name": t("web.overview.placements"), "type": "line", "data": data["placements"], "smooth": True},
        ],
    }


def openings_chart(data: dict[str, Any], t: Label) -> dict[str, Any]:
    rows = data["openings_by_category"][:TOP_CATEGORIES][::-1]
    return {
        "tooltip": {"trigger": "axis"},
        "grid": _grid(),
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": [row["category"] for row in rows]},
        "series": [{"name": t("web.overview.openings"), "type": "bar", "data": [row["openings"] for row in rows]}],
    }


def places_chart(data: dict[str, Any], t: Label) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "item"},
        "series": [{
            "name": t("web.overview.workers_by_place"), "type": "pie", "radius": ["35%", "70%"],
            "data": [{"name": row["place"], "value": row["workers"]} for row in data["workers_by_place"]],
        }],
    }


def followups_chart(data: dict[str, Any], t: Label) -> dict[str, Any]:
    rows = data["followups_by_secretary"]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": _grid(),
        "xAxis": {"type": "category", "data": [row["secretary"] for row in rows], "axisLabel": {"interval": 0,
                                                                                               "rotate": 30}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": t("web.overview.followups_done"), "type": "bar", "stack": "f", "data": [r["done"] for r in rows]},
            {"name": t("web.overview.followups_overdue"), "type": "bar", "stack": "f",
             "data": [r["overdue"] for r in rows]},
        ],
    }


def contacts_chart(data: dict[str, Any], t: Label) -> dict[str, Any]:
    contacts = data["contacts"]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": _grid(),
        "xAxis": {"type": "category", "data": [day[5:] for day in contacts["days"]]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": _label(t, f"web.channel.{channel}", channel), "type": "line", "stack": "c", "areaStyle": {}, "showSymbol": False, "data": counts}
            for channel, counts in contacts["channels"].items()
        ],
    }


def delivery_chart(data: dict[str, Any], t: Label) -> dict[str, Any]:
    kinds = list(data["delivery"])
    states = [s for s in DELIVERY_STATES if any(data["delivery"][k].get(s) for k in kinds)]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": _grid(),
        "xAxis": {"type": "category", "data": [t(f"web.overview.delivery_kind.{k}") for k in kinds]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": t(f"web.overview.delivery_state.{s}"), "type": "bar", "stack": "d",
             "data": [data["delivery"][k].get(s, 0) for k in kinds]}
            for s in states
        ],
    }


CHARTS = (
    ("weekly", "web.overview.chart.weekly", weekly_chart),
    ("openings", "web.overview.chart.openings", openings_chart),
    ("places", "web.overview.chart.places", places_chart),
    ("followups", "web.overview.chart.followups", followups_chart),
    ("contacts", "web.overview.chart.contacts", contacts_chart),
    ("delivery", "web.overview.chart.delivery", delivery_chart),
)


def overview_charts(data: dict[str, Any], t: Label) -> list[tuple[str, str, dict[str, Any]]]:
    """(id, title, ECharts option) for each chart of the overview."""
    return [(name, t(title), build(data, t)) for name, title, build in CHARTS]
