"""Console maps of single-page apps read and checked: requests, answer rules, drafts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from teller import ConfigError
from teller.consolemap import MapBot, payments_of
from teller.consolemap._spa_model import url_pattern
from teller.locators import LocatorRepository

SPAPAY = Path(__file__).resolve().parents[2] / "selectors" / "spapay.yaml"


def _map(tmp_path: Path, change: dict[str, Any]) -> LocatorRepository:
    data = yaml.safe_load(SPAPAY.read_text(encoding="utf-8"))
    for where, value in change.items():
        *path, last = where.split("/")
        node = data
        for part in path:
            node = node[int(part) if part.isdigit() else part]
        node[int(last) if last.isdigit() else last] = value
    path = tmp_path / "console.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return LocatorRepository.load(path)


def test_spapay_is_mapped_whole() -> None:
    payments = payments_of(LocatorRepository.load(SPAPAY))
    transfer, inquiry = payments.transfer, payments.inquiry
    assert (transfer.load, transfer.idle_ms, payments.sign_in.load) == (False, 250, False)
    assert transfer.draft is not None and transfer.draft.button == "save_draft"
    assert transfer.request is not None and transfer.request.answer[0].means == "done"
    assert transfer.request.answer[0].body == {"status": "posted"}
    assert inquiry.posted == "Posted" and inquiry.drafts is not None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"payments/transfer/request": None}, "give the submit's 'request'"),
        ({"payments/transfer/request/answer/0/receipt": None}, "'done' needs one"),
        ({"payments/transfer/draft/request/answer": [{"means": "reused"}]}, "'means: done'"),
        ({"payments/transfer/draft/request/answer": []}, "'holds' reads the JSON answer"),
        ({"payments/transfer/draft/button": "nothing"}, "payments name payment.nothing"),
        ({"payments/inquiry/drafts/discard": "nothing"}, "payments name payments.nothing"),
        ({"payments/transfer/request/answer/0/means": "paid"}, "means"),
        ({"payments/transfer/idle_ms": 0}, "idle_ms"),
        ({"payments/inquiry/columns": {"reference": "col_reference"}}, "a 'status' column"),
        ({"payments/transfer/confirm": {"button": "submit"}}, "can only be a dialog"),
    ],
)
def test_a_bad_spa_map_names_the_field(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        MapBot(None, base_url="http://x", locators=_map(tmp_path, change))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("glob", "url", "fits"),
    [
        ("**/api/drafts", "http://127.0.0.1:8606/api/drafts", True),
        ("**/api/drafts", "http://127.0.0.1:8606/api/drafts/discard", False),
        ("**/api/drafts/*/submit", "http://127.0.0.1:8606/api/drafts/12/submit", True),
        ("**/api/drafts/*/submit", "http://127.0.0.1:8606/api/drafts/1/2/submit", False),
        ("**/api/drafts/*/submit", "http://127.0.0.1:8606/api/drafts/12/submit?x=1", False),
        ("**/a.b", "http://h/aXb", False),
    ],
)
def test_a_request_glob_matches_the_whole_url(glob: str, url: str, fits: bool) -> None:
    assert bool(url_pattern(glob).fullmatch(url)) is fits
