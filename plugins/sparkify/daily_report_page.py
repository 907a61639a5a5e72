"""The daily report a person opens: one HTML page and the chart it shows, from a day's numbers.

Rendering is pure (numbers in, bytes out) and deterministic: the page carries no time of
writing and the chart no software stamp, so a day rebuilt from the same data gives the same
bytes. Every string from the data (song titles, artist names, check names) is escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from dataclasses import dataclass, field

CHART_NAME = "plays_by_hour.png"
PAGE_NAME = "index.html"


@dataclass(frozen=True)
class DayNumbers:
    """What the warehouse holds about one UTC day (the report's tables and quality history)."""

    day: dt.date
    plays: int
    listeners: int
    paid_plays: int
    free_plays: int
    paid_listeners: int
    free_listeners: int
    matched_plays: int
    by_hour: dict[int, tuple[int, int]] = field(default_factory=dict)  # hour: (paid, free)
    top_songs: list[tuple[str, str, int]] = field(default_factory=list)  # title, artist, plays
    top_artists: list[tuple[str, int, int]] = field(default_factory=list)  # name, plays, users
    failed_checks: list[tuple[str, str, str]] = field(default_factory=list)  # hour, check, said


def render_chart(numbers: DayNumbers) -> bytes:
    """A PNG bar chart of the day's plays per UTC hour, paid stacked on free."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    hours = list(range(24))
    free = [numbers.by_hour.get(h, (0, 0))[1] for h in hours]
    paid = [numbers.by_hour.get(h, (0, 0))[0] for h in hours]
    figure, axes = pyplot.subplots(figsize=(9, 3.6), dpi=100)
    try:
        axes.bar(hours, free, color="#9ecae1", label="free")
        axes.bar(hours, paid, bottom=free, color="#08519c", label="paid")
        axes.set_xticks(hours)
        axes.set_xlabel("hour of day (UTC)")
        axes.set_ylabel("plays")
        axes.set_title(f"Song plays by hour, {numbers.day.isoformat()}")
        axes.legend(loc="upper left", frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png", metadata={"Software": None})
    finally:
        pyplot.close(figure)
    return out.getvalue()


def render_page(numbers: DayNumbers) -> str:
    """The HTML page: the day's figures, the chart, the top songs and artists, failed checks."""
    day = numbers.day.isoformat()
    share = f"{numbers.paid_plays / numbers.plays:.0%}" if numbers.plays else "n/a"
    matched = f"{numbers.matched_plays / numbers.plays:.1%}" if numbers.plays else "n/a"
    busiest = sorted(numbers.by_hour.items(), key=lambda item: (-sum(item[1]), item[0]))[:3]
    figures = [
        ("Plays", f"{numbers.plays:,}"),
        ("Listeners", f"{numbers.listeners:,}"),
        ("Paid share of plays", share),
        ("Paid / free listeners", f"{numbers.paid_listeners:,} / {numbers.free_listeners:,}"),
        ("Busiest hours (UTC)", ", ".join(f"{h:02d}:00 ({sum(c):,})" for h, c in busiest)),
        ("Plays matched to the catalogue", f"{numbers.matched_plays:,} ({matched})"),
    ]
    if numbers.failed_checks:
        quality = _table(("Hour (UTC)", "Check", "Result"), numbers.failed_checks)
    else:
        quality = "<p>Every quality check of the day's hours passed.</p>"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sparkify daily report {day}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1.5rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.3rem 0.8rem; text-align: left; }}
td.n {{ text-align: right; }}
</style>
</head>
<body>
<h1>Sparkify: {day}</h1>
{_table(("Figure", "Value"), figures)}
<img src="{CHART_NAME}" alt="Song plays by hour of {day}, paid and free" width="900">
<h2>Top songs</h2>
{_table(("Song", "Artist", "Plays"), numbers.top_songs, "No play matched a song of the catalogue.")}
<h2>Top artists</h2>
{_table(("Artist", "Plays", "Listeners"), numbers.top_artists, "No play matched an artist.")}
<h2>Data quality</h2>
{quality}
</body>
</html>
"""


def _table(header: tuple[str, ...], rows: list[tuple], empty: str = "") -> str:
    if not rows:
        return f"<p>{html.escape(empty)}</p>"
    head = "".join(f"<th>{html.escape(name)}</th>" for name in header)
    body = "\n".join("<tr>" + "".join(_cell(value) for value in row) + "</tr>" for row in rows)
    return f"<table>\n<tr>{head}</tr>\n{body}\n</table>"


def _cell(value) -> str:
    if isinstance(value, int):
        return f'<td class="n">{value:,}</td>'
    return f"<td>{html.escape('' if value is None else str(value))}</td>"
