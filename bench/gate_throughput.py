"""Gate decisions per second, every rule on, against a year of payroll history.

    .venv/bin/python bench/gate_throughput.py [--lines 100000] [--employees 8000] [--watchlist 1000]

The history is ``--employees`` employees paid monthly for 12 months (Luhn-valid 16- and
19-digit accounts, salaries that vary by a few percent month to month, 1% executives
paid above the auto-approval limit). The lines to decide are the following months'
payroll of the same employees, one line per employee per month, as one batch, with
some trouble mixed in: new accounts, amounts far from the usual, mistyped account
numbers, watchlisted names, duplicated lines. The policy is ``policies/payroll.toml``
with its watchlist replaced by a generated one of ``--watchlist`` entries (Chinese
names, pinyin names and accounts). Building the history, building the gate (reading
the watchlist) and deciding are timed apart; one JSON line is printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from teller.gate import Gate, GateLine, History, PaidLine, load_policy  # noqa: E402

CENT = Decimal("0.01")
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力鹏飞宇浩然涵欣怡轩佳琪俊晨雨思远"
_PINYIN_SURNAMES = ("WANG", "LI", "ZHANG", "LIU", "CHEN", "YANG", "HUANG", "ZHAO", "WU", "ZHOU")
_SYLLABLES = (
    "wei", "fang", "na", "min", "jing", "qiang", "lei", "jun", "yang", "yong", "jie",
    "tao", "ming", "chao", "xia", "ping", "gang", "hua", "hong", "jian", "guo", "hui",
)  # fmt: skip
_BANKS = (("622202", 19), ("621700", 19), ("622848", 19), ("622588", 16))


def luhn_digit(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str(-total % 10)


def account(rng: random.Random) -> str:
    prefix, length = rng.choice(_BANKS)
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return body + luhn_digit(body)


def chinese_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def pinyin_name(rng: random.Random) -> str:
    given = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2))))
    return f"{rng.choice(_PINYIN_SURNAMES)} {given.capitalize()}"


def month(start: date, offset: int) -> date:
    index = start.month - 1 + offset
    return date(start.year + index // 12, index % 12 + 1, 25)


def about(rng: random.Random, base: Decimal, spread: float = 0.04) -> Decimal:
    return (base * Decimal(str(1 + rng.uniform(-spread, spread)))).quantize(CENT)


def employees(rng: random.Random, count: int) -> list[tuple[str, str, str, Decimal]]:
    people = []
    for n in range(count):
        executive = rng.random() < 0.01
        base = Decimal(rng.randint(60000, 260000) if executive else rng.randint(4000, 30000))
        name = pinyin_name(rng) if rng.random() < 0.1 else chinese_name(rng)
        people.append((f"E{n:05d}", name, account(rng), base))
    return people


def history(rng: random.Random, people: list[tuple[str, str, str, Decimal]]) -> list[PaidLine]:
    first = date(2025, 12, 25)
    return [
        PaidLine(
            f"PAY-{month(first, m):%Y%m}:{party}", party, acct, about(rng, base), month(first, m)
        )
        for m in range(12)
        for party, _, acct, base in people
    ]


def watchlist(rng: random.Random, folder: Path, size: int) -> tuple[Path, list[str]]:
    # listed people have longer names than the employees (four characters, three syllables),
    # so hits are the planted ones plus the near misses fuzzy matching finds
    names = []
    for n in range(size * 9 // 10):
        if n % 2:
            names.append(rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(3)))
        else:
            given = "".join(rng.choice(_SYLLABLES) for _ in range(3))
            names.append(f"{rng.choice(_PINYIN_SURNAMES)} {given.capitalize()}")
    path = folder / "watchlist.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(("name", "account", "note"))
        out.writerows((name, "", "generated") for name in names)
        out.writerows(("", account(rng), "generated") for _ in range(size - len(names)))
    return path, names


def batch(
    rng: random.Random, people: list[tuple[str, str, str, Decimal]], listed: list[str], size: int
) -> list[GateLine]:
    lines: list[GateLine] = []
    for n in range(size):
        party, name, acct, base = people[n % len(people)]
        day = month(date(2026, 12, 25), n // len(people))
        amount = about(rng, base)
        trouble = rng.random()
        if trouble < 0.01:
            acct = account(rng)  # a new account
        elif trouble < 0.015:
            amount = (amount * 3).quantize(CENT)  # far from the usual
        elif trouble < 0.0155:
            acct = acct[:-1] + str((int(acct[-1]) + 1) % 10)  # mistyped
        elif trouble < 0.016:
            name = rng.choice(listed)  # on the watchlist
        elif trouble < 0.017 and lines:
            prior = lines[-1]
            party, name, acct, amount, day = (
                prior.party,
                prior.name,
                prior.account,
                prior.amount,
                prior.day,
            )
        lines.append(GateLine(f"PAY-{day:%Y%m}:{party}:{n}", amount, party, acct, name, day))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--employees", type=int, default=8_000)
    parser.add_argument("--watchlist", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    people = employees(rng, args.employees)
    paid = history(rng, people)
    with tempfile.TemporaryDirectory() as folder:
        listed_file, listed = watchlist(rng, Path(folder), args.watchlist)
        lines = batch(rng, people, listed, args.lines)
        shipped = load_policy(ROOT / "policies" / "payroll.toml")
        assert shipped.watchlist is not None
        policy = shipped.model_copy(
            update={"watchlist": shipped.watchlist.model_copy(update={"file": listed_file})}
        )

        started = time.perf_counter()
        known = History(paid)
        history_s = time.perf_counter() - started
        started = time.perf_counter()
        gate = Gate(policy, history=known)
        gate_s = time.perf_counter() - started
        started = time.perf_counter()
        decisions = gate.decide(lines)
        decide_s = time.perf_counter() - started

    outcomes = Counter(d.outcome for d in decisions)
    rules = Counter(r.rule for d in decisions for r in d.rules)
    figures = {
        "lines": len(lines),
        "history_lines": len(known),
        "employees": len(people),
        "watchlist_entries": args.watchlist,
        "history_build_s": round(history_s, 3),
        "gate_build_s": round(gate_s, 3),
        "decide_s": round(decide_s, 3),
        "decisions_per_s": round(len(lines) / decide_s),
        "us_per_decision": round(decide_s / len(lines) * 1e6, 1),
        "outcomes": dict(sorted(outcomes.items())),
        "automated_pct": round(100 * outcomes["auto_approved"] / len(lines), 2),
        "two_approvers": sum(d.approvers_needed == 2 for d in decisions),
        "rules_fired": dict(rules.most_common()),
    }
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
