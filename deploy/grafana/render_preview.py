#!/usr/bin/env python3
"""Draws pazhou.json's panels from a Prometheus, as a static HTML page (and a PNG).

Grafana is what the dashboard is for; this script is how to look at its queries where Grafana is
not installed. It reads the dashboard, runs every target's expr against Prometheus's HTTP API
(/api/v1/query_range) over a time range, and draws each panel as an SVG at the place its gridPos
gives (24 columns, 30 px a grid row, as Grafana lays them out). Rows become headings, text
panels their text. $instance becomes .* (all instances) and $__rate_interval the given window.

    python3 deploy/grafana/render_preview.py --prometheus http://127.0.0.1:9090 \\
        --start UNIX --end UNIX --out preview.html [--png docs/dashboard.png]

Standard library only; --png runs headless Chromium (/usr/bin/chromium)."""
import argparse
import html
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
WIDTH = 1600          # page width in px; 24 grid columns
ROW_PX = 30           # one gridPos unit of height
GAP = 8
COLORS = ["#7eb26d", "#eab839", "#6ed0e0", "#ef843c", "#e24d42", "#1f78c1", "#ba43a9",
          "#705da0", "#508642", "#cca300", "#447ebc", "#c15c17", "#890f02", "#0a437c"]


def substitute(expr, rate_interval):
    """The expr as Prometheus takes it: the dashboard's variables replaced."""
    return (expr.replace("$__rate_interval", rate_interval)
            .replace("${instance}", ".*").replace("$instance", ".*"))


def query_range(prom, expr, start, end, step):
    q = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen("%s/api/v1/query_range?%s" % (prom, q), timeout=30) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise RuntimeError("query failed: %s: %s" % (expr, body))
    return body["data"]["result"]


def legend(fmt, labels):
    if not fmt:
        return "{" + ", ".join("%s=%s" % kv for kv in sorted(labels.items())) + "}"
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt).strip()


def fmt_value(v, unit):
    """A value as an axis label, in the panel's unit."""
    if unit == "percentunit":
        return "%.0f%%" % (v * 100) if abs(v) >= 0.1 or v == 0 else "%.1f%%" % (v * 100)
    if unit == "s":
        a = abs(v)
        if a == 0:
            return "0"
        if a < 1e-3:
            return "%.0f µs" % (v * 1e6)
        if a < 1:
            return "%.3g ms" % (v * 1e3)
        if a < 600:
            return "%.3g s" % v
        return "%.3g min" % (v / 60)
    if unit == "bytes":
        for size, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
            if abs(v) >= size:
                return "%.3g %s" % (v / size, name)
        return "%.0f B" % v
    suffix = {"reqps": " req/s", "ops": " ops/s", "cps": " c/s"}.get(unit, "")
    a = abs(v)
    if a >= 1e6:
        s = "%.3gM" % (v / 1e6)
    elif a >= 1e3:
        s = "%.3gk" % (v / 1e3)
    elif a == 0 or a >= 1:
        s = "%.3g" % v
    else:
        s = "%.2g" % v
    return s + suffix


def nice_max(v):
    if v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * e >= v:
            return m * e
    return 10 * e


def series_of(panel, prom, start, end, step, rate_interval):
    """[(name, unit, [(t, v or None)])] for every series every target of the panel returns."""
    unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit", "short")
    overrides = panel.get("fieldConfig", {}).get("overrides", [])
    out = []
    for t in panel.get("targets", []):
        for res in query_range(prom, substitute(t["expr"], rate_interval), start, end, step):
            name = legend(t.get("legendFormat", ""), res["metric"])
            u, right = unit, False
            for o in overrides:
                m = o["matcher"]
                if (m["id"] == "byName" and m["options"] == name) or (
                        m["id"] == "byRegexp" and re.fullmatch(m["options"], name)):
                    for p in o["properties"]:
                        if p["id"] == "unit":
                            u = p["value"]
                        if p["id"] == "custom.axisPlacement":
                            right = p["value"] == "right"
            pts = []
            for ts, v in res["values"]:
                f = float(v)
                pts.append((float(ts), None if math.isnan(f) or math.isinf(f) else f))
            out.append((name, u, right, pts))
    return out


