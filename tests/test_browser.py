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
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
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


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, url: str, viewport=DESKTOP, **context):
    """A fresh browser profile (its own stored conversations) at ``url``, watched for dialogs and
    for any request leaving the machine. ``context``: Playwright's locale, color_scheme …"""
    profile = browser.new_context(viewport=viewport, **{"locale": "zh-CN", **context})
    page = profile.new_page()
    page.dialogs, page.confirm_dialogs = [], False
    page.on("dialog", lambda dialog: (
        page.dialogs.append(dialog.message), dialog.accept() if page.confirm_dialogs else dialog.dismiss()
    ))  # fmt: skip
    page.outside = []  # the page must work offline: nothing fetched from a CDN
    page.on("request", lambda r: None if urlsplit(r.url).hostname in LOCAL else page.outside.append(r.url))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('#send')?.innerText.trim().length > 0", timeout=30_000
    )
    return page


@pytest.fixture
def page(browser, app_url):
    page = open_page(browser, app_url)
    try:
        yield page
    finally:
        page.context.close()


def ask(page, question: str, answers_before: int) -> str:
    page.fill("#question textarea", question)
    page.click("#send")
    page.wait_for_function(
        "([n]) => document.querySelectorAll(\"#chat [data-testid='bot']\").length > n"
        " && !document.querySelector('#chat .pending')",
        arg=[answers_before],
        timeout=60_000,
    )
    page.wait_for_timeout(800)  # let the last streamed update land
    return page.locator("#chat [data-testid='bot']").last.inner_text()


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
    assert "文章中没有这个答案" in refusal
    page.screenshot(path=SHOTS / "4-refusal.png")

    article = tmp_path / "youth_forum.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    page.get_by_role("tab", name="文档").click()
    page.locator("#upload input[type=file]").set_input_files(str(article))
    page.wait_for_timeout(1000)
    page.click("#add-files")
    page.wait_for_function(
        "() => (document.querySelector('#documents-status textarea')?.value || '').includes('files=1')",
        timeout=60_000,
    )
    assert "youth_forum.txt" in page.inner_text("#documents")
    page.screenshot(path=SHOTS / "5-upload.png")

    page.get_by_role("tab", name="对话").click()
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
    page.get_by_role("tab", name="文档").click()
    page.wait_for_function(
        "() => document.querySelector('#documents')?.innerText.includes('outside_note.txt')", timeout=30_000
    )

    def remove_note():
        page.click("#remove-choice input")
        page.keyboard.type("outside_note")
        page.keyboard.press("Enter")
        page.click("#remove")

    remove_note()  # the browser asks; the dialog is dismissed: nothing is removed
    status = "document.querySelector('#documents-status textarea')?.value || ''"
    page.wait_for_function(f"() => ({status}).length > 0", timeout=30_000)
    assert page.dialogs == ["删除 outside_note.txt？"], page.input_value("#documents-status textarea")
    assert "outside_note.txt" in page.inner_text("#documents")
    page.confirm_dialogs = True
    remove_note()
    page.wait_for_function(
        f"() => ({status}).includes('已删除 outside_note.txt')",
        timeout=30_000,
    )
    assert "outside_note.txt" not in page.inner_text("#documents")
    page.screenshot(path=SHOTS / "7-removed.png")


def bot_texts(page) -> list[str]:
    page.wait_for_function("() => !document.querySelector('#chat .pending')", timeout=60_000)
    page.wait_for_timeout(800)  # let the last update land
    return page.locator("#chat [data-testid='bot']").all_inner_texts()


def test_retry_edit_reload_switch_export_clear_and_language(page, tmp_path):
    ask(page, "2016年越俄双边贸易总额是多少？", 0)
    page.locator("#chat button[aria-label='重试']").click()  # asked again, in place of the answer
    assert [("22亿美元" in text) for text in bot_texts(page)] == [True]

    page.locator("#chat button[aria-label='撤销']").click()  # the question goes back into the box
    page.wait_for_function("() => document.querySelector('#question textarea').value.includes('2016年')")
    assert bot_texts(page) == []
    page.fill("#question textarea", "2017年越俄贸易额是多少？")
    page.click("#send")
    assert "35亿美元" in bot_texts(page)[-1]
    assert "22亿美元" in ask(page, "那2016年呢？", 1)
    page.screenshot(path=SHOTS / "8-desktop-light.png")

    page.reload(wait_until="domcontentloaded")  # the conversation is kept in the browser
    page.wait_for_function("() => document.querySelectorAll(\"#chat [data-testid='bot']\").length == 2")
    page.locator("#sidebar button.toggle-button").click()
    page.click("#new-chat")
    page.wait_for_function("() => document.querySelectorAll(\"#chat [data-testid='bot']\").length == 0")
    assert "35亿美元" not in ask(page, "你好", 0)
    page.screenshot(path=SHOTS / "9-sidebar-new-chat.png")
    page.locator("#conversations label", has_text="2017年越俄贸易额是多少？").click()
    page.wait_for_function("() => document.querySelectorAll(\"#chat [data-testid='bot']\").length == 2")

    with page.expect_download() as download:
        page.click("#export")
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert exported.startswith("# 2017年越俄贸易额是多少？") and "**问:** 那2016年呢？" in exported
    assert "2016年越俄双边贸易总额达22亿美元" in exported and "004_1b044e40410c8b99.txt" in exported

    page.locator("#language label", has_text="English").click()
    page.wait_for_function("() => document.querySelector('#send').innerText.trim() == 'Send'")
    page.get_by_role("tab", name="Documents").wait_for(timeout=10_000)
    # Gradio's own icons keep the browser's language (zh-CN here).
    page.locator("#chat button[aria-label='清空对话']").click()  # forgets it, server side too
    # The chat empties at once in the page; the saved list changes when the server has forgotten it.
    page.locator("#conversations label", has_text="2017年越俄贸易额是多少？").wait_for(
        state="detached", timeout=10_000
    )
    assert page.locator("#chat [data-testid='bot']").count() == 0
    page.reload(wait_until="domcontentloaded")  # the chosen language is kept too
    page.wait_for_function(
        "() => document.querySelector('#send')?.innerText.trim() == 'Send'", timeout=30_000
    )
    assert page.outside == []


