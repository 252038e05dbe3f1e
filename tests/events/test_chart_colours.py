"""The chart's colours and the form's borders meet WCAG 1.4.11 (non-text contrast): computed from
static/css/dailies.css itself, so a change to the palette that breaks a ratio fails here.

Relative luminance and contrast ratio as WCAG 2 defines them; colour blindness simulated with the matrices
of Machado, Oliveira and Fernandes (2009) at full severity.
"""

import datetime
import itertools
import re
from pathlib import Path

import pytest

from events.charts import HATCHED_KINDS, build_chart, render_chart
from events.models import Event

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "dailies.css"
KINDS = [value for value, _ in Event.Kind.choices]  # the order segments are stacked in (charts.KIND_ORDER)
DARK_MEDIA = re.compile(r"@media \(prefers-color-scheme: dark\)\s*\{\s*:root\s*\{([^}]*)\}\s*\}")
ROOT = re.compile(r":root\s*\{([^}]*)\}")
VARIABLE = re.compile(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b")
SIMULATIONS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
}


def css_text():
    return re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)


def schemes():
    """{"light": {variable: "#rrggbb"}, "dark": {...}}; dark holds the light values it does not override."""
    text = css_text()
    dark_blocks = DARK_MEDIA.findall(text)
    light = {}
    for block in ROOT.findall(DARK_MEDIA.sub("", text)):
        light.update(VARIABLE.findall(block))
    dark = dict(light)
    for block in dark_blocks:
        dark.update(VARIABLE.findall(block))
    return {"light": light, "dark": dark}


def linear(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def luminance_of_linear(r, g, b):
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def luminance(hex_colour, simulation=None):
    rgb = linear(hex_colour)
    if simulation:
        rgb = [min(max(sum(m * c for m, c in zip(row, rgb, strict=True)), 0), 1) for row in SIMULATIONS[simulation]]
    return luminance_of_linear(*rgb)


def contrast(a, b, simulation=None):
    high, low = sorted([luminance(a, simulation), luminance(b, simulation)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_ratios_are_computed_as_wcag_defines_them():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#123456", "#123456") == 1


def test_every_kind_has_a_colour_in_both_schemes():
    for name, colours in schemes().items():
        missing = [kind for kind in KINDS if f"k-{kind}" not in colours]
        assert not missing, f"{name}: no --k-<kind> colour for {missing}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_kind_colour_has_three_to_one_against_the_page_and_the_cards(scheme):
    colours = schemes()[scheme]
    low = {
        (kind, surface): round(contrast(colours[f"k-{kind}"], colours[surface]), 2)
        for kind in KINDS
        for surface in ("bg", "card")
        if contrast(colours[f"k-{kind}"], colours[surface]) < 3
    }
    assert low == {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_neighbouring_kinds_in_a_bar_differ_by_three_to_one(scheme):
    colours = schemes()[scheme]
    low = {
        (a, b): round(contrast(colours[f"k-{a}"], colours[f"k-{b}"]), 2)
        for a, b in itertools.pairwise(KINDS)
        if contrast(colours[f"k-{a}"], colours[f"k-{b}"]) < 3
    }
    assert low == {}


@pytest.mark.parametrize("simulation", sorted(SIMULATIONS))
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_neighbouring_kinds_stay_apart_for_colour_blind_readers(scheme, simulation):
    # The palette separates neighbours by lightness, which colour blindness mostly keeps: at least 2:1
    # remains under each simulation (the hatching and the outline do the rest).
    colours = schemes()[scheme]
    low = {
        (a, b): round(contrast(colours[f"k-{a}"], colours[f"k-{b}"], simulation), 2)
        for a, b in itertools.pairwise(KINDS)
        if contrast(colours[f"k-{a}"], colours[f"k-{b}"], simulation) < 2
    }
    assert low == {}


def test_kinds_that_meet_when_the_one_between_is_missing_differ_by_hatching():
    # Kinds two apart share a lightness band; exactly one of each such pair is hatched.
    same = [(a, b) for a, b in zip(KINDS, KINDS[2:], strict=False) if (a in HATCHED_KINDS) == (b in HATCHED_KINDS)]
    assert same == []


def test_every_hatched_kind_has_its_pattern_in_the_css_and_in_the_chart():
    text = css_text()
    for kind in HATCHED_KINDS:
        assert re.search(rf"\.k-{kind}\.hatched\s*\{{\s*fill:\s*url\(#hatch-{kind}\)", text), kind
    counts = {(datetime.date(2024, 1 + i % 2, 1), kind): 1 for i, kind in enumerate(KINDS)}
    html = render_chart(build_chart(counts))
    for kind in KINDS:
        segment_class = f"k-{kind} hatched" if kind in HATCHED_KINDS else f"k-{kind}"
        assert f'<rect class="{segment_class}" x=' in html, kind
        assert (f'<pattern id="hatch-{kind}"' in html) == (kind in HATCHED_KINDS), kind
    assert html.count('class="hatch-line"') == len(HATCHED_KINDS)


def test_segments_are_outlined_in_the_page_colour():
    assert re.search(r"\.chart-svg rect\s*\{\s*stroke:\s*var\(--bg\)", css_text())


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_input_borders_have_three_to_one_against_the_page_and_the_form(scheme):
    colours = schemes()[scheme]
    assert "border: 1px solid var(--input-border)" in css_text()
    for surface in ("bg", "card"):
        assert contrast(colours["input-border"], colours[surface]) >= 3, surface
