"""jieba keeps the names whole; BM25 scores stay positive on a tiny corpus."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from rag.keyword import KeywordIndex, build_segmenter, tokenize
from rag.shared_cache import built_once

from .conftest import ROOT


def test_a_user_dictionary_keeps_its_terms_whole():
    # The demo corpus's dictionary is an example of RAG_USER_DICTIONARY, not part of the library.
    text = "阮富仲、拉夫罗夫和久加诺夫谈到欧亚经济联盟与政府间委员会。"
    plain = build_segmenter(None).lcut(text)
    with_terms = build_segmenter(ROOT / "seeds-userdict.txt").lcut(text)
    for term in ("欧亚经济联盟", "政府间委员会"):
        assert term in with_terms and term not in plain


def test_numbers_and_latin_words_are_tokens():
    tokens = tokenize("2017年达到了35亿美元, Sputnik V 疫苗")
    assert {"2017", "35", "亿美元", "sputnik", "疫苗"} <= set(tokens)
    assert "的" not in tokenize("越南的朋友")


def test_vietnamese_words_leave_no_letter_fragments():
    # jieba splits at marked letters: "Phạm" would give "ph", "ạ", "m", which match anything.
    # Only unmarked whole words remain; lexicon.chinese_words reads the others.
    assert tokenize("Phạm Bình Minh và Lavrov đã ký văn kiện nào?") == ["minh", "lavrov"]


def test_term_in_every_document_still_scores_above_zero(tmp_path):
    # rank_bm25's Okapi IDF is <= 0 for a term in half the documents or more.
    texts = ["越南与俄罗斯贸易", "俄罗斯疫苗", "胡志明市与俄罗斯", "俄罗斯外交部长拉夫罗夫"]
    index = KeywordIndex.build([f"c{i}" for i in range(4)], [tokenize(t) for t in texts])
    hits = index.search("俄罗斯", 4)
    assert len(hits) == 4 and all(score > 0 for _, score in hits)
    assert index.search("拉夫罗夫", 4)[0][0] == "c3"

    index.save(tmp_path / "kw")
    loaded = KeywordIndex.load(tmp_path / "kw")
    assert loaded.search("疫苗", 2) == index.search("疫苗", 2)
    assert loaded.search("完全无关的词", 2) == []


def test_people_are_found_by_part_of_speech_not_by_a_list():
    from rag.answer_kinds import person_named

    assert person_named("首席代表德米特里•马卡罗夫表示") == "德米特里•马卡罗夫"
    assert person_named("据报道，张伟昨天在上海发表讲话。") == "张伟"
    assert person_named("驻该市总领事(Alexey Popov)表示") == "Alexey Popov"
    assert person_named("双方同意加强合作。") is None


def test_a_builder_shared_by_threads_runs_once():
    calls = []

    @built_once
    def slow_table() -> dict:
        calls.append(1)
        time.sleep(0.2)  # long enough for the second thread to arrive while the first builds
        return {}

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: slow_table(), range(2))
    assert first is second and len(calls) == 1
