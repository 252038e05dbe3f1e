"""Events per month, stacked by kind: counts from events/aggregates.py, geometry and SVG here.

`events_chart(filters)` reads the filtered events' counts per (month, kind) (rows of the count tables
PostgreSQL keeps, or one bounded GROUP BY) and lays the bars out in a fixed viewBox;
render_chart() draws them. `chart_html(filters)` is what pages show: that drawing, rendered
once per filter and cached until an event changes (up to 60 bars × 14 kinds of <rect> plus the data table
took ~10 ms a request to render). Colours come from CSS classes (`k-<kind>`), so the chart follows the
reader's light or dark scheme and no style is written inline.
"""

import dataclasses
import datetime
import hashlib

from django.core.cache import cache
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from . import aggregates
from .aggregates import MAX_COUNTED
from .aggregates import count_by_month as monthly_counts  # noqa: F401  (the direct count, by its old name)
from .cards import escape
from .dates import in_window
from .models import Event
from .queries import aggregate_cache_key

WIDTH, HEIGHT = 480, 200
LEFT, RIGHT, TOP, BOTTOM = 34, 6, 10, 24
# Past five years of months the bars get too thin to read (and to render): count per year instead.
MAX_MONTHS = 60
MAX_X_LABELS = 6
MAX_BAR_WIDTH = 36
CHART_TIMEOUT = 6 * 3600
KIND_ORDER = [value for value, _ in Event.Kind.choices]
KIND_LABELS = dict(Event.Kind.choices)
# Every other kind of each lightness band of the palette (static/css/dailies.css) is hatched, so that two
# kinds of the same band that meet in a bar (the kind between them missing) differ by more than hue.
HATCHED_KINDS = frozenset({"deal", "investment", "settlement", "agreement", "strike_end", "legislation"})
HATCH_SIZE = 4


@dataclasses.dataclass
class Segment:
    kind: str
    label: str
    count: int
    y: float
    height: float


@dataclasses.dataclass
class Bar:
    label: str
    total: int
    x: float
    width: float
    segments: list


