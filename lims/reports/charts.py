"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, readable in a print-out and by a screen reader.

Each chart is an `<svg role="img">` with a `<title>` (its accessible name), a `<desc>` listing its figures, the
stable class `chart chart--<kind>` and one `chart__mark` element per figure, so a browser test can check it is drawn.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#1f4e79", "#2e86c1", "#48c9b0", "#f4d03f", "#eb984e", "#a569bd", "#5d6d7e", "#cb4335"]


def _svg(kind: str, title: str, width: int, height: int, body: list[str], desc: str) -> SafeString:
    return mark_safe(
        f'<svg class="chart chart--{kind}" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg" style="max-width:{width}px">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{''.join(body)}</svg>"
    )


def _empty(kind: str, title: str) -> SafeString:
    return _svg(kind, title, 480, 60, ['<text x="10" y="35" class="chart__empty" font-size="14">No data yet.</text>'],
                "No data yet.")


def funnel(title: str, steps: list[tuple[str, int, str]]) -> SafeString:
    """Horizontal bars centred on one axis, one per step (label, value, url), widths proportional to the value."""
    if not steps:
        return _empty("funnel", title)
    width, bar_h, gap, label_w = 640, 30, 8, 190
    height = len(steps) * (bar_h + gap) + gap
    peak = max(v for _, v, _ in steps) or 1
    span = width - label_w - 60
    body = []
    for i, (label, value, url) in enumerate(steps):
        y = gap + i * (bar_h + gap)
        w = max(span * value / peak, 2)
        x = label_w + (span - w) / 2
        rect = format_html('<rect class="chart__mark" x="{}" y="{}" width="{}" height="{}" fill="{}" rx="3">'
                           "<title>{}: {}</title></rect>", f"{x:.1f}", y, f"{w:.1f}", bar_h,
                           PALETTE[i % len(PALETTE)], label, value)
        if url:
            rect = format_html('<a href="{}">{}</a>', url, rect)
        body.append(rect)
        body.append(format_html('<text x="{}" y="{}" font-size="13" text-anchor="end">{}</text>',
                                label_w - 8, y + bar_h / 2 + 5, label))
        body.append(format_html('<text x="{}" y="{}" font-size="13" class="chart__value">{}</text>',
                                f"{x + w + 6:.1f}", y + bar_h / 2 + 5, value))
    return _svg("funnel", title, width, height, body, "; ".join(f"{label}: {value}" for label, value, _ in steps))


def bars(title: str, kind: str, labels: list[str], series: list[tuple[str, list[float]]]) -> SafeString:
    """Vertical bars per label, stacked when there are several series (name, values aligned with labels)."""
    if not labels or not series:
        return _empty(kind, title)
    width, height, left, bottom, top = 680, 260, 44, 46, 14
    plot_w, plot_h = width - left - 10, height - bottom - top
    totals = [sum(values[i] or 0 for _, values in series) for i in range(len(labels))]
    peak = max(totals) or 1
    step = plot_w / len(labels)
    bar_w = max(step * 0.7, 1)
    body = [format_html('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#888"/>', left, top + plot_h, width - 10,
                        top + plot_h),
            format_html('<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>', left - 4, top + 10,
                        _num(peak)),
            format_html('<text x="{}" y="{}" font-size="11" text-anchor="end">0</text>', left - 4, top + plot_h)]
    every = max(1, len(labels) // 12)
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar_w) / 2
        base = top + plot_h
        for s, (name, values) in enumerate(series):
            value = values[i] or 0
            h = plot_h * value / peak
            if value:
                body.append(format_html(
                    '<rect class="chart__mark" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} {}: {}</title>'
                    "</rect>", f"{x:.1f}", f"{base - h:.1f}", f"{bar_w:.1f}", f"{max(h, 1):.1f}",
                    PALETTE[s % len(PALETTE)], name, label, _num(value)))
            base -= h
        if i % every == 0:
            body.append(format_html('<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
                                    f"{x + bar_w / 2:.1f}", top + plot_h + 14, label))
    for s, (name, _) in enumerate(series):
        lx = left + s * 150
        body.append(format_html('<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                                '<text x="{}" y="{}" font-size="11">{}</text>', lx, height - 16,
                                PALETTE[s % len(PALETTE)], lx + 14, height - 7, name))
    desc = "; ".join(f"{label}: {_num(total)}" for label, total in zip(labels, totals, strict=True))
    return _svg(kind, title, width, height, body, desc)


