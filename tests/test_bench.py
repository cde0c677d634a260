"""The benchmark's parts run and report what they claim, at small sizes."""

from __future__ import annotations

import random

import pytest

from rag import Assistant
from rag.bench import markdown, measure_growth, measure_limit, measure_peer
from rag.ingestion import ingest
from rag.settings import Settings

from .conftest import SEEDS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bot(seed_settings):
    return Assistant.load(seed_settings)


def test_growth_and_keyword_engines(bot):
    rows = measure_growth(bot, [300, 1200], random.Random(1))
    assert [r["chunks"] for r in rows] == [300, 1200]
    for row in rows:
        assert row["dense_query"]["p50_ms"] > 0 and row["bm25s_query"]["p50_ms"] > 0
        assert row["rank_bm25_query"]["p50_ms"] > 0


def test_peer_pipeline_retrieves_navigation_and_ours_does_not(bot, tmp_path):
    peer = measure_peer(bot, tmp_path)
    assert peer["ours"]["teasers_retrieved"] == 0
    assert peer["peer"]["teasers_retrieved"] > 0  # it indexes the raw pages, navigation included
    assert 0 < peer["ours"]["context_recall"] <= 1 and 0 < peer["peer"]["context_recall"] <= 1


def test_limit_and_table(bot):
    limit = measure_limit(bot)
    assert limit["chunk_passages_per_s"] > 0 and limit["query_embedding"]["p50_ms"] > 0
    row = {"files": 1, "chunks": 1, "seconds": 1, "chunks_per_s": 1, "peak_rss_mb": 1, "ratio_to_model": 1}
    ms = {"p50_ms": 1, "p95_ms": 2}
    result = {
        "date": "d", "machine": "m", "limit": limit, "ingest": {"seeds": row},
        "questions": {"warm_ask": ms, "warm_ask_repeated_question": ms, "chroma_query": ms,
                      "cold_start_s": 1, "cold_process_peak_rss_mb": 1},
        "peer": {"ours": {**ms, "context_recall": 1, "teasers_retrieved": 0, "teaser_items": 1},
                 "peer": {**ms, "context_recall": 1, "teasers_retrieved": 1, "teaser_items": 1},
                 "recall_ratio": 1, "latency_ratio_p50": 1},
        "growth": [],
    }
    assert "| ingest seeds: 1 chunks |" in markdown(result)


def test_growth_against_a_chroma_server(chroma_server, tmp_path, e5):
    settings = Settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=chroma_server, _env_file=None)
    ingest([SEEDS], settings=settings, show_progress=False)
    bot = Assistant.load(settings)
    assert bot.store.client.heartbeat() > 0
    rows = measure_growth(bot, [500], random.Random(2))
    assert rows[0]["chunks"] == 500 and rows[0]["dense_query"]["p50_ms"] > 0
    assert not [c for c in bot.store.client.list_collections() if c.name.startswith("bench_")]
