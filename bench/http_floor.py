"""The HTTP floor: the payroll transfers made by a plain HTTP client, no browser at all.

Each worker logs in once (login page for its anti-forgery token, then the form post) and,
per line, sends exactly what the browser sends for one transfer: GET the transfer form
(its input names are drawn per session, so they are read from the labels) and POST it;
the receipt's transaction number is read back. No bot that drives a browser can beat this.

    .venv/bin/python bench/http_floor.py --lines 1000 --concurrency 1 2 4 8 --latency-ms 0 150

The lines are a sample payroll batch of the same shape as the demo's (`flow.sample`);
lines above the gate's limit are left out, as Teller would hold them. Every measurement
checks the console's ledger: each line paid once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._lines import LABELS, check_ledger, payroll_lines  # noqa: E402
from tests._console_server import Server, start_corebank  # noqa: E402

_TOKEN = re.compile(r'name="_token" value="([^"]+)"')
_LABEL = re.compile(r'<label for="([^"]+)">([^<]+)</label>')
_INPUT = re.compile(r'<input type="text" id="([^"]+)" name="([^"]+)"')
_TXN = re.compile(r'<span id="txn-no">([^<]+)</span>')


async def _login(client: httpx.AsyncClient, server: Server) -> None:
    page = await client.get("/login")
    token = _TOKEN.search(page.text)
    assert token, "no token on the login page"
    answer = await client.post(
        "/login",
        data={"_token": token.group(1), "username": server.user, "password": server.password},
    )
    assert answer.status_code in (200, 303), answer.status_code


async def _transfer(client: httpx.AsyncClient, line: dict[str, Any]) -> str:
    form = (await client.get("/transfer")).text
    by_id = dict(_INPUT.findall(form))
    names = {label: by_id[input_id] for input_id, label in _LABEL.findall(form)}
    data = {names[LABELS[key]]: value for key, value in line.items()}
    data["_token"] = _TOKEN.search(form).group(1)  # type: ignore[union-attr]
    receipt = (await client.post("/transfer", data=data)).text
    found = _TXN.search(receipt)
    return found.group(1) if found else ""


async def _worker(server: Server, queue: asyncio.Queue[dict[str, Any]], paid: list[str]) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=30) as client:
        await _login(client, server)
        while not queue.empty():
            line = queue.get_nowait()
            txn = await _transfer(client, line)
            if txn:
                paid.append(txn)


async def _run(server: Server, lines: list[dict[str, Any]], concurrency: int) -> list[str]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for line in lines:
        queue.put_nowait(line)
    paid: list[str] = []
    await asyncio.gather(*(_worker(server, queue, paid) for _ in range(concurrency)))
    return paid


def measure(lines: int, concurrency: int, latency_ms: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with start_corebank(folder, latency_ms=latency_ms) as server:
            work = payroll_lines(folder, lines, server)
            started = time.perf_counter()
            paid = asyncio.run(_run(server, work, concurrency))
            seconds = time.perf_counter() - started
            check_ledger(server, [line["reference"] for line in work])
            assert len(paid) == len(work)
    return {
        "client": "httpx",
        "concurrency": concurrency,
        "latency_ms": latency_ms,
        "lines": len(work),
        "seconds": round(seconds, 2),
        "items_per_s": round(len(work) / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0, 150])
    args = parser.parse_args()
    for latency in args.latency_ms:
        for concurrency in args.concurrency:
            print(json.dumps(measure(args.lines, concurrency, latency)), flush=True)


if __name__ == "__main__":
    main()
