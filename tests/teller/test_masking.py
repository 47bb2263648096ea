"""Account, card and ID numbers never reach a log whole; secrets never at all.

One rule masks everywhere (logs, saved HTML, trace entries, errors), so each form a long
number can take is tried through each place: an 18-character ID ending in X or x, digits
split by spaces or dashes, fullwidth digits, and numbers inside URL-encoded text.
"""

from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from loguru import logger
from playwright.async_api import async_playwright

from teller import InputError, mask_account, mask_text
from teller._masking import mask_bytes
from teller.browser import launch, new_context, save_evidence
from teller.evidence import scrub_zip
from teller.logs import configure, register_secret
from teller.payroll._files import Problems

ID_X = "11010519491231002X"
ACCOUNT = "6222021234567890123"
FULLWIDTH = ACCOUNT.translate(str.maketrans("0123456789", "０１２３４５６７８９"))

# (how it is written, the digits that must not survive whole, what is kept)
FORMS = {
    "id ending in X": (f"id {ID_X} ok", "1231002", "****002X"),
    "id ending in x": (f"id {ID_X.lower()}.", "1231002", "****002x"),
    "id glued to Chinese": (f"身份证{ID_X}号", "1231002", "****002X"),
    "account glued to Chinese": (f"账号{ACCOUNT}元", "4567890", "****0123"),
    "spaces": ("card 6222 0212 3456 7890 ok", "0212 3456", "****7890"),
    "dashes": ("card 6222-0212-3456-7890 ok", "0212-3456", "****7890"),
    "id in groups": ("id 110105 19491231 002X", "19491231", "****002X"),
    "fullwidth": (f"全角 {FULLWIDTH} end", FULLWIDTH[4:12], "****０１２３"),
    "URL-encoded after =": (f"q=%3D{ID_X}&x=1", "1231002", "****002X"),
    "form body with +": ("memo=6222+0212+3456+7890&x=1", "0212+3456", "****7890"),
    "URL-encoded fullwidth": (
        f"q={quote(FULLWIDTH)}&",
        quote(FULLWIDTH[4:12]),
        "****" + quote("０１２３"),
    ),
    "URL-encoded id": (f"id={quote_plus('身份证 ' + ID_X)}", "1231002", "****002X"),
}


@pytest.mark.parametrize("form", FORMS)
def test_mask_text_masks_every_form_of_a_long_number(form: str) -> None:
    text, inner, kept = FORMS[form]
    masked = mask_text(text)
    assert inner not in masked and kept in masked, masked


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
@pytest.mark.parametrize("form", FORMS)
def test_mask_bytes_masks_every_form_in_any_encoding(form: str, encoding: str) -> None:
    text, inner, kept = FORMS[form]
    masked = mask_bytes(text.encode(encoding), min_digits=15).decode(encoding)
    assert inner not in masked and kept in masked, masked


def test_mask_account_keeps_last_four() -> None:
    assert mask_account("6222 0212 3456 7890") == "****7890"
    assert mask_account("12") == "****"
    assert mask_account(None) == ""


def test_mask_text_masks_long_numbers_and_ids_but_not_amounts() -> None:
    text = "pay 6222021234567890123 id 11010519491231002X amount 50000.00 ref PAY-1:E00042"
    assert mask_text(text) == "pay ****0123 id ****002X amount 50000.00 ref PAY-1:E00042"


def test_references_dates_and_hashes_are_left_alone() -> None:
    text = "ref PAY-20261128-0004:E1 on 2026-11-28 sha 3f2a6222021234567890123 amount 1,234.56"
    assert mask_text(text) == text


def test_a_short_all_digit_secret_is_starred_out_whole() -> None:
    # a PIN's last four would be most of it
    assert mask_text("pin 123456 ok", secrets=("123456",)) == "pin ****** ok"
    assert mask_bytes(b"pin=123456&", secrets=("123456",)) == b"pin=******&"


def test_logs_are_masked_before_any_sink(capsys) -> None:  # type: ignore[no-untyped-def]
    configure(level="INFO")
    register_secret("corebank-demo-pass")
    logger.info("login with corebank-demo-pass to pay 6222021234567890123")
    for form in FORMS.values():
        logger.info("seen {}", form[0])
    err = capsys.readouterr().err
    assert "corebank-demo-pass" not in err and "6222021234567890123" not in err
    assert "****0123" in err
    for form, (_, inner, _kept) in FORMS.items():
        assert inner not in err, form


def test_an_exception_logged_is_masked_too(capsys) -> None:  # type: ignore[no-untyped-def]
    configure(level="INFO")
    try:
        raise ValueError(f"account {ACCOUNT} refused, id {ID_X}")
    except ValueError:
        logger.exception("firing failed")
    err = capsys.readouterr().err
    assert "firing failed" in err and "ValueError: account ****0123 refused" in err
    assert "Traceback" in err and ACCOUNT not in err and ID_X not in err


def test_the_trace_scrubber_masks_every_form(tmp_path: Path) -> None:
    path = tmp_path / "trace.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for n, (text, _, _) in enumerate(FORMS.values()):
            archive.writestr(f"resources/{n}.utf8", text.encode("utf-8"))
            archive.writestr(f"resources/{n}.gbk", text.encode("gbk"))
    scrub_zip(path, ())
    with zipfile.ZipFile(path) as archive:
        for n, (form, (_, inner, kept)) in enumerate(FORMS.items()):
            for suffix, encoding in (("utf8", "utf-8"), ("gbk", "gbk")):
                entry = archive.read(f"resources/{n}.{suffix}").decode(encoding)
                assert inner not in entry and kept in entry, (form, encoding, entry)


def test_input_problems_are_masked() -> None:
    problems = Problems("pay.xlsx")
    for text, _, _ in FORMS.values():
        problems.add("Payroll", 2, "Memo", "a memo", text)
    message = str(InputError(problems.items))
    for form, (_, inner, _kept) in FORMS.items():
        assert inner not in message, form


@pytest.mark.e2e
def test_saved_html_is_masked_in_every_form(tmp_path: Path) -> None:
    body = "".join(f"<p>{text}</p>" for text, _, _ in FORMS.values())
    body += f'<input name="id" value="{ID_X}"><iframe name="../{ID_X}" srcdoc="<b>{ID_X.lower()}</b>"></iframe>'

    async def save() -> list[Path]:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                page = await (await new_context(browser)).new_page()
                await page.set_content(f"<!doctype html><html><body>{body}</body></html>")
                return await save_evidence(page, tmp_path, "page0")
            finally:
                await browser.close()

    saved = [p for p in asyncio.run(save()) if p.suffix == ".html"]
    assert len(saved) == 2  # the page and its frame
    html = "".join(p.read_text(encoding="utf-8") for p in saved)
    for form, (_, inner, _kept) in FORMS.items():
        assert inner not in html, form
    assert "1231002" not in html
    # the page named its frame: the file name is masked and stays in the folder
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "page0.frame1-xxxx002X.html",
        "page0.png",
        "page0.top.html",
    ]
