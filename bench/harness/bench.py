#!/usr/bin/env python3
"""Side-by-side benchmark: promlite against Prometheus and VictoriaMetrics.

Phases (bench/README.md describes the figures):
  dataset  per system, one at a time: remote-write the backfill dataset into a
           fresh server (ingest samples/s, CPU per sample), run the queries
           (median/p90 of N runs), stop it gracefully, restart it on the same
           data directory (time to ready and data visible, peak RSS), and
           measure bytes per sample on disk: promlite's own data directory,
           Prometheus' blocks from `promtool tsdb create-blocks-from
           openmetrics`, VictoriaMetrics after /api/v1/import/prometheus.
  scrape   all three scrape the same target farm at once: RSS per active
           series, CPU seconds per million scraped samples.
Usually run through scripts/bench.sh.
"""

import argparse
import datetime
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from procs import Processes, cpu_seconds, dir_bytes, proc_status  # noqa: E402
from report import render_report, update_readme  # noqa: E402
from systems import Prometheus, Promlite, VictoriaMetrics  # noqa: E402

SCALES = {
    # A minute or two: checks that the harness and every system work.
    "smoke": dict(ds_targets=5, ds_series=100, span="30m", interval=15,
                  farm_targets=4, farm_series=100, scrape_interval=5,
                  scrape_seconds=15, warmup_seconds=10, runs=3),
    # <= 10 minutes on 2 cores.
    "quick": dict(ds_targets=5, ds_series=500, span="2h", interval=15,
                  farm_targets=40, farm_series=500, scrape_interval=10,
                  scrape_seconds=150, warmup_seconds=40, runs=20),
    # The scale: 10k series x 2h backfill, 200 x 500 targets at 15 s for 10 min.
    "full": dict(ds_targets=20, ds_series=500, span="2h", interval=15,
                 farm_targets=200, farm_series=500, scrape_interval=15,
                 scrape_seconds=600, warmup_seconds=90, runs=20),
}

