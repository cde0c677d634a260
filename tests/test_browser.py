"""End to end in Debian's Chromium, driven by Playwright: what a person sees and clicks."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from rag.ingestion import ingest
from rag.settings import Settings
from ui.server import serve

from .conftest import ROOT, SEEDS

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
LOCAL = {"127.0.0.1", "localhost", None}
SHOTS = ROOT / "tests" / "output" / "browser"
ARTICLE = (
    "越俄青年论坛\n"
    "越通社河内——首届越俄青年论坛在岘港举行,共有350名青年代表出席<script>alert('x')</script>。\n"
)


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory):
    shutil.rmtree(SHOTS, ignore_errors=True)  # this run's screenshots only
    return Settings(data_dir=tmp_path_factory.mktemp("browser-data"), _env_file=None)


@pytest.fixture(scope="module")
def app_url(app_settings):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    settings = app_settings
    ingest([SEEDS], settings=settings, show_progress=False)
    app = serve(settings, server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        yield app.local_url
    finally:
        app.close()


@pytest.fixture
def page(app_url):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 950})
        page.dialogs, page.confirm_dialogs = [], False
        page.on("dialog", lambda dialog: (
            page.dialogs.append(dialog.message), dialog.accept() if page.confirm_dialogs else dialog.dismiss()
        ))  # fmt: skip
        page.outside = []  # the page must work offline: nothing fetched from a CDN
        page.on(
            "request", lambda r: None if urlsplit(r.url).hostname in LOCAL else page.outside.append(r.url)
        )
        page.goto(app_url, wait_until="domcontentloaded")
        page.wait_for_selector("#question textarea", timeout=60_000)
        try:
            yield page
        finally:
            browser.close()


def ask(page, question: str, answers_before: int) -> str:
    page.fill("#question textarea", question)
    page.click("#send")
    bot_messages = page.locator("#chat .message.bot, #chat [data-testid='bot']")
    page.wait_for_function(
        "([n]) => document.querySelectorAll(\"#chat [data-testid='bot']\").length > n"
        " && !document.querySelector('#chat .pending')",
        arg=[answers_before],
        timeout=60_000,
    )
    page.wait_for_timeout(800)  # let the last streamed update land
    return bot_messages.last.inner_text()


def test_a_conversation_with_citations_refusal_and_upload(page, tmp_path):
    answer = ask(page, "2017年越南和俄罗斯的贸易额有多少？", 0)
    assert "35亿美元" in answer and "[1]" in answer
    page.screenshot(path=SHOTS / "1-answer.png")

    page.locator("#chat a.cite").first.click()
    highlighted = page.locator("#citation-panel mark")
    highlighted.wait_for(timeout=10_000)
    assert highlighted.is_visible()
    assert "亿美元" in highlighted.inner_text()
    assert ".txt" in page.inner_text("#citation-panel")
    page.screenshot(path=SHOTS / "2-citation.png")

    followup = ask(page, "那2019年前9个月呢？", 1)
    assert "36亿美元" in followup
    page.screenshot(path=SHOTS / "3-followup.png")

    refusal = ask(page, "今天北京的天气怎么样？", 2)
    assert "没有" in refusal and "Not in the articles" in refusal
    page.screenshot(path=SHOTS / "4-refusal.png")

    article = tmp_path / "youth_forum.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    page.get_by_role("tab", name="文档 · Documents").click()
    page.locator("#upload input[type=file]").set_input_files(str(article))
    page.wait_for_timeout(1000)
    page.click("#add-files")
    page.wait_for_function(
        "() => (document.querySelector('#documents-status textarea')?.value || '').includes('files=1')",
        timeout=60_000,
    )
    assert "youth_forum.txt" in page.inner_text("#documents")
    page.screenshot(path=SHOTS / "5-upload.png")

    page.get_by_role("tab", name="对话 · Chat").click()
    uploaded = ask(page, "首届越俄青年论坛有多少名青年代表出席？", 3)
    assert "350名" in uploaded and "<script>" in uploaded  # shown as text …
    assert page.dialogs == []  # … and never run
    assert page.outside == []
    page.screenshot(path=SHOTS / "6-uploaded-answer.png")


def test_documents_reflect_other_writers_on_reload_and_remove_asks_first(page, app_settings, tmp_path):
    # Another writer (here: an ingest outside the app) adds an article; a page load shows it.
    note = tmp_path / "outside_note.txt"
    note.write_text("外部短讯\n两国签署了教育合作协议。\n", encoding="utf-8")
    ingest([note], settings=app_settings, show_progress=False)
    page.reload(wait_until="domcontentloaded")
    page.get_by_role("tab", name="文档 · Documents").click()
    page.wait_for_function("() => document.querySelector('#documents')?.innerText.includes('outside_note.txt')",
                           timeout=30_000)  # fmt: skip

    def remove_note():
        page.click("#remove-choice input")
        page.keyboard.type("outside_note")
        page.keyboard.press("Enter")
        page.click("#remove")

    remove_note()  # the browser asks; the dialog is dismissed: nothing is removed
    page.wait_for_function("() => (document.querySelector('#documents-status textarea')?.value || '').length > 0",
                           timeout=30_000)  # fmt: skip
    assert page.dialogs == ["删除 · Remove outside_note.txt?"]
    assert "outside_note.txt" in page.inner_text("#documents")
    page.confirm_dialogs = True
    remove_note()
    page.wait_for_function(
        "() => (document.querySelector('#documents-status textarea')?.value || '').includes('Removed outside_note.txt')",
        timeout=30_000,
    )
    assert "outside_note.txt" not in page.inner_text("#documents")
    page.screenshot(path=SHOTS / "7-removed.png")
