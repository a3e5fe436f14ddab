"""End-to-end journeys through the workbench in a real browser (Debian's chromium, driven by
Playwright; no browser is downloaded). Skipped only when chromium is absent outside CI; in CI
(CI=true) a missing browser fails. EARL_SCREENSHOTS=DIR keeps a screenshot of each page there
(docs/screenshots/ holds the README's)."""
import datetime
import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from earl.commands.groups import members_on

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def base_url(workbench):
    import uvicorn
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(workbench, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the workbench did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def shot(page, name):
    folder = os.environ.get("EARL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def test_fill_the_form_and_ask(page, base_url):
    # a 3A090.a chip (TPP 4800, 774 supp. 1) to a UVEU data center in China, company in the UK:
    # 748.15(b)(2)(i) keeps UVEU data centers out of "Macau or destinations specified in Country Group D:5"
    page.goto(base_url + "/")
    page.select_option("[id='f.item.kind']", "ic")
    page.fill("[id='f.item.tpp']", "4800")
    page.fill("[id='f.item.performance_density']", "6")
    page.fill("[id='f.destination']", "China (CN)")
    page.fill("[id='f.end_user.hq']", "United Kingdom (GB)")
    page.select_option("[id='f.end_user.veu']", "uveu")
    shot(page, "ask")
    page.click("#ask-button")
    page.wait_for_selector("table.outcomes")
    assert "under the reading regulation" in page.inner_text("h1")
    body = page.inner_text("main")
    assert "it requires the data center is outside Macau and D:5 — not so here" in body
    assert "15 CFR 748.15(b)(2)(i)" in body
    shot(page, "answer")


def test_a_wrong_value_is_shown_on_the_form(page, base_url):
    page.goto(base_url + "/")
    page.fill("[id='f.item.tpp']", "a lot")
    page.click("#ask-button")
    assert "$.item.tpp: expected a number" in page.inner_text("#form-error")
    assert page.input_value("[id='f.item.tpp']") == "a lot"


def test_compare_readings(page, base_url):
    # Armenia is in D:1 only: LPP is barred there by 740.2(a)(9)(ii) read literally, kept under
    # the reading lpp_survives_d1_d4 (secondary sources)
    tx = {"item": {"kind": "ic", "tpp": 4800, "performance_density": 6},
          "destination": "AM", "end_user": {"hq": "AM"}}
    page.goto(base_url + "/")
    page.fill("#json", json.dumps(tx))
    page.click("#json-button")
    page.wait_for_selector("table.outcomes")
    assert "exceptions" in page.inner_text("#reading-flag")
    page.click("#reading-flag >> text=compare them side by side")
    page.wait_for_selector("table.readings")
    assert "exceptions" in page.inner_text("#dependent")
    row = page.locator("tr.dependent").first.inner_text()
    assert "reading-dependent" in row and "{LPP}" in row
    shot(page, "readings")


def test_what_would_change_it(page, base_url):
    tx = {"item": {"kind": "ic", "tpp": 4800, "performance_density": 6},
          "destination": "CN", "end_user": {"hq": "CN"}}
    page.goto(base_url + "/whatif?" + urlencode({"tx": json.dumps(tx)}))
    page.fill("#condition", '"LPP" in exceptions')
    page.click("#whatif-button")
    page.wait_for_selector("table.changes")
    # 740.2(a)(9)(ii) bars LPP for D:5 destinations and D:5-headquartered entities: both move
    assert "holds if 2 facts change" in page.inner_text("#result")
    shot(page, "whatif")
    page.click("#open-new")
    page.wait_for_selector("table.outcomes")
    assert "LPP" in page.inner_text("table.outcomes")


def test_find_opens_in_the_ask_form(page, base_url, shipped_spec):
    page.goto(base_url + "/find")
    page.fill("#condition", '"AIA" in exceptions and end_user.ultimate_parent_hq in D5_OR_MACAU')
    page.click("#find-button")
    page.wait_for_selector("#open-in-ask")
    shot(page, "find")
    page.click("#open-in-ask")
    page.wait_for_selector("#ask-form")
    # the witness's parent is headquartered in D:5 or Macau: the form shows it by name and code
    parent = page.input_value("[id='f.end_user.ultimate_parent_hq']")
    day = datetime.date.fromisoformat(page.input_value("[id='f.date']") or "2025-05-15")
    assert parent[-3:-1] in members_on(shipped_spec, day)["D5_OR_MACAU"]


def test_find_a_proof(page, base_url):
    page.goto(base_url + "/find")
    page.fill("#condition", "end_user.hq in D5_OR_MACAU and exceptions != {}")
    page.click("#find-button")
    assert "proved" in page.inner_text("#result")
    assert "15 CFR 740.2(a)(9)(ii)" in page.inner_text("main")


def test_dates_and_groups(page, base_url):
    # Cambodia left D:5 on Nov. 7, 2025 (State's removal from 22 CFR 126.1, which the note to
    # D:5 makes immediate: FACTS.md D5-hist); its tier and licensing policy move then
    tx = {"item": {"kind": "ic", "tpp": 4800, "performance_density": 6},
          "destination": "KH", "end_user": {"hq": "KH"}}
    page.goto(base_url + "/")
    page.fill("#json", json.dumps(tx))
    page.click("#json-button")
    page.click("nav.tx >> text=Dates")
    page.wait_for_selector("#timeline-date")
    assert "2025-11-07" in page.inner_text("#timeline-date")
    shot(page, "dates")
    page.goto(base_url + "/groups?country=Cambodia&date=2025-05-15")
    assert "until 2025-11-07" in page.inner_text("#periods")
    shot(page, "groups")


def test_print_view_of_the_memo(page, base_url):
    tx = {"item": {"kind": "ic", "tpp": 4800, "performance_density": 6}, "destination": "AM",
          "end_user": {"hq": "AM"}}
    page.goto(base_url + "/")
    page.fill("#json", json.dumps(tx))
    page.click("#json-button")
    page.click("nav.tx >> text=Memo")
    page.wait_for_selector("article.memo")
    page.emulate_media(media="print")
    assert not page.is_visible("nav.top")
    text = page.inner_text("article.memo")
    assert "1. The question" in text and "What earl does not cover" in text
    assert "Does it depend on the reading?" in text and "lpp_survives_d1_d4" in text
    assert page.pdf()[:4] == b"%PDF"
    shot(page, "memo")


def test_the_rule(page, base_url):
    page.goto(base_url + "/rule#lpp")
    section = page.inner_text("section#lpp")
    assert "15 CFR 740.29(a)" in section and "Examples firing it" in section
    shot(page, "rule")