# The seed's dashboard queries (/work/shared/seed) and a heavy regex matcher.
QUERIES = [
    ("producer throughput",
     "sum(rate(fluss_client_writer_records_total[5m])) by (instance)"),
    ("flink input rate",
     "sum(rate(flink_taskmanager_job_task_operator_numRecordsIn[5m])) by (job_name, task_name)"),
    ("consumer lag", "flink_taskmanager_job_task_operator_fluss_consumer_lag"),
    ("producer p95 latency",
     "histogram_quantile(0.95, sum(rate(fluss_client_writer_sendLatencyMs_bucket[5m]))"
     " by (le, instance))"),
    ("heavy regex",
     'count by (__name__, operator_name) ({__name__=~"flink_taskmanager_job_task_operator_.*'
     'Records.*", operator_name=~".*(Source|Sink).*", task_name!~".*inventory.*"})'),
]
# Sees the data after a restart: the number of numRecordsIn series at the end.
PROBE = "count(flink_taskmanager_job_task_operator_numRecordsIn)"
TWO_HOURS_MS = 2 * 3600 * 1000


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Bench:
    def __init__(self, args):
        self.args = args
        self.scale = dict(SCALES["full" if args.full else "smoke" if args.smoke else "quick"])
        if args.scrape_seconds:
            self.scale["scrape_seconds"] = args.scrape_seconds
        self.workdir = args.workdir or tempfile.mkdtemp(prefix="promlite-bench.")
        os.makedirs(self.workdir, exist_ok=True)
        self.procs = Processes(os.path.join(self.workdir, "pids"))
        self.results = {"systems": {}, "scale": self.scale}
        s = self.scale
        interval_ms = s["interval"] * 1000
        # Aligned to the interval; never on a 2h block boundary (promtool would
        # put the last timestamp alone into a block of its own).
        end = int(time.time() * 1000) - 60_000
        end -= end % interval_ms
        if end % TWO_HOURS_MS == 0:
            end -= interval_ms
        self.end_ms = end
        self.start_ms = end  # set from the generator's description in run()
        self.gen_flags = [f"--seed={args.seed}", f"--targets={s['ds_targets']}",
                          f"--series={s['ds_series']}", f"--interval={s['interval']}s",
                          f"--span={s['span']}", f"--end={end}"]

    def gen(self, *argv):
        cmd = [self.args.benchgen, *argv]
        out = subprocess.run(cmd, check=False, capture_output=True, text=True)
        if out.returncode != 0:
            log(f"generator failed: {' '.join(cmd)}\n{out.stderr}")
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        return json.loads(lines[-1]) if lines else {}

    def empty_config(self):
        return "global:\n  scrape_interval: 15s\nscrape_configs: []\n"

    # -- dataset phase -------------------------------------------------------

    def run_queries(self, sysm, start_s, end_s):
        out = {}
        for name, expr in QUERIES:
            # instant at the end; range over the dataset at a 60 s step; and
            # issue 5's shape, the last hour at a 15 s step.
            for kind in ("instant", "range", "range 1h step 15s"):
                if kind == "instant":
                    path, params = "/api/v1/query", {"query": expr, "time": f"{end_s:.3f}"}
                elif kind == "range":
                    path = "/api/v1/query_range"
                    params = {"query": expr, "start": f"{start_s:.3f}", "end": f"{end_s:.3f}",
                              "step": "60"}
                else:
                    path = "/api/v1/query_range"
                    params = {"query": expr, "start": f"{max(start_s, end_s - 3600):.3f}",
                              "end": f"{end_s:.3f}", "step": "15"}
                params.update(sysm.query_params)
                sysm.http.query(path, params)  # warm-up, not counted
                times, series = [], None
                for _ in range(self.scale["runs"]):
                    dt, n = sysm.http.query(path, params)
                    times.append(dt)
                    series = n if series is None else series
                    if n is None:
                        break
                if series is None:
                    out[f"{name}|{kind}"] = {"error": True}
                    continue
                times.sort()
                out[f"{name}|{kind}"] = {
                    "median_ms": statistics.median(times) * 1000,
                    "p90_ms": times[math.ceil(0.9 * len(times)) - 1] * 1000,  # nearest rank
                    "series": series}
        return out

    def wait_probe(self, sysm, expect, timeout):
        """Seconds until PROBE answers `expect` at the dataset's end, or None."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            v = sysm.http.scalar(PROBE, self.end_ms / 1000)
            if v is not None and (expect is None or v == expect):
                return time.monotonic() - t0, v
            time.sleep(0.1)
        return None, None

    def dataset_phase(self, sysm):
        r = self.results["systems"].setdefault(sysm.key, {"name": sysm.name})
        sysm.write_config(self.empty_config())
        log(f"{sysm.name}: start, remote write {self.scale['ds_targets'] * self.scale['ds_series']}"
            f" series x {self.scale['span']}")
        sysm.start()
        time.sleep(1)
        r["rss_idle"] = proc_status(sysm.pid)["VmRSS"]
        cpu0 = cpu_seconds(sysm.pid)
        rw = self.gen("remote-write", *self.gen_flags, f"--url={sysm.url(sysm.write_path)}",
                      "--shards=2", "--batch=2000")
        cpu1 = cpu_seconds(sysm.pid)
        r["remote_write"] = rw
        accepted = rw.get("accepted_samples", 0)
        r["rw_samples_per_s"] = rw.get("samples_per_second")
        r["rw_cpu_s_per_m"] = (cpu1 - cpu0) / (accepted / 1e6) if accepted else None
        sysm.flush()
        visible, expect = self.wait_probe(sysm, None, 60)
        r["probe_value"] = expect
        time.sleep(3)
        r["rss_loaded"] = proc_status(sysm.pid)["VmRSS"]
        log(f"{sysm.name}: {rw.get('samples_per_second', 0):.0f} samples/s accepted, "
            f"{accepted} samples; queries x{self.scale['runs']}")
        end_s = self.end_ms / 1000
        r["queries"] = self.run_queries(sysm, self.start_ms / 1000 + 300, end_s)
        r["shutdown_s"] = sysm.stop()
        r["disk_after_rw"] = dir_bytes(sysm.data, exclude_dirs=sysm.disk_exclude_dirs)
        r["disk_parts"] = {e: dir_bytes(os.path.join(sysm.data, e))[0]
                           if os.path.isdir(os.path.join(sysm.data, e))
                           else os.lstat(os.path.join(sysm.data, e)).st_blocks * 512
                           for e in sorted(os.listdir(sysm.data))}
        # Restart on the same directory: time to ready, then to the data.
        log(f"{sysm.name}: restart")
        t0 = time.monotonic()
        sysm.start()
        ready = time.monotonic() - t0
        persisted = r["disk_after_rw"][0] > 0
        if persisted and expect is not None:
            seen, _ = self.wait_probe(sysm, expect, self.args.restart_timeout)
        else:
            seen = None
        st = proc_status(sysm.pid)
        r["restart"] = {"ready_s": ready, "data_s": None if seen is None else ready + seen,
                        "persisted": persisted, "hwm": st["VmHWM"], "rss": st["VmRSS"]}
        sysm.stop()

    def disk_phase(self, om_file):
        # promlite: the data directory its remote-written data left behind.
        pl = self.results["systems"]["promlite"]
        alloc, apparent = pl["disk_after_rw"]
        samples = pl["remote_write"].get("accepted_samples", 0)
        pl["disk"] = {"bytes": alloc, "apparent": apparent, "samples": samples,
                      "how": "remote write, SIGTERM, du of --storage.tsdb.path"}
        # Prometheus: blocks written by promtool from the OpenMetrics file.
        log("Prometheus: promtool tsdb create-blocks-from openmetrics")
        blocks = os.path.join(self.workdir, "prometheus-blocks")
        t0 = time.monotonic()
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om_file, blocks],
                       check=True, capture_output=True)
        took = time.monotonic() - t0
        samples = 0
        for b in os.listdir(blocks):
            meta = os.path.join(blocks, b, "meta.json")
            if os.path.exists(meta):
                with open(meta) as f:
                    samples += json.load(f)["stats"]["numSamples"]
        alloc, apparent = dir_bytes(blocks)
        self.results["systems"]["prometheus"]["disk"] = {
            "bytes": alloc, "apparent": apparent, "samples": samples, "seconds": took,
            "how": "promtool tsdb create-blocks-from openmetrics, du of the blocks"}
        # VictoriaMetrics: /api/v1/import/prometheus, force_flush, SIGTERM.
        log("VictoriaMetrics: /api/v1/import/prometheus")
        vm = VictoriaMetrics(self.procs, self.workdir, "import")
        vm.start()
        imp = self.gen("import", *self.gen_flags, f"--url={vm.url('/api/v1/import/prometheus')}")
        vm.flush()
        self.wait_probe(vm, self.results["systems"]["victoriametrics"].get("probe_value"), 60)
        vm.stop()
        alloc, apparent = dir_bytes(vm.data, exclude_dirs=vm.disk_exclude_dirs)
        vm_parts = {e: dir_bytes(os.path.join(vm.data, e))[0] for e in sorted(os.listdir(vm.data))
                    if os.path.isdir(os.path.join(vm.data, e))}
        self.results["systems"]["victoriametrics"]["disk_import_parts"] = vm_parts
        self.results["systems"]["victoriametrics"]["disk"] = {
            "bytes": alloc, "apparent": apparent, "samples": imp.get("samples", 0),
            "seconds": imp.get("seconds"),
            "how": "/api/v1/import/prometheus, force_flush, SIGTERM, du -storageDataPath "
                   "without its cache/ directory"}

    # -- scrape phase --------------------------------------------------------

    def scrape_phase(self):
        s = self.scale
        ports_file = os.path.join(self.workdir, "farm.ports")
        log(f"farm: {s['farm_targets']} targets x {s['farm_series']} series, "
            f"scraped every {s['scrape_interval']}s by all three for "
            f"{s['warmup_seconds']}+{s['scrape_seconds']}s")
        farm = self.procs.start(
            [self.args.benchgen, "serve", f"--seed={self.args.seed}",
             f"--targets={s['farm_targets']}", f"--series={s['farm_series']}",
             f"--interval={s['scrape_interval']}s", f"--ports-file={ports_file}"],
            os.path.join(self.workdir, "farm.log"))
        for _ in range(600):
            if os.path.exists(ports_file) or farm.poll() is not None:
                break
            time.sleep(0.05)
        with open(ports_file) as f:
            targets = [ln.strip() for ln in f if ln.strip()]
        yaml = (f"global:\n  scrape_interval: {s['scrape_interval']}s\n"
                f"  scrape_timeout: {s['scrape_interval']}s\n"
                "scrape_configs:\n  - job_name: farm\n    static_configs:\n      - targets:\n"
                + "".join(f"          - '{t}'\n" for t in targets))
        systems = [Promlite(self.procs, self.workdir, "scrape", self.args.promlite),
                   Prometheus(self.procs, self.workdir, "scrape"),
                   VictoriaMetrics(self.procs, self.workdir, "scrape", scrape=True)]
        for sysm in systems:
            sysm.write_config(yaml)
            sysm.start()
        from procs import Http
        farm_http = Http(int(targets[0].rsplit(":", 1)[1]))

        def farm_stats():
            status, body = farm_http.get("/stats")
            return json.loads(body)["clients"] if status == 200 else {}

        def served(stats, sysm):
            prefix = {"promlite": "promlite/", "prometheus": "prometheus/",
                      "victoriametrics": "vm_promscrape"}[sysm.key]
            return sum(v["samples"] for k, v in stats.items() if k.lower().startswith(prefix))

        time.sleep(s["warmup_seconds"])
        cpu0 = {x.key: cpu_seconds(x.pid) for x in systems}
        st0 = farm_stats()
        rss = {x.key: [] for x in systems}
        t_end = time.monotonic() + s["scrape_seconds"]
        while time.monotonic() < t_end:
            for x in systems:
                rss[x.key].append(proc_status(x.pid)["VmRSS"])
            time.sleep(5)
        cpu1 = {x.key: cpu_seconds(x.pid) for x in systems}
        st1 = farm_stats()
        active = s["farm_targets"] * s["farm_series"]
        for x in systems:
            samples = served(st1, x) - served(st0, x)
            tail = rss[x.key][len(rss[x.key]) // 2:] or [0]
            r = self.results["systems"][x.key]
            r["scrape"] = {
                "active_series": active,
                "rss": statistics.median(tail),
                "rss_max": max(rss[x.key] or [0]),
                "rss_per_series": statistics.median(tail) / active,
                "samples": samples,
                "cpu_s": cpu1[x.key] - cpu0[x.key],
                "cpu_s_per_m": (cpu1[x.key] - cpu0[x.key]) / (samples / 1e6) if samples else None,
            }
            x.stop()
        self.procs.stop(farm)

    # -- driver --------------------------------------------------------------

    def run(self):
        t0 = time.monotonic()
        s = self.scale
        log(f"workdir {self.workdir}; dataset {s['ds_targets']}x{s['ds_series']} series, "
            f"{s['span']} at {s['interval']}s, end {self.end_ms}")
        desc = self.gen("describe", *self.gen_flags)
        self.results["dataset"] = desc
        if "start_ms" not in desc:
            raise RuntimeError("the generator did not describe the dataset")
        self.start_ms = desc["start_ms"]
        om = os.path.join(self.workdir, "dataset.om.txt")
        log("writing the OpenMetrics backfill file")
        self.gen("openmetrics", *self.gen_flags, f"--out={om}")
        systems = [Promlite(self.procs, self.workdir, "rw", self.args.promlite),
                   Prometheus(self.procs, self.workdir, "rw"),
                   VictoriaMetrics(self.procs, self.workdir, "rw")]
        for sysm in systems:
            self.dataset_phase(sysm)
        self.disk_phase(om)
        os.remove(om)
        if not self.args.skip_scrape:
            self.scrape_phase()
        self.results["seconds"] = time.monotonic() - t0
        return self.results


def promlite_commit(repo):
    """The short commit, marked when the working tree had uncommitted changes."""
    try:
        head = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def versions():
    def package(name):
        try:
            out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name],
                                 capture_output=True, text=True)
            return out.stdout.strip() or "?"
        except OSError:
            return "?"
    return {"prometheus": "Prometheus " + package("prometheus"),
            "victoriametrics": "VictoriaMetrics " + package("victoria-metrics")}


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    distro = "?"
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    distro = line.split("=", 1)[1].strip().strip('"')
    return f"{os.cpu_count()} cores ({model}), {mem_kib / 1048576:.0f} GiB, {distro}"


def main():
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="full scale (default: quick)")
    ap.add_argument("--promlite", required=True, help="promlite binary (a Release build)")
    ap.add_argument("--benchgen", required=True, help="promlite_benchgen binary")
    ap.add_argument("--smoke", action="store_true", help="tiny scale: checks the harness")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", help="keep everything here (default: a temp dir, removed)")
    ap.add_argument("--skip-scrape", action="store_true")
    ap.add_argument("--scrape-seconds", type=int, help="override the scrape window")
    ap.add_argument("--restart-timeout", type=float, default=300)
    ap.add_argument("--readme", help="write the table into this README (between markers)")
    ap.add_argument("--command", default="scripts/bench.sh", help="command line to record")
    args = ap.parse_args()
    for tool in ("prometheus", "promtool", "victoria-metrics"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} not found; apt-get install prometheus victoria-metrics")
    keep = bool(args.workdir)
    bench = Bench(args)
    try:
        results = bench.run()
    finally:
        bench.procs.stop_all()
    results["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results["commit"] = promlite_commit(repo)
    results["machine"] = machine()
    results["versions"] = versions()
    results["command"] = args.command
    results["load"] = os.getloadavg()
    with open(os.path.join(bench.workdir, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    text = render_report(results)
    print(text)
    if args.readme:
        update_readme(args.readme, text)
        log(f"table written into {args.readme}")
    if not keep:
        shutil.rmtree(bench.workdir, ignore_errors=True)
    else:
        log(f"results in {bench.workdir}/results.json")


if __name__ == "__main__":
    main()
