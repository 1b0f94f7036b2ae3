"""A latency histogram as inline SVG, with p50 and p99 marked.

Inline SVG keeps the dashboard one self-contained file: no chart library, no
network, and the browser draws it from markup that tests can query.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from pytest_ssot.core.percentile import percentile

WIDTH, HEIGHT = 880, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 44, 52


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 5 x 10^k steps) covering [low, high], so axes read easily."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9 * step:
        ticks.append(ticks[-1] + step)
    return [round(t, 10) for t in ticks]


def histogram(values_ms: Sequence[float], edges: Sequence[float]) -> list[int]:
    """Counts per bin [edge_i, edge_i+1); the last bin also takes its upper edge."""
    counts = [0] * (len(edges) - 1)
    for v in values_ms:
        for i in range(len(counts)):
            if edges[i] <= v < edges[i + 1] or (i == len(counts) - 1 and v == edges[-1]):
                counts[i] += 1
                break
    return counts


def latency_svg(seconds: Sequence[float], title: str = "latency to the final event") -> str:
    """The histogram of ``seconds`` (shown in ms) as one ``<svg>`` element."""
    if not seconds:
        raise ValueError("no samples to chart")
    values = [s * 1000.0 for s in seconds]
    ticks = nice_ticks(min(values), max(values))
    bins = min(40, max(5, math.ceil(math.sqrt(len(values)))))
    lo, hi = ticks[0], ticks[-1]
    edges = [lo + (hi - lo) * i / bins for i in range(bins + 1)]
    counts = histogram(values, edges)
    y_ticks = [t for t in nice_ticks(0, max(counts), 4) if t == int(t)]
    top_count = max(y_ticks[-1], 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(ms: float) -> float:
        return LEFT + (ms - lo) / (hi - lo) * plot_w

    def y(count: float) -> float:
        return TOP + plot_h - count / top_count * plot_h

    p50, p99 = percentile(values, 50), percentile(values, 99)
    label = f"{title}: {len(values)} samples, p50 {_ms(p50)} ms, p99 {_ms(p99)} ms"
    parts = [
        f'<svg class="latency-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
        '<g class="grid">' + "".join(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>' for t in y_ticks
        ) + "</g>",
        '<g class="bars">',
    ]
    for i, count in enumerate(counts):
        x0, x1 = x(edges[i]), x(edges[i + 1])
        parts.append(
            f'<rect class="bar" data-count="{count}" x="{x0 + 0.5:.1f}" y="{y(count):.1f}" '
            f'width="{max(x1 - x0 - 1, 0.5):.1f}" height="{y(0) - y(count):.1f}">'
            f"<title>{_ms(edges[i])}-{_ms(edges[i + 1])} ms: {count}</title></rect>"
        )
    parts.append("</g>")
    parts.append(f'<g class="axis x-axis"><line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0)}" y2="{y(0)}"/>')
    for t in ticks:
        parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{y(0)}" y2="{y(0) + 5}"/>'
                     f'<text x="{x(t):.1f}" y="{y(0) + 18}" text-anchor="middle">{_ms(t)}</text>')
    parts.append(f'<text class="axis-label" x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" '
                 f'text-anchor="middle">{escape(title)} (ms)</text></g>')
    parts.append(f'<g class="axis y-axis"><line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{y(0)}"/>')
    for t in y_ticks:
        parts.append(f'<text x="{LEFT - 8}" y="{y(t) + 4:.1f}" text-anchor="end">{int(t)}</text>')
    parts.append(f'<text class="axis-label" transform="translate(16 {TOP + plot_h / 2:.1f}) rotate(-90)" '
                 f'text-anchor="middle">samples</text></g>')
    # one label row each, so p50 and p99 never overlap; a label near the right edge turns left
    for name, value, row in (("p50", p50, TOP - 26), ("p99", p99, TOP - 10)):
        right_half = x(value) > LEFT + plot_w * 0.7
        anchor, dx = ("end", -4) if right_half else ("start", 4)
        parts.append(
            f'<g class="marker {name}" data-ms="{value:.3f}"><line x1="{x(value):.1f}" x2="{x(value):.1f}" '
            f'y1="{row + 4}" y2="{y(0)}"/><text x="{x(value) + dx:.1f}" y="{row}" '
            f'text-anchor="{anchor}">{name} {_ms(value)} ms</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _ms(value: float) -> str:
    """Milliseconds with as many decimals as small values need."""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2f}".rstrip("0").rstrip(".")


TREND_W, TREND_H = 880, 260
TREND_COLOURS = ("#0969da", "#cf222e", "#1a7f37", "#8250df", "#bc4c00", "#1b7c83", "#6e7781", "#bf3989")


def trend_svg(labels: Sequence[str], series: dict[str, list[int | None]], y_label: str) -> str:
    """One line per series over runs (x: ``labels`` in order), points marked; a gap where a value is None."""
    if len(labels) < 2 or not series:
        raise ValueError("a trend needs two runs and one series")
    top_value = max([v for values in series.values() for v in values if v is not None] + [1])
    y_ticks = [t for t in nice_ticks(0, top_value, 4) if t == int(t)]
    top = max(y_ticks[-1], 1)
    plot_w, plot_h = TREND_W - LEFT - RIGHT - 120, TREND_H - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + plot_w * i / (len(labels) - 1)

    def y(v: float) -> float:
        return TOP + plot_h - v / top * plot_h

    label = f"{y_label} per run, {len(labels)} runs"
    parts = [f'<svg class="trend-chart" viewBox="0 0 {TREND_W} {TREND_H}" width="{TREND_W}" height="{TREND_H}" '
             f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>',
             '<g class="grid">' + "".join(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>'
                                          f'<text x="{LEFT - 8}" y="{y(t) + 4:.1f}" text-anchor="end">{int(t)}</text>'
                                          for t in y_ticks) + "</g>"]
    for i, text in enumerate(labels):
        parts.append(f'<text class="run-label" x="{x(i):.1f}" y="{y(0) + 18}" text-anchor="middle">'
                     f"{escape(text)}</text>")
    for k, (name, values) in enumerate(series.items()):
        colour = TREND_COLOURS[k % len(TREND_COLOURS)]
        points = [(x(i), y(v), v) for i, v in enumerate(values) if v is not None]
        path = " ".join(f"{'M' if j == 0 else 'L'}{px:.1f},{py:.1f}" for j, (px, py, _v) in enumerate(points))
        parts.append(f'<g class="series" data-series="{escape(name)}" data-values="{",".join("" if v is None else str(v) for v in values)}">'
                     f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
                     + "".join(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{colour}"><title>{escape(name)}: '
                               f"{v}</title></circle>" for px, py, v in points)
                     + f'<text x="{LEFT + plot_w + 12}" y="{TOP + 14 + 16 * k}" fill="{colour}">{escape(name)}</text></g>')
    parts.append(f'<text class="axis-label" transform="translate(16 {TOP + plot_h / 2:.1f}) rotate(-90)" '
                 f'text-anchor="middle">{escape(y_label)}</text></svg>')
    return "".join(parts)
