"""Shared fixtures: every test gets its own data dir; the seed index is built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.embeddings import make_embeddings
from rag.ingestion import ingest
from rag.settings import Settings
from rag.store import ChunkStore, chroma_client

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """Nothing a developer has in .env or .rag/ may leak into a test."""
    monkeypatch.chdir(tmp_path)
    for name in ("RAG_DATA_DIR", "RAG_EMBEDDING", "RAG_CHROMA_HOST", "RAG_ANSWERER", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


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