def svg_timeseries(series, unit, w, h, start, end, stacked):
    """An SVG of the series: left axis in the panel's unit, right axis for overridden series."""
    pad_l, pad_r, pad_t, pad_b = 64, 10, 6, 20
    if any(s[2] for s in series):
        pad_r = 64
    legend_rows = max(1, math.ceil(len(series) / max(1, (w - 20) // 170)))
    legend_h = 16 * min(legend_rows, 4)
    ph = h - pad_t - pad_b - legend_h
    pw = w - pad_l - pad_r
    if stacked:
        acc = {}
        stacked_series = []
        for name, u, right, pts in series:
            new = []
            for t, v in pts:
                base = acc.get(t, 0.0)
                top = base + (v or 0.0)
                acc[t] = top
                new.append((t, top if v is not None else None))
            stacked_series.append((name, u, right, new))
        series = stacked_series
    lmax = nice_max(max([v for s in series if not s[2] for _, v in s[3] if v is not None] or [0]))
    rmax = nice_max(max([v for s in series if s[2] for _, v in s[3] if v is not None] or [0]))
    runit = next((s[1] for s in series if s[2]), unit)
    span = max(end - start, 1)
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
             'font-family="Inter, Helvetica, Arial, sans-serif" font-size="10">' % (w, h)]
    for i in range(5):
        y = pad_t + ph - ph * i / 4
        parts.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#2c3235"/>'
                     % (pad_l, pad_l + pw, y, y))
        parts.append('<text x="%d" y="%.1f" fill="#9fa7b3" text-anchor="end">%s</text>'
                     % (pad_l - 4, y + 3, html.escape(fmt_value(lmax * i / 4, unit))))
        if pad_r > 10:
            parts.append('<text x="%d" y="%.1f" fill="#9fa7b3">%s</text>'
                         % (pad_l + pw + 4, y + 3, html.escape(fmt_value(rmax * i / 4, runit))))
    ticks = 6
    for i in range(ticks + 1):
        t = start + span * i / ticks
        x = pad_l + pw * i / ticks
        lt = time.localtime(t)
        anchor = "start" if i == 0 else "end" if i == ticks else "middle"
        parts.append('<text x="%.1f" y="%d" fill="#9fa7b3" text-anchor="%s">%02d:%02d:%02d'
                     '</text>' % (x, pad_t + ph + 13, anchor, lt.tm_hour, lt.tm_min, lt.tm_sec))
    for k, (name, u, right, pts) in enumerate(series):
        top = rmax if right else lmax
        color = COLORS[k % len(COLORS)]
        path, pen = [], False
        for t, v in pts:
            if v is None:
                pen = False
                continue
            x = pad_l + pw * (t - start) / span
            y = pad_t + ph - ph * min(v / top, 1.05)
            path.append("%s%.1f,%.1f" % ("L" if pen else "M", x, y))
            pen = True
        if path:
            parts.append('<path d="%s" fill="none" stroke="%s" stroke-width="1.5"/>'
                         % (" ".join(path), color))
    per_row = max(1, (w - 20) // 170)
    for k, (name, _, right, _) in enumerate(series[:per_row * 4]):
        lx = 10 + (k % per_row) * 170
        ly = pad_t + ph + pad_b + 12 + 16 * (k // per_row)
        parts.append('<rect x="%d" y="%d" width="12" height="3" fill="%s"/>'
                     % (lx, ly - 4, COLORS[k % len(COLORS)]))
        label = name + (" (right)" if right else "")
        parts.append('<text x="%d" y="%d" fill="#ccccdc">%s</text>'
                     % (lx + 16, ly, html.escape(label[:30])))
    if not series:
        parts.append('<text x="%.1f" y="%.1f" fill="#9fa7b3" text-anchor="middle">No data</text>'
                     % (pad_l + pw / 2, pad_t + ph / 2))
    parts.append("</svg>")
    return "".join(parts)


def markdown(text):
    """The little markdown the text panels use: `code` spans, paragraphs."""
    out = []
    for para in text.split("\n\n"):
        esc = html.escape(para)
        out.append("<p>%s</p>" % re.sub(r"`([^`]*)`", r"<code>\1</code>", esc))
    return "".join(out)


def render(dash, prom, start, end, step, rate_interval, note):
    col = (WIDTH - GAP) / 24
    boxes = []
    bottom = 0
    for p in sorted(dash["panels"], key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"])):
        g = p["gridPos"]
        x, y = g["x"] * col + GAP, g["y"] * ROW_PX + GAP
        w, h = g["w"] * col - GAP, g["h"] * ROW_PX - GAP
        bottom = max(bottom, y + h)
        if p["type"] == "row":
            boxes.append('<div class="row" style="left:%dpx;top:%dpx;width:%dpx">%s</div>'
                         % (x, y, w, html.escape(p["title"])))
            continue
        if p["type"] == "text":
            body = '<div class="text">%s</div>' % markdown(p["options"]["content"])
        else:
            unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit", "short")
            stacked = (p.get("fieldConfig", {}).get("defaults", {}).get("custom", {})
                       .get("stacking", {}).get("mode", "none") != "none")
            series = series_of(p, prom, start, end, step, rate_interval)
            body = svg_timeseries(series, unit, int(w) - 2, int(h) - 28, start, end, stacked)
        boxes.append('<div class="panel" style="left:%dpx;top:%dpx;width:%dpx;height:%dpx">'
                     '<div class="title">%s</div>%s</div>'
                     % (x, y, w, h, html.escape(p["title"]), body))
    head = ('<div class="head"><b>%s</b> &nbsp; %s</div>'
            % (html.escape(dash["title"]), html.escape(note)))
    return ("<!doctype html><html><head><meta charset='utf-8'><style>"
            "body{margin:0;background:#111217;color:#ccccdc;font:12px Inter,Helvetica,Arial,"
            "sans-serif}"
            ".head{padding:10px 12px;font-size:13px;border-bottom:1px solid #2c3235}"
            ".board{position:relative;width:%dpx;height:%dpx}"
            ".panel{position:absolute;background:#181b1f;border:1px solid #2c3235;"
            "border-radius:2px;overflow:hidden}"
            ".title{padding:5px 8px;font-weight:500;font-size:12px;white-space:nowrap;"
            "overflow:hidden}"
            ".row{position:absolute;font-size:14px;font-weight:500;padding-top:6px}"
            ".text{padding:0 10px;line-height:1.5}code{background:#22252b;padding:0 3px}"
            "</style></head><body>%s<div class='board'>%s</div></body></html>"
            % (WIDTH, bottom + GAP, head, "".join(boxes))), bottom + GAP + 40


def screenshot(page, png, height):
    """A PNG of the page from headless Chromium, the page's whole height."""
    profile = tempfile.mkdtemp(prefix="pazhou-chromium-")
    try:
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                        "--user-data-dir=" + profile, "--window-size=%d,%d" % (WIDTH, height),
                        "--screenshot=" + os.path.abspath(png), "file://" + os.path.abspath(page)],
                       check=True, capture_output=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prometheus", required=True, help="base URL, e.g. http://127.0.0.1:9090")
    ap.add_argument("--dashboard", default=os.path.join(HERE, "pazhou.json"))
    ap.add_argument("--start", type=float, required=True, help="UNIX time")
    ap.add_argument("--end", type=float, required=True, help="UNIX time")
    ap.add_argument("--step", default="5", help="seconds between points (default 5)")
    ap.add_argument("--rate-interval", default="30s", help="what $__rate_interval stands for")
    ap.add_argument("--note", default="", help="a line under the title")
    ap.add_argument("--out", required=True, help="the HTML page to write")
    ap.add_argument("--png", help="also a screenshot of the page, here")
    a = ap.parse_args()
    with open(a.dashboard) as f:
        dash = json.load(f)
    page, height = render(dash, a.prometheus.rstrip("/"), a.start, a.end, a.step,
                          a.rate_interval, a.note)
    with open(a.out, "w") as f:
        f.write(page)
    if a.png:
        screenshot(a.out, a.png, height)


if __name__ == "__main__":
    main()
