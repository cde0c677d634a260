"""Shared fixtures: every test gets its own data dir; the seed index is built once per session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from rag import answering
from rag.answer_model import shipped_model
from rag.embeddings import make_embeddings
from rag.ingestion import ingest
from rag.settings import Settings
from rag.store import ChunkStore, chroma_client

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.fixture
def every_likeliest_word_leads(monkeypatch):
    """Whether an answer leads with its likeliest word is the fitted lead model's call, and
    moves with each refit (its threshold rule has a test of its own); tests of which word
    that is and how it reads see every one."""
    model = replace(shipped_model(), lead_threshold=0.0)
    monkeypatch.setattr(answering, "shipped_model", lambda: model)


@pytest.fixture(autouse=True, scope="session")
def clean_environment():
    """No setting from the developer's shell (``RAG_*``, ``OPENAI_*``) reaches a test: cleared for
    the whole session, so that session-wide indexes and servers are built without them too."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith(("RAG_", "OPENAI_"))]:
            patch.delenv(name)
        patch.setenv("HF_HUB_OFFLINE", "1")
        yield


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """Nothing a developer has in .env or .rag/ may leak into a test: each runs in its own folder."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", _env_file=None)


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """A writable copy of the seed articles."""
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture(scope="session")
def e5():
    return make_embeddings("e5", show_progress=False)


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory) -> Settings:
    """A data dir holding the five seeds, ingested once and only read by tests."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("seed-index"), _env_file=None)
    report = ingest([SEEDS], settings=settings, show_progress=False)
    assert not report.errors
    return settings


@pytest.fixture(scope="session")
def seed_store(seed_settings, e5) -> ChunkStore:
    return ChunkStore(chroma_client(seed_settings), e5, seed_settings.data_dir)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(chroma_server_process):
    return chroma_server_process[0]


@pytest.fixture
def chroma_server_process(tmp_path):
    """``(port, process)`` of a real ``chroma run`` on loopback, stopped after the test."""
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=30)
