#!/usr/bin/env python3
"""Draws run-curve.sh's JSON lines (stdin) as an SVG line chart (stdout): records/s against the
budget as a fraction of the working set (log scale), one line per workload, each point the median
of its runs; prints a Markdown table of the same figures on stderr."""
import json
import math
import statistics
import sys

runs = [json.loads(l) for l in sys.stdin if l.startswith("{")]
grouped = {}
for r in runs:
    grouped.setdefault((r["workload"], r["fraction"]), []).append(r)
runs = []
for (w, f), rs in grouped.items():
    median = dict(rs[0])
    median["records_per_second"] = statistics.median(r["records_per_second"] for r in rs)
    median["runs"] = len(rs)
    runs.append(median)
by = {}
for r in runs:
    by.setdefault(r["workload"], []).append(r)
W, H, L, B, T, R = 720, 420, 70, 50, 30, 130
fr = sorted({r["fraction"] for r in runs})
xmin, xmax = math.log2(fr[0]), math.log2(fr[-1])
ymax = max(r["records_per_second"] for r in runs) * 1.1
x = lambda f: L + (math.log2(f) - xmin) / (xmax - xmin) * (W - L - R)
y = lambda v: H - B - v / ymax * (H - B - T)
colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (W, H),
       '<rect width="100%" height="100%" fill="white"/>',
       '<text x="%d" y="18" font-size="14">spillway engine: records/s against budget (fraction of the in-memory working set)</text>' % L]
for f in fr:
    out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x(f), T, x(f), H - B))
    label = "1/%d" % round(1 / f) if f < 1 else "%g×" % f
    out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (x(f), H - B + 16, label))
for i in range(6):
    v = ymax * i / 5
    out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eee"/>' % (L, y(v), W - R, y(v)))
    out.append('<text x="%d" y="%.1f" text-anchor="end">%.1fM</text>' % (L - 6, y(v) + 4, v / 1e6))
out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (L, H - B, W - R, H - B))
out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (L, T, L, H - B))
out.append('<text x="%d" y="%d" text-anchor="middle">budget / working set</text>' % ((L + W - R) // 2, H - 12))
print("| workload | working set | " + " | ".join("1/%d" % round(1 / f) if f < 1 else "%g×" % f for f in fr)
      + " | 1/8 ÷ 2× |", file=sys.stderr)
print("|---|---|" + "---|" * len(fr) + "---|", file=sys.stderr)
for i, (w, rs) in enumerate(sorted(by.items())):
    rs.sort(key=lambda r: r["fraction"])
    pts = " ".join("%.1f,%.1f" % (x(r["fraction"]), y(r["records_per_second"])) for r in rs)
    c = colors[i % len(colors)]
    out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>' % (pts, c))
    for r in rs:
        out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (x(r["fraction"]), y(r["records_per_second"]), c))
    last = rs[-1]
    out.append('<text x="%.1f" y="%.1f" fill="%s">%s</text>' % (x(last["fraction"]) + 8, y(last["records_per_second"]) + 4, c, w))
    rate = {r["fraction"]: r["records_per_second"] for r in rs}
    ratio = rate.get(0.125, 0) / rate[max(rate)] if max(rate) in rate else 0
    print("| %s | %.0f MB | %s | %.2f |" % (w, rs[0]["working_set_bytes"] / 1e6,
          " | ".join("%.2fM" % (rate[f] / 1e6) if f in rate else "—" for f in fr), ratio), file=sys.stderr)
out.append("</svg>")
print("\n".join(out))
