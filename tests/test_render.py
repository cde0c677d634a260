"""What the chat shows: article and user text stays text; markers come only from citations."""

from __future__ import annotations

from ui.app import new_conversation, saved_with
from ui.i18n import language_of, text
from ui.render import answer_html, conversation_markdown, question_html

# An article that writes "[1]" itself, a URL, TeX and Markdown: all are characters to show.
QUOTE = "据报道[1]，详情见 http://198.51.100.7/a_b.html，公式 $$x^2$$ 与 **粗体**。"
CITATION = {
    "n": 1,
    "source": "a.txt",
    "title": "标题",
    "quote": QUOTE,
    "start": 0,
    "end": len(QUOTE),
    "page": 2,
}


def turn(answer: str, citations: list[dict], refused: bool = False) -> dict:
    return {"question": "问题？", "answer": answer, "refused": refused, "citations": citations}


def test_markers_come_from_the_citation_list_never_from_article_text():
    shown = answer_html(turn(f"根据文章：\n{QUOTE} [1]\n另见 [2]", [CITATION]), 3, "zh")
    # One link per citation in the text and one in the source list; the article's own "[1]"
    # and the uncited "[2]" stay plain characters.
    assert shown.count("href='#cite-3-1'") == 2
    assert "据报道[1]，" in shown and "另见 [2]" in shown and "#cite-3-2" not in shown


def test_urls_tex_and_markdown_in_articles_are_plain_characters():
    shown = answer_html(turn(f"{QUOTE} [1]", [CITATION]), 0, "en")
    assert shown.startswith("<div") and "\n" not in shown  # one HTML block: no Markdown inside
    assert "http://198.51.100.7/a_b.html" in shown and "\\" not in shown  # no escapes to break links
    assert "$$x^2$$" in shown and "**粗体**" in shown
    assert "<a " not in shown.replace("<a class='cite'", "")  # the app's markers are the only links


def test_a_refusal_carries_its_badge_in_the_interface_language():
    for language in ("zh", "en", "vi"):
        assert text(language, "refused") in answer_html(
            turn("文章中没有提到这一点。", [], refused=True), 0, language
        )


def test_an_uncertain_answer_carries_its_own_badge_and_an_older_turn_none():
    uncertain = {**turn(f"{QUOTE} [1]", [CITATION]), "uncertain": True}
    for language in ("zh", "en", "vi"):
        shown = answer_html(uncertain, 0, language)
        assert text(language, "uncertain") in shown and text(language, "refused") not in shown
    # Saved before answers could be uncertain: no such key, no badge.
    assert "⚠" not in answer_html(turn(f"{QUOTE} [1]", [CITATION]), 0, "en")
    exported = conversation_markdown({**new_conversation(), "turns": [uncertain]}, "en")
    assert f"**A:** {text('en', 'uncertain')}" in exported


def test_a_long_question_is_shortened_in_its_bubble():
    shown = question_html("问" * 100_000, "en")
    assert len(shown) < 400 and "(100,000 characters)" in shown
    assert question_html("<b>x</b>\ny", "zh") == "<div class='question'>&lt;b&gt;x&lt;/b&gt;<br>y</div>"


def test_the_export_holds_questions_answers_and_full_sources():
    conversation = {**new_conversation(), "title": "问题？", "turns": [turn(f"{QUOTE} [1]", [CITATION])]}
    exported = conversation_markdown(conversation, "en")
    assert exported.startswith("# 问题？")
    assert "**Q:** 问题？" in exported and f"**A:** {QUOTE} [1]" in exported
    assert f"- [1] 标题 (`a.txt`, p. 2, 0–{len(QUOTE)}): “{QUOTE}”" in exported


def test_saved_conversations_are_newest_first_and_an_emptied_one_is_dropped():
    first = {**new_conversation(), "title": "一", "turns": [turn("a", [])]}
    second = {**new_conversation(), "title": "二", "turns": [turn("b", [])]}
    saved = saved_with(saved_with({"conversations": []}, first), second)
    assert [c["title"] for c in saved["conversations"]] == ["二", "一"]
    saved = saved_with(saved, {**first, "turns": first["turns"] * 2})
    assert [c["title"] for c in saved["conversations"]] == ["一", "二"]
    assert [c["title"] for c in saved_with(saved, {**first, "turns": []})["conversations"]] == ["二"]


def test_the_interface_language_follows_the_browser_locale():
    assert [language_of(code) for code in ("zh-CN", "zh_TW", "vi-VN", "en-GB", "fr", "", None)] == [
        "zh", "zh", "vi", "en", "en", "en", "en",
    ]  # fmt: skip


def test_the_browser_key_is_made_once_and_kept(tmp_path):
    from ui.app import browser_secret

    first = browser_secret(tmp_path)
    assert len(first) >= 32 and browser_secret(tmp_path) == first
    assert [p.name for p in tmp_path.iterdir()] == ["browser-secret"]  # no drafts left behind


def test_the_corpus_examples_come_from_its_file_or_none(tmp_path):
    from rag.settings import Settings
    from ui.app import corpus_examples

    examples = tmp_path / "examples.txt"
    examples.write_text("第一个问题？\n\n  Second question?  \n", encoding="utf-8")
    assert corpus_examples(Settings(examples_file=examples, _env_file=None)) == [
        "第一个问题？",
        "Second question?",
    ]
    assert corpus_examples(Settings(examples_file=tmp_path / "missing.txt", _env_file=None)) == []
    assert corpus_examples(Settings(_env_file=None)) == []
