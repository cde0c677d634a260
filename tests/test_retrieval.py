"""Hybrid retrieval over the seed index, in Chinese, English and Vietnamese."""

from __future__ import annotations

import pytest
from langchain_core.retrievers import BaseRetriever

import rag
from rag.retrieval import HybridRetriever, cjk_share


@pytest.fixture(scope="module")
def retriever(seed_store):
    return HybridRetriever(store=seed_store, k=3)


@pytest.mark.parametrize(
    ("question", "source", "needle"),
    [
        ("2016年越俄双边贸易总额是多少？", "004", "22亿美元"),
        ("胡志明市对俄罗斯有多少个投资项目？", "001", "30个"),
        ("What did Vietnamese companies agree to buy from Russia, and how many doses?", "003", "6000 万剂"),
        ("Who is the Russian Consul General in Ho Chi Minh City?", "001", "波波夫"),
        ("Doanh nghiệp Việt Nam ký hợp đồng mua bao nhiêu liều vắc xin Sputnik?", "003", "6000 万剂"),
        ("Thương mại hai nước năm 2017 đạt bao nhiêu?", "000", "35亿美元"),
    ],
)
def test_questions_in_three_languages_find_the_chinese_passage(retriever, question, source, needle):
    docs = retriever.invoke(question)
    assert isinstance(retriever, BaseRetriever)
    assert any(d.metadata["source"].startswith(source) and needle in d.page_content for d in docs)
    for doc in docs:
        assert {"id", "source", "title", "start", "end", "score", "similarity"} <= set(doc.metadata)
        assert doc.metadata["score"] > 0


def test_keyword_list_is_weighted_by_chinese_share():
    assert cjk_share("越南与俄罗斯") == 1.0
    assert cjk_share("What about 2017?") == 0.0
    assert 0 < cjk_share("Sputnik 疫苗") < 1


def test_package_exports():
    assert {"Article", "Chunk", "Answer", "Citation", "ingest", "Settings"} <= set(rag.__all__)
    for name in rag.__all__:
        assert hasattr(rag, name)


def test_a_keyword_hit_the_dense_index_missed_keeps_its_rank(seed_store, monkeypatch):
    """Chroma's approximate (or, in local mode, lagging) index may leave a chunk out; the
    keyword side finds it and its exact cosine gives it the dense rank it deserves."""
    question = "2016年越俄双边贸易总额是多少？"
    retriever = HybridRetriever(store=seed_store, k=3)
    target = retriever.invoke(question)[0].metadata["id"]
    searched = seed_store.dense_search
    monkeypatch.setattr(
        seed_store, "dense_search", lambda vector, k: [hit for hit in searched(vector, k) if hit[0] != target]
    )
    top = retriever.invoke(question)[0]
    assert top.metadata["id"] == target and "22亿美元" in top.page_content
    assert top.metadata["similarity"] > 0.8  # the exact cosine, fetched from the stored embedding


def test_vietnamese_and_english_questions_search_the_keyword_index_in_chinese(retriever):
    """BM25 sees the Chinese words the question translates to: 范平明 from "Phạm Bình Minh"."""
    for question in ("Phạm Bình Minh hội đàm với ai ở Nga?", "Who did Pham Binh Minh hold talks with in Russia?"):
        top = retriever.invoke(question)[0]
        assert top.metadata["source"].startswith("004") and "范平明" in top.page_content
        assert top.metadata["keyword_score"] > 0
