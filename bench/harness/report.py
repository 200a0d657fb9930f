"""Renders the side-by-side results as a Markdown table and writes it into
bench/README.md between two marker comments (the rest of the file is kept)."""

import re

BEGIN = "<!-- side-by-side results: begin (written by bench/harness/bench.py) -->"
END = "<!-- side-by-side results: end -->"
ORDER = ("promlite", "prometheus", "victoriametrics")
NA_MEMORY = "n/a (in-memory build)"


def num(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    a = abs(v)
    if a >= 100:
        s = f"{v:,.0f}"
    elif a >= 10:
        s = f"{v:.1f}"
    elif a >= 1:
        s = f"{v:.2f}"
    else:
        s = f"{v:.3f}"
    return s + unit


def ratio(a, b):
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or not b:
        return "—"
    return f"{a / b:.2f}×"


def rows(res):
    sy = res["systems"]
    out = []  # (label, {key: value or text}, unit, better)

    def get(key, *path):
        v = sy.get(key, {})
        for p in path:
            if not isinstance(v, dict):
                return None
            v = v.get(p)
        return v

    def disk(key):
        d = get(key, "disk")
        if not d or not d.get("samples"):
            return None
        if d["bytes"] == 0:
            return NA_MEMORY
        return d["bytes"] / d["samples"]

    ds = res.get("dataset", {})
    out.append((f"disk: bytes per sample ({ds.get('series', '?')} series, "
                f"{ds.get('samples', 0) / 1e6:.2f} M samples)",
                {k: disk(k) for k in ORDER}, "", "lower"))
    out.append(("disk: samples counted (stored by the system where it says)",
                {k: (get(k, "disk") or {}).get("samples") for k in ORDER}, "", "same"))
    out.append(("remote-write ingest, samples/s accepted",
                {k: get(k, "rw_samples_per_s") for k in ORDER}, "", "higher"))
    out.append(("CPU s per million remote-written samples",
                {k: get(k, "rw_cpu_s_per_m") for k in ORDER}, "", "lower"))
    sc = get("promlite", "scrape") or {}
    active = sc.get("active_series", "?")
    out.append((f"RSS per active series while scraping ({active} series), bytes",
                {k: get(k, "scrape", "rss_per_series") for k in ORDER}, "", "lower"))
    out.append(("RSS while scraping, MiB",
                {k: (get(k, "scrape", "rss") or 0) / 1048576 or None for k in ORDER}, "",
                "lower"))
    out.append(("CPU s per million scraped samples",
                {k: get(k, "scrape", "cpu_s_per_m") for k in ORDER}, "", "lower"))
    names = []
    for k in ORDER:
        for q in (get(k, "queries") or {}):
            if q not in names:
                names.append(q)
    for q in names:
        name, kind = q.split("|")
        vals, p90 = {}, {}
        for k in ORDER:
            e = (get(k, "queries") or {}).get(q)
            if not e or e.get("error"):
                vals[k] = "error" if e else None
            else:
                vals[k] = e["median_ms"]
                p90[k] = e
        out.append((f"query {name}, {kind}: median ms (p90; series)", vals, "q", "lower", p90))

    def restart(k, field):
        r = get(k, "restart")
        if not r:
            return None
        if not r.get("persisted"):
            return NA_MEMORY
        return r.get(field)

    out.append(("restart: seconds until /-/ready (VM: /health)",
                {k: (get(k, "restart") or {}).get("ready_s") for k in ORDER}, "", "lower"))
    out.append(("restart: seconds until a query sees the data",
                {k: restart(k, "data_s") for k in ORDER}, "", "lower"))

    def hwm(k):
        r = get(k, "restart")
        if not r:
            return None
        if not r.get("persisted"):
            return NA_MEMORY
        return r["hwm"] / 1048576

    out.append(("restart: peak RSS during replay (VmHWM), MiB",
                {k: hwm(k) for k in ORDER}, "", "lower"))

    def hwm_ratio(k):
        r, before = get(k, "restart"), get(k, "rss_loaded")
        if not r or not before:
            return None
        if not r.get("persisted"):
            return NA_MEMORY
        return r["hwm"] / before

    out.append(("restart: peak RSS / RSS before the stop",
                {k: hwm_ratio(k) for k in ORDER}, "", "lower"))
    return out


def render_report(res):
    s = res.get("scale", {})
    v = res.get("versions", {})
    lines = [
        f"**{res.get('date', '?')}**, promlite commit `{res.get('commit', '?')}`, "
        f"{v.get('prometheus', '?')}, {v.get('victoriametrics', '?')}.",
        f"Machine: {res.get('machine', '?')}; load average at the end "
        f"{', '.join(f'{x:.1f}' for x in res.get('load', ()))}.",
        f"Command: `{res.get('command', '?')}` ({res.get('seconds', 0) / 60:.1f} min, build not "
        "counted). "
        f"Dataset: {s.get('ds_targets')} targets × {s.get('ds_series')} series, "
        f"{s.get('span')} at {s.get('interval')} s (churn 2 % of units per 10 min). "
        f"Scrape: {s.get('farm_targets')} × {s.get('farm_series')} series every "
        f"{s.get('scrape_interval')} s, measured {s.get('scrape_seconds')} s after "
        f"{s.get('warmup_seconds')} s of warm-up. Queries: {s.get('runs')} runs each.",
        "",
        "| figure | promlite | Prometheus | VictoriaMetrics | promlite / Prometheus "
        "| promlite / VictoriaMetrics |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows(res):
        label, vals, unit, _better = row[:4]
        cells = []
        for k in ORDER:
            val = vals.get(k)
            if unit == "q" and isinstance(val, (int, float)):
                e = row[4][k]
                cells.append(f"{num(val)} ({num(e['p90_ms'])}; {e['series']})")
            else:
                cells.append(num(val))
        pl = vals.get("promlite")
        if _better == "same":
            lines.append(f"| {label} | " + " | ".join(cells) + " | — | — |")
            continue
        lines.append(f"| {label} | " + " | ".join(cells) + " | " +
                     f"{ratio(pl, vals.get('prometheus'))} | "
                     f"{ratio(pl, vals.get('victoriametrics'))} |")
    lines.append("")
    for k in ORDER:
        parts = (res["systems"].get(k) or {}).get("disk_parts")
        if parts:
            name = res["systems"][k].get("name", k)
            lines.append(f"- {name} data directory after the remote write and a graceful stop: " +
                         ", ".join(f"`{e}` {b / 1048576:.1f} MiB" for e, b in parts.items()
                                   if b > 0) + ".")
    return "\n".join(lines) + "\n"


def update_readme(path, text):
    with open(path) as f:
        readme = f.read()
    block = f"{BEGIN}\n{text}{END}"
    if BEGIN in readme and END in readme:
        readme = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, readme,
                        flags=re.S)
    else:
        readme = readme.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(readme)
