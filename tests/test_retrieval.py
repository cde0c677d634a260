"""Hybrid retrieval over the seed index, in Chinese, English and Vietnamese."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.retrievers import BaseRetriever

import rag
from rag.answer_model import shipped_model
from rag.eval import evidence_retrieved, load_qa
from rag.fit import KEYWORD_FLOORS, choose_keyword_floor
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


def test_dense_search_finds_the_nearest_chunks_even_where_the_approximate_index_misses_them(seed_store, monkeypatch):
    """chromadb's approximate index left out the two nearest chunks of an index committed
    long before, in one process in ten; an index of this size is searched exactly."""
    vector = seed_store.embeddings.embed_query("2016年越俄双边贸易总额是多少？")
    exact = sorted(seed_store.compared(vector, sorted(seed_store.committed_ids)), key=lambda hit: -hit[3])
    nearest = {hit[0] for hit in exact[:2]}
    real_query = type(seed_store.collection).query

    def query_missing_the_nearest(collection, *args, **kwargs):
        result = real_query(collection, *args, **kwargs)
        keep = [i for i, cid in enumerate(result["ids"][0]) if cid not in nearest]
        return {key: [[values[0][i] for i in keep]] if values and key != "included" else values
                for key, values in result.items()}  # fmt: skip

    monkeypatch.setattr(type(seed_store.collection), "query", query_missing_the_nearest)
    hits = seed_store.dense_search(vector, 8)
    assert [hit[0] for hit in hits] == [hit[0] for hit in exact[:8]]
    assert [round(hit[3], 5) for hit in hits] == [round(hit[3], 5) for hit in exact[:8]]
    assert all(text and meta["source"] for _, text, meta, _ in hits)


def test_vietnamese_and_english_questions_search_the_keyword_index_in_chinese(retriever):
    """BM25 sees the Chinese words the question translates to: 范平明 from "Phạm Bình Minh"."""
    for question in ("Phạm Bình Minh hội đàm với ai ở Nga?", "Who did Pham Binh Minh hold talks with in Russia?"):
        top = retriever.invoke(question)[0]
        assert top.metadata["source"].startswith("004") and "范平明" in top.page_content
        assert top.metadata["keyword_score"] > 0



def test_the_keyword_floor_is_fitted_and_chosen_where_most_answers_are_retrieved(seed_store):
    assert HybridRetriever(store=seed_store).keyword_floor == shipped_model().keyword_floor
    items, _ = load_qa(Path(__file__).parent.parent / "eval" / "qa_dev.jsonl")
    floor, recall = choose_keyword_floor([(seed_store, items)], 3)
    assert floor in KEYWORD_FLOORS and 0 < recall <= 1

    # What the choice maximises, recomputed by searching with other floors.
    asked = [item for item in items if item.answerable and item.lang != "zh" and not item.history]

    def retrieved(floor: float) -> float:
        retriever = HybridRetriever(store=seed_store, k=3, keyword_floor=floor)
        return sum(evidence_retrieved(item, retriever.search(item.question, 3)) for item in asked) / len(asked)

    assert retrieved(floor) == pytest.approx(recall)
    assert all(retrieved(other) <= recall for other in (0.0, 0.5, 1.0))