@pytest.mark.parametrize(
    ("size", "viewport", "scheme"),
    [("phone", PHONE, "dark"), ("phone", PHONE, "light"), ("desktop", DESKTOP, "dark")],
)
def test_everything_is_in_reach_and_readable(browser, app_url, size, viewport, scheme):
    page = open_page(browser, app_url, viewport, color_scheme=scheme, locale="vi-VN")
    try:
        assert page.evaluate("() => document.body.classList.contains('dark')") == (scheme == "dark")
        for control in ("#question textarea", "#send", "#stop", "#chat .examples, #chat button.example"):
            box = page.locator(control).first.bounding_box()
            assert box and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], control
        assert page.locator("#send").inner_text().strip() == "Gửi"
        page.screenshot(path=SHOTS / f"10-{size}-{scheme}-welcome.png")

        page.fill("#question textarea", "2016年越俄双边贸易总额是多少？")
        page.click("#send")
        page.locator("#chat a.cite").first.click()
        quote = page.locator("#citation-panel mark")
        quote.wait_for(timeout=10_000)
        box = quote.bounding_box()
        assert box["y"] + box["height"] <= viewport["height"]  # the source opens on screen
        colors = quote.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
        assert contrast(*colors) >= 4.5, colors  # WCAG AA for the highlighted quote
        page.screenshot(path=SHOTS / f"11-{size}-{scheme}-source.png")
        if size == "phone":  # there the source is a sheet over the chat, with a close button
            page.click("#citation-panel .close-panel")
            page.wait_for_function(
                "() => !document.querySelector('#citation-panel').classList.contains('open')"
            )
    finally:
        page.context.close()


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two CSS ``rgb(…)`` colours."""

    def luminance(css: str) -> float:
        channels = [int(part) / 255 for part in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_stop_ends_a_streaming_answer_and_gives_the_question_back(browser, app_settings, app_url):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from rag.assistant import Assistant
    from ui.app import answerers, build_app
    from ui.server import launch

    assert app_url  # the index of the seeds is built
    assistants = answerers(app_settings)
    # An LLM that writes one character every 0.2 s: slow enough to stop midway.
    slow = FakeListChatModel(responses=["根据文章，2016年越俄双边贸易总额达22亿美元 [1]。" * 4], sleep=0.2)
    assistants["llm"] = Assistant(assistants["extractive"].store, app_settings, slow)
    app = build_app(app_settings, assistants)
    launch(app, app_settings, assistants, server_port=None, prevent_thread_lock=True, quiet=True)
    page = open_page(browser, app.local_url)
    try:
        page.locator("#sidebar button.toggle-button").click()
        page.locator("#sidebar .label-wrap").click()  # the settings accordion
        page.locator("#answerer label", has_text="llm").click()
        page.fill("#question textarea", "2016年越俄双边贸易总额是多少？")
        page.click("#send")
        page.wait_for_function(
            "() => (document.querySelector(\"#chat [data-testid='bot']\")?.innerText || '').length > 8",
            timeout=30_000,
        )
        page.click("#stop")
        # Stop's reply gives the question back (the chat may empty a moment before it lands).
        page.wait_for_function(
            "() => document.querySelector('#question textarea').value == '2016年越俄双边贸易总额是多少？'",
            timeout=10_000,
        )
        assert page.locator("#chat [data-testid='bot']").count() == 0
        page.wait_for_timeout(1500)  # nothing more arrives after Stop
        assert page.locator("#chat [data-testid='bot']").count() == 0
        page.screenshot(path=SHOTS / "12-stopped.png")
    finally:
        page.context.close()
        app.close()