def _months_between(first, last):
    months, current = [], first
    while current <= last:
        months.append(current)
        current = datetime.date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _nice_ceiling(value):
    """The smallest of 1, 2, 5 × 10^n at or above `value`, so the axis reads in round numbers."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def build_chart(counts, *, subject="", cut=False):
    """The chart's geometry and text alternative from {(month, kind): count}; None when there is nothing."""
    # A date outside the window (stored before it was enforced) would stretch the axis over millennia.
    months_in_window = {month for month in {month for month, _ in counts} if in_window(month)}
    counts = {(month, kind): n for (month, kind), n in counts.items() if month in months_in_window}
    if not counts:
        return None
    months = _months_between(min(m for m, _ in counts), max(m for m, _ in counts))
    by_year = len(months) > MAX_MONTHS
    if by_year:
        buckets = [datetime.date(y, 1, 1) for y in range(months[0].year, months[-1].year + 1)]
        merged = {}
        for (month, kind), count in counts.items():
            key = (datetime.date(month.year, 1, 1), kind)
            merged[key] = merged.get(key, 0) + count
        counts = merged
    else:
        buckets = months
    bucket_format = "%Y" if by_year else "%b %Y"
    present = {kind for _, kind in counts}
    kinds = [k for k in KIND_ORDER if k in present]
    totals = [sum(counts.get((b, k), 0) for k in kinds) for b in buckets]
    top = _nice_ceiling(max(totals))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(buckets)
    # A fifth of each slot is gap; a few bars stay bars rather than becoming walls.
    bar_width = max(min(slot * 0.8 if slot >= 4 else slot, MAX_BAR_WIDTH), 0.5)
    bars = []
    for i, bucket in enumerate(buckets):
        base, segments = TOP + plot_h, []
        for kind in kinds:
            count = counts.get((bucket, kind), 0)
            if count:
                height = plot_h * count / top
                base -= height
                segments.append(Segment(kind, KIND_LABELS[kind], count, round(base, 2), round(height, 2)))
        x = LEFT + i * slot + (slot - bar_width) / 2
        label = bucket.strftime(bucket_format)
        bars.append(Bar(label, totals[i], round(x, 2), round(bar_width, 2), segments))
    step = -(-len(buckets) // MAX_X_LABELS)  # ceiling division: at most MAX_X_LABELS labels
    x_labels = [
        {"x": round(bar.x + bar.width / 2, 2), "label": bar.label} for bar in bars[::step]
    ]
    y_ticks = [
        {"y": round(TOP + plot_h - plot_h * v / top, 2), "label": v} for v in sorted({0, top // 2, top})
    ]
    busiest = max(bars, key=lambda b: b.total)
    unit = "year" if by_year else "month"
    total = sum(totals)
    span = f"{bars[0].label} to {bars[-1].label}" if len(bars) > 1 else bars[0].label
    title = f"Events per {unit}" + (f": {subject}" if subject else "")
    description = (
        f"{total} event{'s' if total != 1 else ''} from {span}, stacked by kind. "
        f"The busiest {unit} was {busiest.label} with {busiest.total}."
    )
    if cut:
        description += f" Only the newest {MAX_COUNTED:,} matching events are counted."
    return {
        "title": title,
        "description": description,
        "unit": unit,
        "width": WIDTH,
        "height": HEIGHT,
        "plot_left": LEFT,
        "plot_right": WIDTH - RIGHT,
        "baseline": TOP + plot_h,
        "label_y": HEIGHT - 6,
        "bars": bars,
        "x_labels": x_labels,
        "y_ticks": y_ticks,
        "legend": [{"kind": k, "label": KIND_LABELS[k]} for k in kinds],
        "table": [
            {"label": b.label, "total": b.total, "counts": [counts.get((bucket, k), 0) for k in kinds]}
            for bucket, b in zip(buckets, bars, strict=True) if b.total
        ],
    }


def events_chart(filters, *, subject=""):
    """The chart of the events matching `filters`. Costs one query (see aggregates.monthly_counts: rows of
    the count tables, or a bounded count, which is cached apart so that the summary shares it). Pages
    cache the drawing (chart_html), so the counts themselves are not cached a second time here.
    """
    found = aggregates.monthly_counts(filters)
    return build_chart(found.counts, subject=subject, cut=found.cut)


def _kind_class(kind):
    return f"k-{kind} hatched" if kind in HATCHED_KINDS else f"k-{kind}"


def render_chart(chart):
    """The chart as HTML: an SVG with a title, a description and a title per bar and segment, a legend and
    the numbers as a table. Built here rather than by a template: a chart is up to 60 bars x 14 kinds of
    <rect>, which a Django template took ~10 ms (loaded machine: 100+ ms) to loop over; this takes ~1 ms.
    Colours come from the k-<kind> classes in dailies.css."""
    if not chart or len(chart["table"]) <= 1:  # a single bar says nothing a count does not: no chart then
        return ""

    def plural(n):
        return "" if n == 1 else "s"

    out = [
        '<figure class="chart">\n  <svg class="chart-svg" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="chart-title chart-desc" preserveAspectRatio="xMidYMid meet">\n'.format(
            w=chart["width"], h=chart["height"]),
        f'    <title id="chart-title">{escape(chart["title"])}</title>\n',
        f'    <desc id="chart-desc">{escape(chart["description"])}</desc>\n',
    ]
    hatched = [k["kind"] for k in chart["legend"] if k["kind"] in HATCHED_KINDS]
    if hatched:
        # Stripes of the page colour over the kind's colour; the legend's swatches use the same patterns.
        out.append("    <defs>")
        out.extend(
            f'<pattern id="hatch-{kind}" width="{HATCH_SIZE}" height="{HATCH_SIZE}" patternUnits="userSpaceOnUse"'
            f' patternTransform="rotate(45)"><rect class="k-{kind}" width="{HATCH_SIZE}" height="{HATCH_SIZE}"/>'
            f'<line class="hatch-line" x1="0" y1="0" x2="0" y2="{HATCH_SIZE}"/></pattern>'
            for kind in hatched
        )
        out.append("</defs>\n")
    left, right = chart["plot_left"], chart["plot_right"]
    for tick in chart["y_ticks"]:
        y = tick["y"]
        out.append(
            f'    <line class="grid" x1="{left}" x2="{right}" y1="{y}" y2="{y}"/>\n'
            f'    <text class="y-label" x="{left - 4}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f'{tick["label"]}</text>\n'
        )
    for bar in chart["bars"]:
        if not bar.total:
            continue
        label = escape(bar.label)
        out.append(f"    <g>\n      <title>{label}: {bar.total} event{plural(bar.total)}</title>\n      ")
        out.extend(
            f'<rect class="{_kind_class(s.kind)}" x="{bar.x}" y="{s.y}" width="{bar.width}" height="{s.height}">'
            f"<title>{label}: {s.count} × {escape(s.label)}</title></rect>"
            for s in bar.segments
        )
        out.append("\n    </g>")
    out.append("\n    ")
    out.extend(
        f'<text class="x-label" x="{x["x"]}" y="{chart["label_y"]}" text-anchor="middle">{escape(x["label"])}</text>'
        for x in chart["x_labels"]
    )
    out.append('\n  </svg>\n  <figcaption>\n    <ul class="legend" aria-label="Kinds">\n      ')
    out.extend(
        f'<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">'
        f'<rect class="{_kind_class(k["kind"])}" width="10" height="10" rx="2"/></svg>{escape(k["label"])}</li>'
        for k in chart["legend"]
    )
    # The table scrolls sideways on a phone: keyboard users must reach it (axe: scrollable-region-focusable).
    out.append(
        '\n    </ul>\n    <details class="chart-data">\n      <summary>The numbers behind this chart</summary>\n'
        f'      <table tabindex="0">\n        <caption>{escape(chart["title"])}</caption>\n'
        f'        <thead><tr><th scope="col">{escape(capfirst(chart["unit"]))}</th>'
    )
    out.extend(f'<th scope="col">{escape(k["label"])}</th>' for k in chart["legend"])
    out.append('<th scope="col">Total</th></tr></thead>\n        <tbody>')
    for row in chart["table"]:
        cells = "".join(f"<td>{n}</td>" for n in row["counts"])
        out.append(f'<tr><th scope="row">{escape(row["label"])}</th>{cells}<td>{row["total"]}</td></tr>')
    out.append("</tbody>\n      </table>\n    </details>\n  </figcaption>\n</figure>")
    return "".join(out)


def chart_html(filters, *, subject="", version=None):
    """The chart of `filters` as HTML (empty when there are no events), rendered once and cached.

    Same lifetime as the counts: the key changes with the filters and whenever an event changes.
    """
    digest = hashlib.sha1(subject.encode()).hexdigest()[:16]
    key = aggregate_cache_key(f"events:chart-html:{digest}", filters, version)
    html = cache.get(key)
    if html is None:
        chart = events_chart(filters, subject=subject)
        html = render_chart(chart)
        cache.set(key, html, CHART_TIMEOUT)
    return mark_safe(html)  # noqa: S308  (our own template, autoescaped)
