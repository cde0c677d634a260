"""Server mode: ingest into and search a real ``chroma run`` server on loopback."""

from __future__ import annotations

import pytest

from rag.ingestion import ingest
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from rag.store import ChunkStore, chroma_client

from .conftest import SEEDS

pytestmark = pytest.mark.slow


def test_ingest_and_search_through_a_chroma_server(chroma_server, tmp_path, e5):
    settings = Settings(
        data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=chroma_server, _env_file=None
    )
    report = ingest([SEEDS], settings=settings, show_progress=False)
    assert report.files == 5 and not report.errors
    assert not (tmp_path / "data" / "chroma").exists()  # nothing went to the local store

    client = chroma_client(settings)
    assert client.heartbeat() > 0
    store = ChunkStore(client, e5, settings.data_dir)
    assert store.collection.count() == report.chunks
    docs = HybridRetriever(store=store, k=3).invoke("越南企业签署了购买多少剂Sputnik疫苗的合同？")
    assert any("6000 万剂" in d.page_content for d in docs)
    again = ingest([SEEDS], settings=settings, show_progress=False)
    assert again.embedded == 0
