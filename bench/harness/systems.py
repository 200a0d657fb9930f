"""The three systems under test: how to start each on loopback with its own data
directory, where it answers readiness, queries and remote write.

Each System instance is one server process at a time; `start` may be called
again on the same data directory (the restart figure).
"""

import os

from procs import Http, free_port, wait_http_ok


class System:
    name = ""
    key = ""
    ready_path = "/-/ready"
    write_path = "/api/v1/write"
    query_params = {}
    # Top-level entries of the data directory that hold no samples (caches).
    disk_exclude_dirs = ()

    def __init__(self, procs, workdir, tag):
        self.procs = procs
        self.dir = os.path.join(workdir, f"{self.key}-{tag}")
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.data, exist_ok=True)
        self.log = os.path.join(self.dir, "log.txt")
        self.proc = None
        self.port = None
        self.http = None
        self.config = None

    def argv(self):
        raise NotImplementedError

    def write_config(self, scrape_yaml):
        """The Prometheus-format config file (Prometheus and promlite need one)."""
        self.config = os.path.join(self.dir, "prometheus.yml")
        with open(self.config, "w") as f:
            f.write(scrape_yaml)

    def start(self, ready_timeout=600):
        """Starts the server; returns seconds until its readiness URL said 200."""
        self.port = free_port()
        self.http = Http(self.port)
        self.proc = self.procs.start(self.argv(), self.log)
        waited = wait_http_ok(self.http, self.ready_path, ready_timeout, self.proc)
        if waited is None:
            raise RuntimeError(f"{self.name} did not become ready; see {self.log}")
        return waited

    def stop(self):
        """Graceful stop (SIGTERM); returns the seconds it took to exit."""
        if self.proc is None:
            return 0.0
        took = self.procs.stop(self.proc, timeout=300)
        self.proc = None
        return took

    @property
    def pid(self):
        return self.proc.pid

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def flush(self):
        """Makes ingested data searchable and persistent where the system allows."""


class Promlite(System):
    name = "promlite"
    key = "promlite"

    def __init__(self, procs, workdir, tag, binary):
        super().__init__(procs, workdir, tag)
        self.binary = binary

    def argv(self):
        return [self.binary, f"--config.file={self.config}",
                f"--storage.tsdb.path={self.data}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--web.enable-remote-write-receiver"]


class Prometheus(System):
    name = "Prometheus"
    key = "prometheus"

    def argv(self):
        return ["prometheus", f"--config.file={self.config}",
                f"--storage.tsdb.path={self.data}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--web.enable-remote-write-receiver",
                "--storage.tsdb.retention.time=30d"]


class VictoriaMetrics(System):
    name = "VictoriaMetrics"
    key = "victoriametrics"
    ready_path = "/health"
    # Without the rollup cache every repetition computes (Prometheus has no cache).
    query_params = {"nocache": "1"}
    # -cacheDataPath defaults to <storageDataPath>/cache: caches, not the data.
    disk_exclude_dirs = ("cache",)

    def __init__(self, procs, workdir, tag, scrape=False):
        super().__init__(procs, workdir, tag)
        self.scrape = scrape

    def argv(self):
        argv = ["victoria-metrics", f"-storageDataPath={self.data}",
                f"-httpListenAddr=127.0.0.1:{self.port}", "-retentionPeriod=1y",
                "-search.disableCache"]
        if self.scrape:
            argv.append(f"-promscrape.config={self.config}")
        return argv

    def flush(self):
        self.http.get("/internal/force_flush")
