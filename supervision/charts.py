"""Server-rendered SVG charts: no JavaScript, no CDN, no inline styles (the CSP forbids them)."""

from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass
class Bar:
    label: str
    value: int
    url: str = ""


def bar_chart(bars: list[Bar], *, title: str, width: int = 760, bar_height: int = 22, label_width: int = 280) -> str:
    """Horizontal bars, each a link to the records behind it. Order is the caller's (never a ranking of committees)."""
    gap = 6
    height = max(1, len(bars)) * (bar_height + gap) + 10
    top = max([b.value for b in bars] + [1])
    plot = width - label_width - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(title, {chr(34): "&quot;"})}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = 5 + i * (bar_height + gap)
        w = 0 if bar.value <= 0 else max(2, round(plot * bar.value / top))
        shape = (
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.0f}" text-anchor="end" font-size="13" fill="#1f2328">{escape(bar.label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{w}" height="{bar_height}" fill="#0b5cad"></rect>'
            f'<text x="{label_width + w + 6}" y="{y + bar_height * 0.7:.0f}" font-size="13" fill="#1f2328">{bar.value}</text>'
        )
        if bar.url:
            shape = f'<a href="{escape(bar.url, {chr(34): "&quot;"})}">{shape}</a>'
        parts.append(f"<g>{shape}</g>")
    parts.append("</svg>")
    return "".join(parts)


def column_chart(bars: list[Bar], *, title: str, width: int = 640, height: int = 200) -> str:
    """Vertical columns over time (a trend), each linking to its records."""
    n = max(1, len(bars))
    top = max([b.value for b in bars] + [1])
    base = height - 30
    slot = (width - 20) / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(title, {chr(34): "&quot;"})}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#8c959f"></line>',
    ]
    for i, bar in enumerate(bars):
        h = 0 if bar.value <= 0 else max(2, round((base - 20) * bar.value / top))
        x = 10 + i * slot + slot * 0.15
        w = slot * 0.7
        shape = (
            f'<rect x="{x:.1f}" y="{base - h}" width="{w:.1f}" height="{h}" fill="#0b5cad"></rect>'
            f'<text x="{x + w / 2:.1f}" y="{base - h - 4}" text-anchor="middle" font-size="11" fill="#1f2328">{bar.value}</text>'
            f'<text x="{x + w / 2:.1f}" y="{base + 16}" text-anchor="middle" font-size="11" fill="#57606a">{escape(bar.label)}</text>'
        )
        if bar.url:
            shape = f'<a href="{escape(bar.url, {chr(34): "&quot;"})}">{shape}</a>'
        parts.append(f"<g>{shape}</g>")
    parts.append("</svg>")
    return "".join(parts)