def heatmap(title: str, rows: list[str], columns: list[str], values: list[list[float | None]]) -> SafeString:
    """A grid of shares (0–1, None = nothing expected): darker is more complete."""
    if not rows or not columns:
        return _empty("heatmap", title)
    cell, left, top = 34, 150, 110
    width, height = left + cell * len(columns) + 100, top + cell * len(rows) + 10  # room for the slanted labels
    body = []
    for j, column in enumerate(columns):
        x = left + j * cell + cell / 2
        body.append(format_html('<text x="{}" y="{}" font-size="10" transform="rotate(-55 {} {})">{}</text>',
                                f"{x:.1f}", top - 6, f"{x:.1f}", top - 6, column))
    for i, row in enumerate(rows):
        y = top + i * cell
        body.append(format_html('<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>', left - 6,
                                y + cell / 2 + 4, row))
        for j, value in enumerate(values[i]):
            x = left + j * cell
            if value is None:
                fill, label = "#eeeeee", "nothing scheduled"
            else:
                fill, label = _shade(value), f"{round(value * 100)}%"
            body.append(format_html('<rect class="chart__mark" x="{}" y="{}" width="{}" height="{}" fill="{}" '
                                    'stroke="#fff"><title>{} · {}: {}</title></rect>', x, y, cell, cell, fill,
                                    row, columns[j], label))
    desc = f"{len(rows)} colonies × {len(columns)} procedures, completeness per cell."
    return _svg("heatmap", title, width, height, body, desc)


def _shade(share: float) -> str:
    """White (0 %) to dark blue (100 %)."""
    share = min(max(share, 0.0), 1.0)
    r, g, b = (int(255 + (t - 255) * share) for t in (31, 78, 121))
    return f"#{r:02x}{g:02x}{b:02x}"


def dotplot(title: str, points: list[dict], *, low: float | None = None, high: float | None = None) -> SafeString:
    """Values over time: controls in grey, mutants in blue, flagged points ringed in red.

    Each point is {"date": date, "value": float, "group": "control"|"mutant", "flagged": bool, "label": str} and
    may say "confirmed": True (stored out of range and confirmed at entry): those get a square frame as well.
    `low`/`high` (the parameter's range, when known) are drawn as dashed lines.
    """
    if not points:
        return _empty("dotplot", title)
    frame = _DotFrame.around(points, low, high)
    body = frame.axes()
    for bound in (low, high):
        if bound is not None:
            body.append(format_html('<line class="chart__limit" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#cb4335" '
                                    'stroke-dasharray="4 3"/>', frame.left, frame.left + frame.plot_w,
                                    f"{frame.py(bound):.1f}", f"{frame.py(bound):.1f}"))
    for p in sorted(points, key=lambda p: p["group"] == "mutant"):
        body.extend(_dot(p, frame.px(p["date"].toordinal()), frame.py(p["value"])))
    confirmed = sum(1 for p in points if p.get("confirmed"))
    body.extend(_dot_legend(frame, confirmed))
    flagged = sum(p["flagged"] for p in points)
    desc = f"{len(points)} values, {flagged} flagged for review" + (
        f", {confirmed} out of range and confirmed at entry." if confirmed else ".")
    return _svg("dotplot", title, frame.width, frame.height, body, desc)


