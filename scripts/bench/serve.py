"""Serving and loading: gunicorn for the portal and for the ceiling page, wrk against them,
and the CPU each side spent (the workers' from /proc, PostgreSQL's from pg_stat_statements or
from /proc of its server processes)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[2]
TICK = os.sysconf("SC_CLK_TCK")
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local non2xx = 0
  for _, t in ipairs(threads) do non2xx = non2xx + t:get("bad") end
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    summary.bytes, non2xx, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    def cpu_seconds(self) -> float:
        """CPU time of the gunicorn master and all its workers so far."""
        return sum(_cpu(pid) for pid in [self.process.pid, *_children(self.process.pid)])


def settle(*servers: Server | None, quiet: float = 0.2, longest: float = 60.0) -> None:
    """Wait until ``servers`` have finished what an earlier run left queued (their CPU time
    stands still for ``quiet`` seconds): wrk stops waiting at the end of its run, but the
    workers still answer every request it sent, and a slow page's queue would otherwise be
    timed as the next run's waiting."""
    watched = [s for s in servers if s is not None]
    deadline = time.monotonic() + longest
    last = sum(s.cpu_seconds() for s in watched)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = sum(s.cpu_seconds() for s in watched)
        if now - last < 2 / TICK:
            return
        last = now


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(FileNotFoundError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL server process on this machine (0 if none is visible)."""
    total = 0.0
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() in ("postgres", "postmaster"):
                total += _cpu(int(comm.parent.name))
    return total


@contextlib.contextmanager
def gunicorn(
    app: str, port: int, env: dict, workers: int, cwd: Path, log: Path
) -> Iterator[Server]:
    """``gunicorn app`` on 127.0.0.1:``port`` with ``workers`` sync workers, for the block."""
    command = [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    if (cwd / "gunicorn.conf.py").exists():
        command += ["-c", str(cwd / "gunicorn.conf.py")]
    with open(log, "a") as output:
        process = subprocess.Popen(
            [*command, app], env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        _wait_for(server, log)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
        if process.poll() is None:
            process.kill()


def _wait_for(server: Server, log: Path) -> None:
    for _ in range(300):
        if server.process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start-up; see {log}")
        try:
            with urlopen(server.url + "/", timeout=60):
                return
        except HTTPError:  # it answered, if not with 200
            return
        except OSError:  # not listening yet, or still starting
            time.sleep(0.2)
    raise SystemExit(f"{server.url} did not start; see {log}")


@dataclass
class Load:
    requests: int
    seconds: float
    wire_bytes: int
    non2xx: int
    socket_errors: int
    p50_ms: float
    p95_ms: float
    cpu_s: float
    db_s: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def wrk(
    server: Server,
    path: str,
    headers: dict,
    seconds: float,
    threads: int,
    connections: int,
    database_time=None,
) -> Load:
    """Run wrk against ``server`` for ``seconds``; the CPU the server (and, given
    ``database_time``, the database) spent meanwhile."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        script.name,
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    cpu_before = server.cpu_seconds()
    db_before = database_time() if database_time else 0.0
    try:
        done = subprocess.run([*command, server.url + path], capture_output=True, text=True)
    finally:
        os.unlink(script.name)
    cpu = server.cpu_seconds() - cpu_before
    db_s = (database_time() - db_before) if database_time else 0.0
    found = re.search(r"^BENCH (.*)$", done.stdout, re.M)
    if not found:
        raise SystemExit(f"wrk failed: {done.stderr or done.stdout}")
    requests, duration, wire, non2xx, errors, p50, p95 = (int(v) for v in found[1].split())
    return Load(requests, duration / 1e6, wire, non2xx, errors, p50 / 1000, p95 / 1000, cpu, db_s)
