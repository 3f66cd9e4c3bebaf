"""A report as CSV and as an SVG chart drawn on the server (no JavaScript library).

>>> report = {"periods": [{"start": "2026-03-01", "end": "2026-03-01", "dropoffs": 3, "results_loaded": 2,
...            "pickups": 1, "expired": 0, "returned": 0, "alarms": {"jam": 1}, "waits": 1, "wait_median_s": 60,
...            "wait_p90_s": 60, "pickups_on_time": 1, "on_time_share": 1.0, "satisfaction": None,
...            "counter_total": None, "machine_dossiers": None, "machine_share": None}]}
>>> report["total"] = report["periods"][0]
>>> as_csv(report).splitlines()[1]
'2026-03-01,2026-03-01,3,2,1,1,60,60,1,1.0,0,0,1,,,,,0,0,,1'
>>> chart_svg(report).startswith("<svg"), "<rect" in satisfaction_svg(report)
(True, False)
"""

from __future__ import annotations

import csv
import io
from typing import Any
from xml.sax.saxutils import escape

COLUMNS = ("start", "end", "dropoffs", "results_loaded", "pickups", "waits", "wait_median_s", "wait_p90_s",
           "pickups_on_time", "on_time_share", "expired", "returned")
TAIL = ("satisfaction_share", "counter_total", "machine_dossiers", "machine_share", "ratings", "satisfied",
        "rating_average")
SERIES = (("dropoffs", "#1f6feb", "Nộp hồ sơ / Drop-offs"),
          ("results_loaded", "#8250df", "Kết quả vào tủ / Results loaded"),
          ("pickups", "#1a7f37", "Nhận kết quả / Pickups"))


def as_csv(report: dict[str, Any]) -> str:
    """One row per period, then the whole range (``start`` of the last row is ``total``)."""
    kinds = sorted({k for row in report["periods"] for k in row["alarms"]})
    chips = sorted({k for row in report["periods"] if row.get("satisfaction") for k in row["satisfaction"]["chips"]})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, "alarms", *TAIL, *(f"alarms_{k}" for k in kinds), *(f"chips_{k}" for k in chips)])
    rows = [*report["periods"], {**report["total"], "start": "total"}] if len(report["periods"]) > 1 \
        else report["periods"]
    for row in rows:
        rated = row.get("satisfaction") or {}
        cells = [row[c] for c in COLUMNS] + [sum(row["alarms"].values()), rated.get("share"), row["counter_total"],
                                            row["machine_dossiers"], row["machine_share"], rated.get("ratings", 0),
                                            rated.get("satisfied", 0), rated.get("average")]
        writer.writerow(["" if v is None else v for v in cells] + [row["alarms"].get(k, 0) for k in kinds]
                        + [rated.get("chips", {}).get(k, 0) for k in chips])
    return out.getvalue()


def chart_svg(report: dict[str, Any], *, width: int = 720, height: int = 260) -> str:
    """Grouped bars of drop-offs, results loaded and pickups per period, with a legend."""
    rows = report["periods"]
    top = max([1] + [row[name] for row in rows for name, _, _ in SERIES])
    left, bottom, plot_h = 40, 40, height - 80
    slot = (width - left - 10) / max(1, len(rows))
    bar = max(1.0, slot / (len(SERIES) + 1))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="Báo cáo / Report" font-family="sans-serif" '
             f'font-size="11">', f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
             f'y2="{height - bottom}" stroke="#555"/>', f'<text x="4" y="{height - bottom - plot_h + 4}">{top}</text>',
             f'<text x="4" y="{height - bottom}">0</text>']
    for i, row in enumerate(rows):
        x0 = left + i * slot
        for j, (name, colour, _) in enumerate(SERIES):
            h = plot_h * row[name] / top
            parts.append(f'<rect class="{name}" x="{x0 + j * bar:.1f}" y="{height - bottom - h:.1f}" '
                         f'width="{bar:.1f}" height="{h:.1f}" fill="{colour}"><title>{escape(row["start"])} '
                         f'{name}: {row[name]}</title></rect>')
        if len(rows) <= 16 or i % max(1, len(rows) // 8) == 0:
            parts.append(f'<text x="{x0:.1f}" y="{height - bottom + 14}">{escape(row["start"][5:])}</text>')
    for j, (_, colour, label) in enumerate(SERIES):
        x = left + j * 220
        parts.append(f'<rect x="{x}" y="{height - 16}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="{height - 7}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def satisfaction_svg(report: dict[str, Any], *, width: int = 720, height: int = 200) -> str:
    """The share of satisfied ratings per period (0-100 %), each bar titled with its count."""
    rows = report["periods"]
    left, bottom, plot_h = 40, 30, height - 50
    slot = (width - left - 10) / max(1, len(rows))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="Hài lòng / Satisfied" font-family="sans-serif" '
             f'font-size="11">', f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
             f'y2="{height - bottom}" stroke="#555"/>', f'<text x="4" y="{height - bottom - plot_h + 4}">100%</text>',
             f'<text x="4" y="{height - bottom}">0%</text>']
    for i, row in enumerate(rows):
        x0, rated = left + i * slot, row.get("satisfaction")
        if rated:
            h = plot_h * rated["share"]
            parts.append(f'<rect class="satisfied" x="{x0 + slot * 0.15:.1f}" y="{height - bottom - h:.1f}" '
                         f'width="{slot * 0.7:.1f}" height="{h:.1f}" fill="#1a7f37"><title>{escape(row["start"])}: '
                         f'{rated["share"] * 100:.1f}% ({rated["satisfied"]}/{rated["ratings"]})</title></rect>')
        if len(rows) <= 16 or i % max(1, len(rows) // 8) == 0:
            parts.append(f'<text x="{x0:.1f}" y="{height - bottom + 14}">{escape(row["start"][5:])}</text>')
    parts.append(f'<text x="{left}" y="{height - 4}">{escape("Tỉ lệ hài lòng / Share satisfied (4-5)")}</text>')
    parts.append("</svg>")
    return "".join(parts)
