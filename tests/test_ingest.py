"""Ingestion end to end: real Chroma, real jieba, the real bundled E5 model."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from rag.embeddings import make_embeddings
from rag.ingestion import ingest
from rag.store import (
    ChunkStore,
    EmbeddingMismatchError,
    IndexLockedError,
    chroma_client,
    writer_lock,
)

from .conftest import ROOT, SEED_FILES

SUMMARY = re.compile(r"^files=(\d+) chunks=(\d+) embedded=(\d+) skipped=(\d+) errors=(\d+) seconds=[\d.]+$")


def open_store(settings, embeddings):
    return ChunkStore(chroma_client(settings), embeddings, settings.data_dir)


def run_cli(*args, data_dir, cwd=ROOT, **settings):
    env = {"RAG_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    env.update({f"RAG_{name.upper()}": str(value) for name, value in settings.items()})
    return subprocess.run(
        [sys.executable, str(ROOT / "ingest.py"), "--quiet", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
    )


def test_cli_is_idempotent(tmp_path):
    data = tmp_path / "data"
    first = run_cli(ROOT / "seeds", data_dir=data)
    assert first.returncode == 0, first.stderr
    files, chunks, embedded, skipped, errors = map(int, SUMMARY.match(first.stdout.strip().splitlines()[-1]).groups())
    assert (files, embedded, skipped, errors) == (5, chunks, 0, 0)
    assert chunks >= 20

    second = run_cli(ROOT / "seeds", data_dir=data)
    last = second.stdout.strip().splitlines()[-1]
    assert SUMMARY.match(last).groups() == (str(files), str(chunks), "0", "5", "0")


def test_index_matches_the_articles(seed_store):
    assert set(seed_store.records) == {p.name for p in SEED_FILES}
    assert seed_store.collection.count() == len(seed_store.committed_ids) == len(seed_store.keyword.ids)
    got = seed_store.get_chunks(sorted(seed_store.committed_ids))
    for text, meta in got.values():
        article = seed_store.article(meta["source"])
        assert article.body[meta["start"] : meta["end"]] == text
        assert meta["title"] == article.title
    assert seed_store.collection.metadata["embedding"] == "e5:intfloat/multilingual-e5-small"
    assert seed_store.collection.configuration["hnsw"]["space"] == "cosine"


def test_navigation_and_captions_are_never_retrievable(seed_store, e5):
    teasers = ["越南以180票的亚太地区最高票数成功当选联合国人权理事会成员", "阮廷北荣膺金靴", "图自越通社"]
    stored = " ".join(text for text, _ in seed_store.get_chunks(sorted(seed_store.committed_ids)).values())
    for query in teasers:
        for _cid, text, _meta, _sim in seed_store.dense_search(e5.embed_query(query), 10):
            assert "更多" not in text and "图自" not in text and "金靴" not in text
    for needle in ("180票", "金靴", "ảnh", "图自越通社", "胡志明市公共行政服务中心"):
        assert needle not in stored


def test_changed_file_replaces_its_chunks_and_prune_removes(settings, seed_copy, e5):
    ingest([seed_copy], settings=settings, show_progress=False)
    target = seed_copy / SEED_FILES[3].name
    target.write_text(target.read_text(encoding="utf-8").replace("6000 万剂", "7000 万剂"), encoding="utf-8")

    report = ingest([seed_copy], settings=settings, show_progress=False)
    assert report.skipped == 4 and report.embedded == len(open_store(settings, e5).records[target.name]["chunk_ids"])
    store = open_store(settings, e5)
    texts = " ".join(t for t, _ in store.get_chunks(sorted(store.committed_ids)).values())
    assert "7000 万剂" in texts and "6000 万剂" not in texts
    assert store.collection.count() == len(store.committed_ids)

    (seed_copy / SEED_FILES[0].name).unlink()
    kept = ingest([seed_copy], settings=settings, show_progress=False)
    assert kept.removed == 0 and SEED_FILES[0].name in open_store(settings, e5).records
    pruned = ingest([seed_copy], settings=settings, prune=True, show_progress=False)
    assert pruned.removed == 1
    store = open_store(settings, e5)
    assert SEED_FILES[0].name not in store.records
    assert store.collection.count() == len(store.committed_ids) == len(store.keyword.ids)
    assert not any(cid.startswith(SEED_FILES[0].name) for cid in store.keyword.ids)


def test_bad_inputs_are_reported_and_the_rest_ingests(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / SEED_FILES[1].name).write_bytes(SEED_FILES[1].read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (folder / "gbk.txt").write_bytes("越俄关系\n越通社河内——两国贸易额达22亿美元。\n".encode("gb18030"))
    (folder / "no_more.txt").write_text("标题\n正文没有导航。\n", encoding="utf-8")
    (folder / "huge.txt").write_bytes(("越南与俄罗斯。" * 1_000_000).encode())
    result = run_cli(folder, tmp_path / "missing.txt", data_dir=tmp_path / "data")
    assert result.returncode == 1
    messages = result.stderr
    assert "empty.txt: empty file" in messages
    assert "binary.txt: binary file" in messages
    assert "huge.txt: file is 20.0 MB, over the 10 MB limit" in messages
    assert "missing.txt: no such file or folder" in messages
    assert "Traceback" not in messages
    files, chunks, embedded, skipped, errors = SUMMARY.match(result.stdout.strip().splitlines()[-1]).groups()
    assert (files, errors) == ("3", "4")


def test_other_embedding_model_is_refused_until_rebuild(settings, seed_copy, e5):
    ingest([seed_copy], settings=settings, show_progress=False)

    class OtherModel(type(e5)):
        identity = "e5:some-other-model"

    store = ChunkStore(chroma_client(settings), OtherModel(show_progress=False), settings.data_dir)
    with pytest.raises(EmbeddingMismatchError, match="--rebuild"):
        ingest([seed_copy], settings=settings, store=store, show_progress=False)

    old = store.manifest["collection"]
    report = ingest([seed_copy], settings=settings, store=store, rebuild=True, show_progress=False)
    assert report.embedded == report.chunks and report.skipped == 0
    reopened = open_store(settings, e5)
    assert reopened.built_with == "e5:some-other-model"
    assert reopened.manifest["collection"] != old
    assert old not in [c.name for c in reopened.client.list_collections()]


def test_killed_ingest_leaves_previous_index_usable(settings, seed_copy, e5, monkeypatch):
    ingest([seed_copy], settings=settings, show_progress=False)
    before = open_store(settings, e5)
    committed = set(before.committed_ids)
    query = e5.embed_query("越南企业签署了购买多少剂Sputnik疫苗的合同？")
    hits_before = [h[0] for h in before.dense_search(query, 5)]

    target = seed_copy / SEED_FILES[3].name
    target.write_text(target.read_text(encoding="utf-8").replace("6000 万剂", "7000 万剂"), encoding="utf-8")

    def die(self):
        raise KeyboardInterrupt("killed between writing chunks and committing")

    monkeypatch.setattr(ChunkStore, "commit", die)
    with pytest.raises(KeyboardInterrupt):
        ingest([seed_copy], settings=settings, show_progress=False)
    monkeypatch.undo()

    after = open_store(settings, e5)
    assert after.collection.count() > len(committed)  # the new chunks were written …
    assert after.committed_ids == committed  # … but are not part of the index
    hits = after.dense_search(query, 5)
    assert [h[0] for h in hits] == hits_before
    assert all("7000 万剂" not in h[1] for h in hits)

    report = ingest([seed_copy], settings=settings, show_progress=False)
    repaired = open_store(settings, e5)
    assert report.embedded > 0
    assert repaired.collection.count() == len(repaired.committed_ids)


def test_second_writer_waits_then_stops_with_a_clear_message(settings, seed_copy):
    settings.lock_timeout = 0.2
    with writer_lock(settings.data_dir, 0):
        with pytest.raises(IndexLockedError, match="another ingest is writing to"):
            ingest([seed_copy], settings=settings, show_progress=False)
        blocked = run_cli(ROOT / "seeds", data_dir=settings.data_dir, lock_timeout=0.5)
        assert blocked.returncode == 2
        assert "another ingest is writing to" in blocked.stderr and "Traceback" not in blocked.stderr
    result = run_cli(ROOT / "seeds" / SEED_FILES[2].name, data_dir=settings.data_dir)
    assert result.returncode == 0


def test_unknown_embedding_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown embedding backend 'word2vec'"):
        make_embeddings("word2vec")


def test_chunks_added_through_a_store_that_already_answered_are_found(settings, seed_copy, tmp_path):
    """The UI's store answers questions, then ingests an upload; the upload must be searchable."""
    from rag.assistant import Assistant

    ingest([seed_copy], settings=settings, show_progress=False)
    bot = Assistant.load(settings)
    bot.ask("明天河内天气怎么样？")
    upload = tmp_path / "forum.txt"
    upload.write_text(
        "越俄青年论坛\n越通社河内——首届越俄青年论坛在岘港举行,共有350名青年代表出席<script>alert('x')</script>。\n",
        encoding="utf-8",
    )
    ingest([upload], settings=settings, store=bot.store, show_progress=False)
    question = "首届越俄青年论坛有多少名青年代表出席？"
    hits = bot.store.dense_search(bot.store.embeddings.embed_query(question), 20)  # the retriever's depth
    assert hits[0][0].startswith("forum.txt")
    assert "350名" in bot.ask(question).text