@dataclass
class _DotFrame:
    """The dot plot's drawing area: days on x, values on y (padded 5 %, never a zero-width range)."""

    d0: int
    d1: int
    v0: float
    v1: float
    pad: float
    width: int = 680
    height: int = 300
    left: int = 54
    bottom: int = 40
    top: int = 14
    right: int = 14

    @classmethod
    def around(cls, points: list[dict], low: float | None, high: float | None) -> "_DotFrame":
        days = [p["date"].toordinal() for p in points]
        values = [p["value"] for p in points] + [v for v in (low, high) if v is not None]
        d0, d1, v0, v1 = min(days), max(days), min(values), max(values)
        if d1 == d0:
            d0, d1 = d0 - 1, d1 + 1
        if v1 == v0:
            v0, v1 = v0 - 1, v1 + 1
        pad = (v1 - v0) * 0.05
        return cls(d0=d0, d1=d1, v0=v0 - pad, v1=v1 + pad, pad=pad)

    @property
    def plot_w(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> int:
        return self.height - self.top - self.bottom

    def px(self, day: int) -> float:
        return self.left + self.plot_w * (day - self.d0) / (self.d1 - self.d0)

    def py(self, value: float) -> float:
        return self.top + self.plot_h * (1 - (value - self.v0) / (self.v1 - self.v0))

    def axes(self) -> list[str]:
        """The frame, the lowest and highest value on y, the first and last date on x."""
        body = [format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#bbb"/>', self.left,
                            self.top, self.plot_w, self.plot_h)]
        for value in (self.v0 + self.pad, self.v1 - self.pad):
            body.append(format_html('<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>', self.left - 4,
                                    f"{self.py(value) + 3:.1f}", _num(value)))
        for day, anchor in ((self.d0, "start"), (self.d1, "end")):
            body.append(format_html('<text x="{}" y="{}" font-size="10" text-anchor="{}">{}</text>',
                                    f"{self.px(day):.1f}", self.height - self.bottom + 14, anchor,
                                    dt.date.fromordinal(day).isoformat()))
        return body


def _dot(p: dict, cx: float, cy: float) -> list[str]:
    """One value: a dot coloured by group, ringed when flagged, framed when confirmed out of range."""
    colour = "#1f4e79" if p["group"] == "mutant" else "#a0a0a0"
    stroke = ' stroke="#cb4335" stroke-width="2.5"' if p["flagged"] else ""
    css = "chart__mark chart__mark--flagged" if p["flagged"] else "chart__mark"
    marks = []
    if p.get("confirmed"):
        marks.append(format_html('<rect class="chart__mark--confirmed" x="{}" y="{}" width="13" height="13" '
                                 'fill="none" stroke="#7d3c98" stroke-width="1.5"/>', f"{cx - 6.5:.1f}",
                                 f"{cy - 6.5:.1f}"))
    marks.append(format_html('<circle class="{}" data-group="{}" cx="{}" cy="{}" r="4.5" fill="{}"{}>'
                             "<title>{}</title></circle>", css, p["group"], f"{cx:.1f}", f"{cy:.1f}", colour,
                             mark_safe(stroke), p["label"]))
    return marks


def _dot_legend(frame: _DotFrame, confirmed: int) -> list[str]:
    """Controls and mutants, and the confirmed frame when any value has one."""
    legend = [("#a0a0a0", "Baseline controls"), ("#1f4e79", "Mutants")]
    body = []
    for k, (colour, name) in enumerate(legend):
        lx = frame.left + k * 150
        body.append(format_html('<circle cx="{}" cy="{}" r="4.5" fill="{}"/><text x="{}" y="{}" font-size="11">{}'
                                "</text>", lx, frame.height - 10, colour, lx + 8, frame.height - 6, name))
    if confirmed:
        lx = frame.left + len(legend) * 150
        body.append(format_html('<rect x="{}" y="{}" width="10" height="10" fill="none" stroke="#7d3c98" '
                                'stroke-width="1.5"/><text x="{}" y="{}" font-size="11">Out of range, confirmed</text>',
                                lx - 5, frame.height - 15, lx + 8, frame.height - 6))
    return body


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


__all__ = ["bars", "dotplot", "funnel", "heatmap"]
