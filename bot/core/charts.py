"""The digest chart: complaints per day this week against last week, and the deadline-kept line.

Drawn with matplotlib's Agg backend (no screen) in a CJK font shipped as a package, so Japanese
and Korean labels render the same everywhere, with nothing fetched at run time.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from bot.core.i18n import Translator


@cache
def _font_family() -> str:
    from matplotlib import font_manager
    from noto_cjk_sans_jp_regular import FONT_PATH

    path = str(FONT_PATH)
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


PREVIEW_DPI = 40
"""LINE shows the preview in the chat (at most 1 MB); the full image opens on a tap."""


def render_chart_and_preview(data: dict[str, Any], translator: Translator) -> tuple[bytes, bytes]:
    """The chart and a small preview of it, as PNGs."""
    return render_chart(data, translator), render_chart(data, translator, dpi=PREVIEW_DPI)


def render_chart(data: dict[str, Any], translator: Translator, *, dpi: int = 110) -> bytes:
    """A PNG of one digest's ``data`` (as built by :class:`bot.core.digest.DigestBuilder`).

    The week's complaints per day against last week's, each bar with its count; the share answered
    in time on its own axis, every point labelled (a line at 0 % would hide on the axis); the
    backlog under it; and for the managers, the teams side by side.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    family = _font_family()
    with matplotlib.rc_context({"font.family": family}):  # every label, bar counts included
        return _render(data, translator, dpi, Figure)


def _render(data: dict[str, Any], t: Translator, dpi: int, Figure: Any) -> bytes:
    teams = data.get("teams") or []
    figure = Figure(figsize=(12 if teams else 7.5, 5.2), dpi=dpi)
    layout = [["days", "teams"], ["kept", "teams"]] if teams else [["days"], ["kept"]]
    panels = figure.subplot_mosaic(
        layout, height_ratios=[3, 1.3], width_ratios=[3, 2] if teams else [1], sharex=False
    )
    _days(panels["days"], data, t)
    _kept(panels["kept"], data, t)
    if teams:
        _teams(panels["teams"], teams, t)
    period = data.get("period") or data["week"]
    figure.suptitle(t("chart.title", team=data["team_name"], week=period), fontsize=12)
    overdue = data.get("overdue_count", len(data.get("overdue") or []))
    figure.text(0.01, 0.012, t("chart.backlog", open=data.get("open", 0), overdue=overdue), fontsize=9)
    # Fixed margins: tight_layout would draw the figure a second time (0.4 s of a chart's 1 s).
    figure.subplots_adjust(
        left=0.08 if teams else 0.1, right=0.98, top=0.88, bottom=0.13, hspace=0.55, wspace=0.42
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _day_ticks(data: dict[str, Any]) -> list[str]:
    dates = data.get("dates") or [""] * 7
    return [f"{weekday}\n{date}" for weekday, date in zip(data["weekdays"], dates, strict=True)]


def _days(axes: Any, data: dict[str, Any], t: Translator) -> None:
    """Complaints per day, this week against last, each bar with its count."""
    from matplotlib.ticker import MaxNLocator

    days = list(range(7))
    width = 0.38
    last = axes.bar(
        [d - width / 2 for d in days], data["last_by_day"], width, label=t("chart.last_week"), color="#b8c4d6"
    )
    this = axes.bar(
        [d + width / 2 for d in days], data["by_day"], width, label=t("chart.this_week"), color="#2f6db5"
    )
    for container in (last, this):
        axes.bar_label(container, labels=[str(v) if v else "" for v in container.datavalues], fontsize=8)
    axes.set_xticks(days, _day_ticks(data))
    axes.set_ylabel(t("chart.count_axis"))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max([*data["by_day"], *data["last_by_day"], 1]) * 1.25)
    axes.legend(loc="upper right", frameon=False, fontsize=8, ncols=2)


def _kept(axes: Any, data: dict[str, Any], t: Translator) -> None:
    """The share answered in time per day, on its own panel so 0 % and 100 % are as plain as 50 %."""
    days = list(range(7))
    kept = [float("nan") if v is None else 100 * v for v in data["kept_by_day"]]
    axes.plot(days, kept, color="#d9822b", marker="o", linewidth=2, clip_on=False)
    for day, value in zip(days, kept, strict=True):
        label = "-" if value != value else f"{value:.0f}%"  # NaN: nothing was due that day
        axes.annotate(
            label,
            (day, 50 if value != value else value),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
            color="#a35a12",
        )
    axes.set_ylim(-15, 130)  # 0 % and 100 % inside the frame, with room for their labels
    axes.set_yticks([0, 50, 100], ["0%", "50%", "100%"])
    axes.set_xlim(-0.5, 6.5)
    axes.set_xticks(days, _day_ticks(data))
    axes.set_ylabel(t("chart.kept_axis"), fontsize=8)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)


def _teams(axes: Any, teams: list[list[Any]], t: Translator) -> None:
    """The managers' view: each team's complaints this week and last, and its overdue tickets."""
    rows = list(reversed(teams))  # the first team on top
    names = [str(row[0]) for row in rows]
    places = list(range(len(rows)))
    height = 0.38
    last = axes.barh([p - height / 2 for p in places], [r[2] for r in rows], height, color="#b8c4d6")
    this = axes.barh([p + height / 2 for p in places], [r[1] for r in rows], height, color="#2f6db5")
    axes.bar_label(last, fontsize=7)
    axes.bar_label(
        this,
        labels=[t("chart.team_bar", count=r[1], overdue=r[4]) if r[4] else str(r[1]) for r in rows],
        fontsize=7,
    )
    axes.set_yticks(places, names, fontsize=8)
    axes.set_xlabel(t("chart.count_axis"))
    axes.set_xlim(0, max([*(r[1] for r in rows), *(r[2] for r in rows), 1]) * 1.45)
    axes.set_title(t("chart.teams"), fontsize=10)
    axes.legend(
        [this, last],
        [t("chart.this_week"), t("chart.last_week")],
        loc="lower right",
        frameon=False,
        fontsize=8,
    )
