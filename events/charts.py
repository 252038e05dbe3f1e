"""Events per month, stacked by kind: one aggregate query, geometry computed here, SVG drawn by a template.

`events_chart(filters)` counts the filtered events per (month, kind) in a single GROUP BY query and lays
the bars out in a fixed viewBox; templates/events/_chart.html draws them. `chart_html(filters)` is what
pages show: that drawing, rendered once per filter and cached until an event changes (up to 60 bars × 14
kinds of <rect> plus the data table took ~10 ms a request to render). Colours come from CSS classes
(`k-<kind>`), so the chart follows the reader's light or dark scheme and no style is written inline.
"""

import dataclasses
import datetime
import hashlib

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .models import Event
from .queries import aggregate_cache_key, filtered_events

WIDTH, HEIGHT = 480, 200
LEFT, RIGHT, TOP, BOTTOM = 34, 6, 10, 24
# Past five years of months the bars get too thin to read (and to render): count per year instead.
MAX_MONTHS = 60
MAX_X_LABELS = 6
MAX_BAR_WIDTH = 36
CHART_TIMEOUT = 6 * 3600
KIND_ORDER = [value for value, _ in Event.Kind.choices]
KIND_LABELS = dict(Event.Kind.choices)


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


def monthly_counts(events):
    """{(month, kind): count} for a queryset of events, in one query."""
    rows = (
        events.order_by()
        .annotate(month=TruncMonth("date"))
        .values("month", "kind")
        .annotate(count=Count("id"))
        .values_list("month", "kind", "count")
    )
    return {(_as_date(month), kind): count for month, kind, count in rows}


def _as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


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


def build_chart(counts, *, subject=""):
    """The chart's geometry and text alternative from {(month, kind): count}; None when there is nothing."""
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
    kinds = [k for k in KIND_ORDER if any(kind == k for _, kind in counts)]
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
    """The chart of the events matching `filters`. Costs one query, or none when the counts are cached.

    Counting a million events takes hundreds of milliseconds, so the counts are cached per filter until
    an event changes (`aggregate_cache_key`).
    """
    key = aggregate_cache_key("events:chart", filters)
    counts = cache.get(key)
    if counts is None:
        counts = monthly_counts(filtered_events(filters))
        cache.set(key, counts, CHART_TIMEOUT)
    return build_chart(counts, subject=subject)


def chart_html(filters, *, subject="", version=None):
    """The chart of `filters` as HTML (empty when there are no events), rendered once and cached.

    Same lifetime as the counts: the key changes with the filters and whenever an event changes.
    """
    digest = hashlib.sha1(subject.encode()).hexdigest()[:16]
    key = aggregate_cache_key(f"events:chart-html:{digest}", filters, version)
    html = cache.get(key)
    if html is None:
        chart = events_chart(filters, subject=subject)
        html = render_to_string("events/_chart.html", {"chart": chart}) if chart else ""
        cache.set(key, html, CHART_TIMEOUT)
    return mark_safe(html)  # noqa: S308  (our own template, autoescaped)
