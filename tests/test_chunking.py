"""Sentence splitting and chunking keep Chinese sentences and numbers whole."""

from __future__ import annotations

import pytest

from rag.chunking import MAX_SENTENCE_CHARS, chunk_article, split_sentences
from rag.documents import load_article
from rag.schema import Article

from .conftest import SEED_FILES

ARTICLES = [load_article(p, 2**24) for p in SEED_FILES]


def test_sentence_ends_with_closing_quotes_and_ascii_semicolon():
    text = "阮富仲说:“我相信此次访问将注入新动力。”他强调;“合作不断扩大”。贸易额达22亿美元!对吗?是的"
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == [
        "阮富仲说:“我相信此次访问将注入新动力。”",
        "他强调;",
        "“合作不断扩大”。",
        "贸易额达22亿美元!",
        "对吗?",
        "是的",
    ]


def test_punctuation_left_after_a_sentence_end_is_not_a_sentence_of_its_own():
    # Embedded alone, a "sentence" of punctuation lay near any question and was quoted for
    # English questions on a passage about something else.
    text = "“其敬惜字纸如此。”。有些塔龛中供奉仓颉、文昌等神位。\n=====\n。”开头的引号留在句中。"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "“其敬惜字纸如此。”。",
        "有些塔龛中供奉仓颉、文昌等神位。",  # a line of its own is no part of a sentence
        "。”开头的引号留在句中。",
    ]
    assert split_sentences("。。。") == [(0, 3)]  # nothing else to keep


def test_punctuation_joins_a_sentence_only_within_the_sentence_length_bound():
    for text in ("正文。" + "=" * 1000, "=" * 1000 + "正文。", "…" * 1000 + "正文。", "甲" * 195 + "。" + "！" * 10):
        assert max(e - s for s, e in split_sentences(text)) <= MAX_SENTENCE_CHARS


def test_decimal_points_do_not_end_sentences():
    text = "俄罗斯对越南出口额为8.28亿美元。越南企业签署了购买 6000 万剂 Sputnik 疫苗的合同。"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "俄罗斯对越南出口额为8.28亿美元。",
        "越南企业签署了购买 6000 万剂 Sputnik 疫苗的合同。",
    ]


@pytest.mark.parametrize("size,overlap", [(200, 80), (120, 40), (400, 0)])
@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.source[:3])
def test_chunks_map_back_and_never_split_a_sentence(article, size, overlap):
    chunks = chunk_article(article, size, overlap)
    boundaries_start = {s for s, _ in split_sentences(article.body)}
    boundaries_end = {e for _, e in split_sentences(article.body)}
    for chunk in chunks:
        assert article.body[chunk.start : chunk.end] == chunk.text
        assert chunk.start in boundaries_start and chunk.end in boundaries_end
        assert chunk.source == article.source and chunk.title == article.title
    # Every sentence is in some chunk, in order.
    covered = set()
    for chunk in chunks:
        covered |= {s for s in boundaries_start if chunk.start <= s < chunk.end}
    assert covered == boundaries_start
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    assert len({c.id for c in chunks}) == len(chunks)


def test_consecutive_chunks_overlap_by_whole_sentences():
    chunks = chunk_article(ARTICLES[0], 200, 80)
    overlapping = [b for a, b in zip(chunks, chunks[1:]) if b.start < a.end]
    assert overlapping, "with overlap=80 some neighbours share a sentence"
    for a, b in zip(chunks, chunks[1:]):
        assert a.end - b.start <= 80


def test_numbers_survive_chunking():
    texts = [c.text for a in ARTICLES for c in chunk_article(a, 200, 80)]
    for needle in ("22亿美元", "6000 万剂", "35亿美元", "100亿美元", "8.28亿美元", "阮富仲"):
        assert any(needle in t for t in texts), needle


def test_a_sentence_longer_than_a_chunk_is_its_own_chunk():
    body = "甲" * 150 + "。短句。"
    article = Article(source="x.txt", title="t", body=body, file_hash="0" * 64)
    chunks = chunk_article(article, 100, 20)
    assert chunks[0].text == "甲" * 150 + "。"
    assert chunks[-1].text == "短句。"


def test_overlong_sentences_are_cut_at_clauses_then_at_the_limit():
    clauses = "，".join(f"第{n}项合作涉及能源、交通和教育领域" for n in range(30)) + "。"
    unpunctuated = "乙" * (3 * MAX_SENTENCE_CHARS + 7)
    text = clauses + unpunctuated
    pieces = [text[s:e] for s, e in split_sentences(text)]
    assert "".join(pieces) == text  # nothing lost, nothing repeated
    assert max(map(len, pieces)) <= MAX_SENTENCE_CHARS
    # The punctuated run is cut after a comma; numbers and words stay whole.
    assert all(p.endswith(("，", "。")) for p in pieces if p[0] != "乙")
    assert [len(p) for p in pieces if p[0] == "乙"] == [MAX_SENTENCE_CHARS] * 3 + [7]
