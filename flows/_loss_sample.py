"""Sandbox data for account-loss handling: customers, cards and a queue of loss tickets.

``seed_consoles`` makes the same world exist on the three sandbox consoles (cif,
cardadmin, servicedesk) through their admin endpoints, with a mix of cases a real queue
has: clean reports, identity mismatches, cards a clerk already froze, an unknown card,
an account freeze, new cards wanted, and a request to unfreeze. ``Scenario.expected``
says how each ticket should end, for tests and the demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from stdnum.cn import ric

from teller import ConsoleError

__all__ = ["Scenario", "scenario", "seed_consoles"]

SURNAMES = "王李張劉陳楊黃趙吳周徐孫馬朱胡郭何高林羅"
GIVEN = "偉芳娜秀英敏靜麗強磊軍洋勇艷杰娟濤明超蘭霞平剛桂"
CHANNELS = ("phone", "branch", "app", "web")
REGIONS = ("110105", "310104", "110101", "310101")  # known to stdnum's birth-place table


@dataclass
class Scenario:
    """The customers, cards and tickets of one sandbox world, and how each ticket should end."""

    customers: list[dict[str, Any]] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)
    accounts: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    # ticket id -> "closed" | "handed_over" | "needs_approval"
    expected: dict[str, str] = field(default_factory=dict)
    # ticket id -> why it is special ("name mismatch", "frozen before", ...), for test messages
    case: dict[str, str] = field(default_factory=dict)


def _id_number(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 50 * 365))
    body = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def _bad_check_digit(number: str) -> str:
    good = number[-1]
    return number[:-1] + ("1" if good != "1" else "2")


def _luhn(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return body + str((10 - total % 10) % 10)


def scenario(
    tickets: int = 50, *, seed: int = 0, day: date | None = None, tag: str | None = None
) -> Scenario:
    """A world with ``tickets`` tickets; every special case appears once the queue has 12.

    Ticket ids are ``LR-<day>-<tag><n>``; ``tag`` (default: the seed) keeps the tickets of
    several worlds seeded on one day apart. Numbers use ``seed`` modulo 100.
    """
    rng = random.Random(seed)
    stamp = f"{day or date.today():%Y%m%d}-{tag if tag is not None else f'{seed:02d}'}"
    seed %= 100
    world = Scenario()
    special = _cases(tickets)
    for n in range(1, tickets + 1):
        ticket_id = f"LR-{stamp}{n:04d}"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        customer_no = f"C{seed:02d}{n:06d}"
        id_number = _id_number(rng)
        account_no = _luhn(f"621700{seed:02d}{n:08d}{rng.randrange(10)}")
        card_no = _luhn(f"622202{seed:02d}{n:07d}")
        case = special.get(n, "clean")
        card_status = "frozen_lost" if case in ("frozen before", "unfreeze") else "active"
        world.customers.append(
            {
                "customer_no": customer_no,
                "id_number": id_number,
                "name": name,
                "phone": f"138{rng.randrange(10**8):08d}",
                "accounts": [{"account_no": account_no}],
                "cards": []
                if case == "unknown card"
                else [{"card_no": card_no, "account_no": account_no}],
            }
        )
        world.accounts.append({"account_no": account_no, "holder": name})
        if case != "unknown card":
            card: dict[str, Any] = {
                "card_no": card_no,
                "account_no": account_no,
                "holder": name,
                "status": card_status,
            }
            if card_status == "frozen_lost":
                earlier = datetime.now() - timedelta(hours=2)
                card["frozen_at"] = f"{earlier:%Y-%m-%d %H:%M:%S}"
            world.cards.append(card)
        ticket = {
            "ticket_id": ticket_id,
            "kind": "unfreeze" if case == "unfreeze" else "loss",
            "channel": CHANNELS[n % len(CHANNELS)],
            "customer_name": name,
            "id_number": id_number,
            "card_no": card_no,
            "freeze_account": case == "account freeze",
            "replacement": case != "unfreeze" and n % 2 == 0,
        }
        if case == "name mismatch":
            ticket["customer_name"] = name[0] + rng.choice(GIVEN.replace(name[1], ""))
        elif case == "bad check digit":
            ticket["id_number"] = _bad_check_digit(id_number)
        elif case == "someone else's card":
            ticket["card_no"] = _luhn(f"622202{seed:02d}{(n % tickets) + 1:07d}")
        world.tickets.append(ticket)
        world.case[ticket_id] = case
        world.expected[ticket_id] = _ending(case)
    return world


def _cases(tickets: int) -> dict[int, str]:
    """Which ticket numbers are special: spread through the queue, not bunched at its start."""
    kinds = [
        "name mismatch",
        "frozen before",
        "bad check digit",
        "account freeze",
        "unknown card",
        "frozen before",
        "someone else's card",
        "name mismatch",
        "unfreeze",
        "frozen before",
    ]
    step = max(1, tickets // (len(kinds) + 1))
    return {step * (i + 1): kind for i, kind in enumerate(kinds) if step * (i + 1) <= tickets}


def _ending(case: str) -> str:
    if case in ("name mismatch", "bad check digit", "unknown card", "someone else's card"):
        return "handed_over"
    if case == "unfreeze":
        return "needs_approval"
    return "closed"


def seed_consoles(world: Scenario, urls: dict[str, str], *, timeout: float = 30.0) -> None:
    """Make the world exist on the consoles at ``urls`` (keys: cif, cardadmin, servicedesk)."""
    _post(urls["cif"], "customers", {"customers": world.customers}, timeout)
    _post(urls["cardadmin"], "cards", {"cards": world.cards, "accounts": world.accounts}, timeout)
    _post(urls["servicedesk"], "tickets", {"tickets": world.tickets}, timeout)


def _post(base_url: str, path: str, body: dict[str, Any], timeout: float) -> None:
    url = f"{base_url.rstrip('/')}/admin/{path}"
    try:
        response = httpx.post(url, json=body, timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ConsoleError(base_url, f"admin/{path}", f"{type(exc).__name__}: {exc}") from exc
