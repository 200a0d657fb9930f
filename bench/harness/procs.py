"""Process, /proc and HTTP helpers for the side-by-side benchmark.

Every process started through `Processes` is tracked by pid and ended at exit
(SIGTERM, then SIGKILL): the harness never leaves a server behind, and it never
signals a process it did not start.
"""

import atexit
import http.client
import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse

CLK_TCK = os.sysconf("SC_CLK_TCK")


class Processes:
    """Starts processes and guarantees they are stopped at interpreter exit."""

    def __init__(self, pid_file=None):
        self.procs = []
        self.pid_file = pid_file
        atexit.register(self.stop_all)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame):
        raise SystemExit(128 + signum)

    def start(self, argv, log_path, cwd=None):
        log = open(log_path, "ab")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
                             stdin=subprocess.DEVNULL)
        log.close()
        self.procs.append(p)
        self._write_pids()
        return p

    def stop(self, p, timeout=120.0):
        """SIGTERM, wait up to timeout (then SIGKILL). Returns seconds to exit."""
        t0 = time.monotonic()
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)
            self._write_pids()
        return time.monotonic() - t0

    def stop_all(self):
        for p in list(self.procs):
            self.stop(p, timeout=20)

    def _write_pids(self):
        if self.pid_file:
            with open(self.pid_file, "w") as f:
                f.write("".join(f"{p.pid}\n" for p in self.procs))


def free_port():
    """An unused ephemeral port on 127.0.0.1 (bound once, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid):
    """VmRSS and VmHWM in bytes (0 when the process is gone)."""
    out = {"VmRSS": 0, "VmHWM": 0}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(":", 1)[0]
                if key in out:
                    out[key] = int(line.split()[1]) * 1024
    except FileNotFoundError:
        pass
    return out


def cpu_seconds(pid):
    """utime + stime of the process (its threads included), in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except FileNotFoundError:
        return 0.0
    fields = stat[stat.rfind(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def dir_bytes(path, exclude=("lock",), exclude_dirs=()):
    """(allocated bytes as du counts them, apparent bytes) of regular files,
    leaving out files named in exclude and top-level directories in exclude_dirs."""
    alloc = apparent = 0
    for root, dirs, files in os.walk(path):
        if root == path:
            dirs[:] = [d for d in dirs if d not in exclude_dirs]
        for name in files:
            if name in exclude:
                continue
            try:
                st = os.lstat(os.path.join(root, name))
            except FileNotFoundError:
                continue
            alloc += st.st_blocks * 512
            apparent += st.st_size
    return alloc, apparent


class Http:
    """A keep-alive HTTP client for one host:port."""

    def __init__(self, port, timeout=120):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, params=None, body=None, headers=None):
        """Returns (status, body bytes); (0, error text) when unreachable."""
        if params:
            path += "?" + urllib.parse.urlencode(params)
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                r = self.conn.getresponse()
                return r.status, r.read()
            except (ConnectionError, http.client.HTTPException, socket.timeout, OSError) as e:
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    return 0, str(e).encode()
        return 0, b""

    def get(self, path, params=None):
        return self.request("GET", path, params)

    def query(self, path, params):
        """A PromQL API call; returns (seconds, number of result series or None)."""
        t0 = time.perf_counter()
        status, body = self.request("GET", path, params)
        dt = time.perf_counter() - t0
        if status != 200:
            return dt, None
        try:
            data = json.loads(body)
            return dt, len(data["data"]["result"])
        except (ValueError, KeyError, TypeError):
            return dt, None

    def scalar(self, expr, at):
        """The value of a one-element instant query at `at` (s), or None."""
        status, body = self.get("/api/v1/query", {"query": expr, "time": f"{at:.3f}"})
        if status != 200:
            return None
        try:
            res = json.loads(body)["data"]["result"]
            return float(res[0]["value"][1]) if res else None
        except (ValueError, KeyError, TypeError, IndexError):
            return None


def wait_http_ok(client, path, timeout, proc=None):
    """Polls until GET path answers 200. Returns seconds waited, or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            return None
        status, _ = client.get(path)
        if status == 200:
            return time.monotonic() - t0
        time.sleep(0.05)
    return None
