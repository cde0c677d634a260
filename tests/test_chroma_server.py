"""Server mode: ingest into and search a real ``chroma run`` server on loopback."""

from __future__ import annotations

import pytest

from rag.ingestion import ingest
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from rag.store import ChunkStore, chroma_client

from .conftest import SEED_FILES, SEEDS

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


def test_data_dirs_sharing_a_server_never_touch_each_others_collections(chroma_server, tmp_path, e5):
    def on_server(name):
        return Settings(data_dir=tmp_path / name, chroma_host="127.0.0.1", chroma_port=chroma_server, _env_file=None)

    first, second = on_server("first"), on_server("second")
    ingest([SEEDS], settings=first, show_progress=False)
    ingest([SEED_FILES[0]], settings=second, show_progress=False)
    # Another ingest and a rebuild of the first index prepare writes and clean up after them.
    ingest([SEEDS], settings=first, rebuild=True, show_progress=False)
    ingest([SEEDS], settings=first, show_progress=False)

    store = ChunkStore(chroma_client(second), e5, second.data_dir)
    assert len(store.records) == 1 and store.collection.count() == len(store.committed_ids) > 0
    docs = HybridRetriever(store=store, k=3).invoke("越俄关系")
    assert docs and all(d.metadata["source"] in store.records for d in docs)
    names = [c.name for c in chroma_client(first).list_collections()]
    owner = store.collection.name.rsplit("_", 1)[0]
    assert [name for name in names if name.startswith(owner)] == [store.collection.name]
    # The first index keeps its current collection and, until its next commit, the one before.
    assert 1 <= len(names) - 1 <= 2
