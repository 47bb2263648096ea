"""Draw throughput against concurrency from bench/results/*.jsonl into bench/throughput.png.

    .venv/bin/python bench/plot.py [--markdown]

``--markdown`` also prints BENCHMARKS.md's tables from the same results.

One panel per console latency (0 and 150 ms): Teller and the HTTP floor by concurrency,
the sequential plain Playwright script and rpaframework's Selenium at concurrency 1.
The latest result of each client, concurrency and latency is drawn.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent
STYLE = {
    "httpx": ("HTTP floor (httpx)", "k", "--", "s"),
    "teller": ("Teller", "tab:blue", "-", "o"),
    "plain playwright": ("plain Playwright script", "tab:orange", "", "D"),
    "rpaframework selenium": ("rpaframework Selenium", "tab:green", "", "^"),
}


def rows(folder: Path) -> dict[tuple[str, int, int], dict[str, Any]]:
    """Each result by (client, latency, concurrency), the last line of each winning."""
    found: dict[tuple[str, int, int], dict[str, Any]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                found[(row["client"], row["latency_ms"], row["concurrency"])] = row
    return found


def latest(folder: Path) -> dict[tuple[str, int, int], float]:
    """items/s by (client, latency, concurrency)."""
    return {key: row["items_per_s"] for key, row in rows(folder).items()}


def markdown(found: dict[tuple[str, int, int], dict[str, Any]]) -> str:
    """The throughput table and the CPU table of BENCHMARKS.md."""
    out = [
        "| client | latency ms | concurrency | lines | seconds | transfers/s | CPU-s per transfer |"
    ]
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for (client, latency, concurrency), row in sorted(
        found.items(), key=lambda kv: (-kv[0][1], list(STYLE).index(kv[0][0]), kv[0][2])
    ):
        cpu = row.get("cpu_s_per_item", "")
        out.append(
            f"| {STYLE[client][0]} | {latency} | {concurrency} | {row['lines']} | "
            f"{row['seconds']} | {row['items_per_s']} | {cpu} |"
        )
    out += ["", _cpu_table(found)]
    return "\n".join(out)


def _cpu_table(found: dict[tuple[str, int, int], dict[str, Any]]) -> str:
    chosen = [(k, r) for k, r in sorted(found.items()) if "cpu" in r]
    kinds: list[str] = []
    for _, row in chosen:
        kinds += [k for k in row["cpu"] if k not in kinds]
    head = "| CPU-s per transfer | " + " | ".join(
        f"{STYLE[c][0]} {lat} ms c{n}" for (c, lat, n), _ in chosen
    )
    lines = [head + " |", "|---|" + "---:|" * len(chosen)]
    for kind in kinds:
        cells = " | ".join(str(r["cpu"].get(kind, "")) for _, r in chosen)
        lines.append(f"| {kind} | {cells} |")
    return "\n".join(lines)


def draw(results: dict[tuple[str, int, int], float], out: Path) -> None:
    latencies = sorted({latency for _, latency, _ in results})
    figure, axes = plt.subplots(1, len(latencies), figsize=(5.5 * len(latencies), 4.2))
    for axis, latency in zip(figure.axes, latencies, strict=True):
        for client, (label, colour, line, marker) in STYLE.items():
            points = sorted(
                (c, v) for (k, lat, c), v in results.items() if (k, lat) == (client, latency)
            )
            if points:
                xs, ys = zip(*points, strict=True)
                axis.plot(
                    xs, ys, linestyle=line or "none", marker=marker, color=colour, label=label
                )
        axis.set_title(f"console latency {latency} ms per request")
        axis.set_xscale("log", base=2)
        axis.set_xticks([1, 2, 4, 8], labels=["1", "2", "4", "8"])
        axis.set_yscale("log")
        axis.set_xlabel("concurrency (browser contexts / HTTP clients)")
        axis.set_ylabel("transfers per second (log)")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle("Payroll transfers on the sandbox corebank console, 2-core machine")
    figure.tight_layout()
    figure.savefig(out, dpi=110)


if __name__ == "__main__":
    draw(latest(HERE / "results"), HERE / "throughput.png")
    print(HERE / "throughput.png")
    if "--markdown" in sys.argv:
        print(markdown(rows(HERE / "results")))
