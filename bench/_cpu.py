"""CPU-seconds of this process and its whole child tree, by what each process is.

    with CpuMeter(split_python=True) as meter:
        ... the work ...
    meter.seconds  # {"console": 12.1, "chromium renderer": 80.3, ...}

Every process under this one (the sandbox console, Playwright's node driver, Chromium's
browser, renderers and helpers, chromedriver) is read from /proc through psutil every
0.2 s; a process that ends between two reads loses at most 0.2 s of its CPU. This
process's own CPU is split by a py-spy sampler (100 samples/s, idle threads left out)
into Teller's store, gate, logging and evidence, the rest of Teller (runner, flow, bot,
pages), Playwright's Python client with its event loop, and this harness.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from types import TracebackType

import psutil

__all__ = ["CpuMeter", "PROCESS_KINDS", "PYTHON_KINDS"]

PROCESS_KINDS = (
    "console",
    "chromium renderer",
    "chromium browser",
    "chromium gpu",
    "chromium network",
    "chromium other",
    "chromedriver",
    "playwright driver",
    "python",
)
PYTHON_KINDS = (
    "teller store",
    "teller gate",
    "teller logging",
    "teller evidence",
    "teller other",
    "playwright client",
    "harness",
)
# innermost frame first: the first rule a frame's file matches names the sample
_PYTHON_RULES = (
    ("loguru", "teller logging"),
    ("teller/logs", "teller logging"),
    ("sqlalchemy", "teller store"),
    ("sqlite3", "teller store"),
    ("psycopg", "teller store"),
    ("teller/store", "teller store"),
    ("teller/gate", "teller gate"),
    ("teller/evidence", "teller evidence"),
    ("playwright/", "playwright client"),
    ("selenium/", "playwright client"),
    ("robot/", "playwright client"),
    ("RPA/", "playwright client"),
    ("bench/", "harness"),
    ("psutil", "harness"),
    ("teller/", "teller other"),
    ("flows/", "teller other"),
    ("bots/", "teller other"),
    ("reports/", "teller other"),
    ("openpyxl", "teller other"),
    ("asyncio/", "playwright client"),
    ("selectors.py", "playwright client"),
)


def _kind(process: psutil.Process) -> str:
    try:
        command = " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "gone"
    if "consoles." in command or "consoles/" in command:
        return "console"
    if "chromedriver" in command:
        return "chromedriver"
    if "playwright" in command and ("node" in command or "run-driver" in command):
        return "playwright driver"
    if "chrom" in command or "headless_shell" in command:
        if "--type=renderer" in command:
            return "chromium renderer"
        if "--type=gpu-process" in command:
            return "chromium gpu"
        if "network.mojom" in command:
            return "chromium network"
        if "--type=" in command:
            return "chromium other"
        return "chromium browser"
    if "py-spy" in command:
        return "meter"
    return "other"


class CpuMeter:
    """CPU-seconds by process kind over a ``with`` block (see the module's docstring)."""

    def __init__(self, *, split_python: bool = True, interval: float = 0.2) -> None:
        self.interval = interval
        self.split_python = split_python and Path(_py_spy()).exists()
        self.seconds: dict[str, float] = {}
        self._first: dict[tuple[int, float], float] = {}
        self._last: dict[tuple[int, float], tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._spy: subprocess.Popen[bytes] | None = None
        self._spy_out = Path(tempfile.mkdtemp()) / "samples.txt"
        self._me = psutil.Process()

    def __enter__(self) -> CpuMeter:
        self._own_start = self._own_cpu()
        self._read()  # what already runs (a console started before) counts from now
        for key, (_, cpu) in self._last.items():
            self._first[key] = cpu
        self._thread.start()
        if self.split_python:
            self._spy = subprocess.Popen(
                [_py_spy(), "record", "--pid", str(os.getpid()), "--rate", "100"]
                + ["--format", "raw", "--nonblocking", "--output", str(self._spy_out)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        own = self._own_cpu() - self._own_start
        self._stop.set()
        self._thread.join()
        self._read()
        totals: Counter[str] = Counter()
        for key, (what, cpu) in self._last.items():
            totals[what] += cpu - self._first.get(key, 0.0)
        totals["python"] = own
        self.seconds = {k: round(v, 3) for k, v in totals.items() if k not in ("gone", "meter")}
        if self._spy is not None:
            self._spy.send_signal(signal.SIGINT)
            self._spy.wait(timeout=60)
            self.seconds.update(_split(self._spy_out, own))

    def _own_cpu(self) -> float:
        times = self._me.cpu_times()
        return times.user + times.system

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            self._read()

    def _read(self) -> None:
        for process in self._me.children(recursive=True):
            try:
                key = (process.pid, process.create_time())
                times = process.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            what = self._last[key][0] if key in self._last else _kind(process)
            self._last[key] = (what, times.user + times.system)


def _py_spy() -> str:
    return str(Path(sys.executable).with_name("py-spy"))


def _split(samples: Path, own_cpu: float) -> dict[str, float]:
    """Share this process's CPU among PYTHON_KINDS by py-spy's non-idle samples."""
    counts: Counter[str] = Counter()
    if samples.exists():
        for line in samples.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                counts[_python_kind(stack)] += int(count)
    total = sum(counts.values())
    if not total:
        return {}
    return {f"python: {k}": round(own_cpu * counts[k] / total, 3) for k in PYTHON_KINDS}


def _python_kind(stack: str) -> str:
    for frame in reversed(stack.split(";")):
        for needle, kind in _PYTHON_RULES:
            if needle in frame:
                return kind
    return "harness"
