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


def test_a_server_that_goes_away_gives_one_clear_line_and_commits_report_the_truth(
    chroma_server_process, tmp_path, e5, monkeypatch
):
    import subprocess
    import sys

    import rag.store
    from rag.assistant import Assistant

    port, server = chroma_server_process
    settings = Settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=port, _env_file=None)
    ingest([SEED_FILES[0]], settings=settings, show_progress=False)
    assistant = Assistant(ChunkStore(chroma_client(settings), e5, settings.data_dir), settings)

    # The server dies right after the manifest is written: the ingest committed, and says so.
    write = rag.store.write_json_atomic

    def write_then_lose_the_server(path, data):
        write(path, data)
        if path.name == "manifest.json":
            server.terminate()
            server.wait(timeout=30)

    monkeypatch.setattr(rag.store, "write_json_atomic", write_then_lose_the_server)
    report = ingest([SEED_FILES[1]], settings=settings, show_progress=False)
    monkeypatch.undo()
    assert report.errors == [] and report.files == 1
    manifest = (settings.data_dir / "manifest.json").read_text(encoding="utf-8")
    assert SEED_FILES[1].name in manifest

    # With the server gone, a question gets a polite answer and the CLI one line, exit status 2.
    answer = assistant.ask("越南和俄罗斯的贸易额是多少？")
    assert answer.refused and "not reachable" in answer.text
    env = {"RAG_DATA_DIR": str(settings.data_dir), "RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_PORT": str(port),
           "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "ingest.py", "--quiet", str(SEED_FILES[2])], cwd=SEEDS.parent, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Chroma server" in result.stderr
    assert "Traceback" not in result.stderr
