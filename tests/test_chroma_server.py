"""Server mode: ingest into and search a real ``chroma run`` server on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.ingestion import ingest
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from rag.store import ChunkStore, chroma_client

from .conftest import SEEDS

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma run did not start within 60 s")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


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
