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
    """A PNG of one digest's ``data`` (as built by :class:`bot.core.digest.DigestBuilder`)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    family = _font_family()
    t = translator
    days = list(range(7))
    figure = Figure(figsize=(7.5, 3.8), dpi=dpi)
    axes = figure.subplots()
    width = 0.38
    axes.bar(
        [d - width / 2 for d in days], data["last_by_day"], width, label=t("chart.last_week"), color="#b8c4d6"
    )
    axes.bar(
        [d + width / 2 for d in days], data["by_day"], width, label=t("chart.this_week"), color="#2f6db5"
    )
    axes.set_xticks(days, data["weekdays"], fontfamily=family)
    axes.set_ylabel("#", fontfamily=family)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(t("chart.title", team=data["team_name"], week=data["week"]), fontfamily=family)
    kept_axes = axes.twinx()
    kept = [None if v is None else 100 * v for v in data["kept_by_day"]]
    kept_axes.plot(
        days,
        [float("nan") if v is None else v for v in kept],
        color="#d9822b",
        marker="o",
        label=t("chart.kept"),
    )
    kept_axes.set_ylim(0, 105)
    kept_axes.set_ylabel("%", fontfamily=family)
    handles = axes.get_legend_handles_labels()[0] + kept_axes.get_legend_handles_labels()[0]
    labels = axes.get_legend_handles_labels()[1] + kept_axes.get_legend_handles_labels()[1]
    axes.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncols=3,
        frameon=False,
        prop={"family": family, "size": 8},
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
