"""Greetings, thanks, "what can you do" and "summarise the articles" get replies without a search."""

from __future__ import annotations

import re

import pytest

from rag.chitchat import MESSAGES, reply_without_search
from rag.chunking import split_sentences
from rag.conversation import detect_language

CJK = re.compile(r"[\u3400-\u9fff]")
MARKER = re.compile(r"\[(\d+)\]")

CHITCHAT = [
    ("greeting", "zh", "你好"),
    ("greeting", "zh", "您好！"),
    ("greeting", "zh", "早上好"),
    ("greeting", "en", "hi"),
    ("greeting", "en", "Hello!"),
    ("greeting", "en", "Good morning"),
    ("greeting", "vi", "Xin chào"),
    ("greeting", "vi", "chào bạn!"),
    ("thanks", "zh", "谢谢"),
    ("thanks", "zh", "非常感谢！"),
    ("thanks", "en", "thanks"),
    ("thanks", "en", "Thank you so much!"),
    ("thanks", "vi", "cảm ơn"),
    ("thanks", "vi", "Cảm ơn bạn nhiều nhé!"),
    ("capabilities", "zh", "你能做什么？"),
    ("capabilities", "zh", "你是谁"),
    ("capabilities", "zh", "你好，你能做什么？"),
    ("capabilities", "en", "What can you do?"),
    ("capabilities", "en", "help"),
    ("capabilities", "en", "Who are you?"),
    ("capabilities", "vi", "Bạn có thể làm gì?"),
    ("capabilities", "vi", "bạn là ai"),
    ("summary", "zh", "总结一下这几篇文章"),
    ("summary", "zh", "概括一下"),
    ("summary", "zh", "有哪些文章？"),
    ("summary", "zh", "列出文章"),
    ("summary", "zh", "这些文章都讲了什么？"),
    ("summary", "en", "Summarize the articles"),
    ("summary", "en", "What articles do you have?"),
    ("summary", "en", "list the documents"),
    ("summary", "en", "Hi, could you give me a summary of all the articles?"),
    ("summary", "vi", "Tóm tắt các bài báo"),
    ("summary", "vi", "Có những bài báo nào?"),
    ("summary", "vi", "liệt kê các bài báo"),
]

QUESTIONS = [
    "这篇文章总结了越南经济的哪些问题？",
    "你好，请问2017年越俄贸易额是多少？",
    "总结越俄贸易的情况",
    "文章中提到了哪些合作文件？",
    "谢谢你告诉我这些，那2016年呢？",
    "范平明什么时候访问俄罗斯？",
    "What did the summary say about trade in 2017?",
    "Hello, who visited Moscow in 2018?",
    "Give me a summary of the 2017 trade figures",
    "What do the articles say about trade?",
    "Help me find the trade figures for 2017",
    "Who is Lavrov?",
    "Tóm tắt quan hệ Việt – Nga năm 2019",
    "Xin chào, ai đã thăm Nga năm 2018?",
    "Các bài báo nói gì về thương mại?",
    "Bạn có biết Lavrov là ai không?",
]


def in_language(text: str, language: str) -> bool:
    """Chinese text has Chinese characters; English and Vietnamese text has none."""
    if language == "zh":
        return bool(CJK.search(text))
    return not CJK.search(text) and detect_language(text) == language


@pytest.mark.parametrize("kind, language, message", CHITCHAT)
def test_chitchat_gets_a_reply_in_the_users_language(seed_store, kind, language, message):
    assert detect_language(message) == language
    answer = reply_without_search(message, language, seed_store)
    assert answer is not None
    assert not answer.refused and answer.contexts == []
    if kind == "summary":
        # The reply quotes Chinese articles; its own lines are in the user's language.
        head, *items = answer.text.splitlines()
        assert in_language(head, language)
        assert len(items) == len(seed_store.records)
    else:
        assert in_language(answer.text, language)
        assert answer.citations == []
    if kind in ("greeting", "capabilities"):
        assert str(len(seed_store.records)) in answer.text


@pytest.mark.parametrize("language", ["zh", "en", "vi"])
def test_summary_cites_the_lead_sentence_of_every_article(seed_store, language):
    answer = reply_without_search("总结一下这几篇文章", language, seed_store)
    assert len(answer.citations) == len(seed_store.records) == 5
    assert {c.source for c in answer.citations} == set(seed_store.records)
    titles = [c.title for c in answer.citations]
    assert titles == sorted(titles)
    items = answer.text.splitlines()[1:]
    for n, (citation, line) in enumerate(zip(answer.citations, items), start=1):
        body = seed_store.article(citation.source).body
        start, end = split_sentences(body)[0]
        assert citation.n == n
        assert citation.title == seed_store.records[citation.source]["title"]
        assert citation.quote == body[citation.start : citation.end] == body[start:end]
        assert citation.title in line and citation.quote in line
        assert line.endswith(f"[{n}]")
    assert [int(n) for n in MARKER.findall(answer.text)] == [c.n for c in answer.citations]


def test_summary_of_an_empty_store_says_there_are_no_articles(seed_store, monkeypatch):
    monkeypatch.setattr(type(seed_store), "records", property(lambda self: {}))
    answer = reply_without_search("summarize the articles", "en", seed_store)
    assert answer.text == MESSAGES["en"]["empty"]
    assert answer.citations == [] and not answer.refused


@pytest.mark.parametrize("message", QUESTIONS)
def test_questions_about_the_articles_are_left_to_search(seed_store, message):
    assert reply_without_search(message, detect_language(message), seed_store) is None


def test_every_language_has_every_message():
    assert set(MESSAGES) == {"zh", "en", "vi"}
    assert len({frozenset(messages) for messages in MESSAGES.values()}) == 1


def test_a_long_summary_lists_the_first_articles_and_counts_the_rest(seed_store, monkeypatch):
    monkeypatch.setattr("rag.chitchat.MAX_LISTED", 3)
    answer = reply_without_search("列出文章", "zh", seed_store)
    assert len(answer.citations) == 3
    assert answer.text.splitlines()[-1] == MESSAGES["zh"]["more"].format(more=len(seed_store.records) - 3)
