"""Ingestion end to end: real Chroma, real jieba, the real bundled E5 model."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

from rag.embeddings import make_embeddings
from rag.ingestion import IngestCancelled, ingest
from rag.settings import Settings
from rag.store import (
    ChunkStore,
    EmbeddingMismatchError,
    GenerationGoneError,
    IndexLockedError,
    IndexOutdatedError,
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


def two_generations(store) -> set[str]:
    """The chunk ids the store keeps: committed, and those of the manifest before (deleted at
    the next commit, so that a reader still on it finds them)."""
    previous = json.loads((store.data_dir / "manifest.previous.json").read_text(encoding="utf-8"))
    return store.committed_ids | {cid for record in previous["articles"].values() for cid in record["chunk_ids"]}


def test_changed_file_replaces_its_chunks_and_prune_removes(settings, seed_copy, e5):
    ingest([seed_copy], settings=settings, show_progress=False)
    target = seed_copy / SEED_FILES[3].name
    target.write_text(target.read_text(encoding="utf-8").replace("6000 万剂", "7000 万剂"), encoding="utf-8")

    report = ingest([seed_copy], settings=settings, show_progress=False)
    assert report.skipped == 4 and report.embedded == len(open_store(settings, e5).records[target.name]["chunk_ids"])
    store = open_store(settings, e5)
    texts = " ".join(t for t, _ in store.get_chunks(sorted(store.committed_ids)).values())
    assert "7000 万剂" in texts and "6000 万剂" not in texts
    assert store.collection.count() == len(two_generations(store)) > len(store.committed_ids)

    (seed_copy / SEED_FILES[0].name).unlink()
    kept = ingest([seed_copy], settings=settings, show_progress=False)
    assert kept.removed == 0 and SEED_FILES[0].name in open_store(settings, e5).records
    pruned = ingest([seed_copy], settings=settings, prune=True, show_progress=False)
    assert pruned.removed == 1
    store = open_store(settings, e5)
    assert SEED_FILES[0].name not in store.records
    assert len(store.committed_ids) == len(store.keyword.ids)
    assert store.collection.count() == len(two_generations(store))
    assert not any("7000 万剂" not in t and "6000 万剂" in t for t, _ in store.get_chunks(sorted(store.committed_ids)).values())
    assert not any(cid.startswith(SEED_FILES[0].name) for cid in store.keyword.ids)


def test_prune_keeps_the_article_of_a_file_that_fails_to_read(settings, seed_copy, e5):
    ingest([seed_copy], settings=settings, show_progress=False)
    (seed_copy / SEED_FILES[1].name).write_bytes(b"\x00damaged")
    elsewhere = seed_copy.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / SEED_FILES[2].name).write_text((seed_copy / SEED_FILES[2].name).read_text(encoding="utf-8"), encoding="utf-8")

    report = ingest([seed_copy / SEED_FILES[1].name, elsewhere], settings=settings, prune=True, show_progress=False)
    assert len(report.errors) == 2 and "binary file" in report.errors[0] and "already indexed" in report.errors[1]
    # Both failed files keep their articles; the three files not given are pruned.
    assert set(open_store(settings, e5).records) == {SEED_FILES[1].name, SEED_FILES[2].name}
    assert report.removed == 3


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
    # Readers still on the old collection find it until the next commit; then it is gone.
    assert old in [c.name for c in reopened.client.list_collections()]
    (seed_copy / "new.txt").write_text("新文章\n两国签署了教育合作协议。\n", encoding="utf-8")
    ingest([seed_copy], settings=settings, store=store, show_progress=False)
    assert old not in [c.name for c in store.client.list_collections()]


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
    assert repaired.collection.count() == len(two_generations(repaired))


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
    vector = bot.store.embeddings.embed_query(question)
    hits = bot.store.dense_search(vector, 20)  # the retriever's depth
    assert hits[0][0].startswith("forum.txt")
    # The embeddings held for exact search gained the upload's chunks and kept the others'.
    exact = {cid: similarity for cid, _, _, similarity in bot.store.compared(vector, sorted(bot.store.committed_ids))}
    assert [similarity for *_, similarity in hits] == pytest.approx(sorted(exact.values(), reverse=True)[:20], abs=1e-5)
    assert all(similarity == pytest.approx(exact[cid], abs=1e-5) for cid, *_, similarity in hits)
    assert "350名" in bot.ask(question).text


def test_a_chunk_the_vector_index_has_not_caught_up_with_is_still_found(settings, seed_copy, tmp_path, monkeypatch):
    """chromadb's local vector index sometimes lags behind a write (the flake of the test
    above, about one run in 40): query() leaves out a chunk that get() has. Here the lag is
    made certain; the last commit's chunks are still found, with their exact similarity.
    Only an index too large to be searched exactly relies on the vector index."""
    import rag.store
    from rag.assistant import Assistant

    monkeypatch.setattr(rag.store, "EXACT_SEARCH_MAX_CHUNKS", 0)

    ingest([seed_copy], settings=settings, show_progress=False)
    bot = Assistant.load(settings)
    upload = tmp_path / "forum.txt"
    upload.write_text("越俄青年论坛\n首届越俄青年论坛在岘港举行，共有350名青年代表出席。\n", encoding="utf-8")
    ingest([upload], settings=settings, store=bot.store, show_progress=False)
    real_query = type(bot.store.collection).query

    def lagging_query(collection, *args, **kwargs):
        result = real_query(collection, *args, **kwargs)
        keep = [i for i, cid in enumerate(result["ids"][0]) if not cid.startswith("forum.txt")]
        columns = ("ids", "documents", "metadatas", "distances", "embeddings")
        return {key: [[values[0][i] for i in keep]] if key in columns and values else values
                for key, values in result.items()}  # fmt: skip

    monkeypatch.setattr(type(bot.store.collection), "query", lagging_query)
    question = "首届越俄青年论坛有多少名青年代表出席？"
    vector = bot.store.embeddings.embed_query(question)
    lagged = bot.store.collection.query(query_embeddings=[vector], n_results=20)["ids"][0]
    assert lagged and not any(cid.startswith("forum.txt") for cid in lagged)  # the index "misses" it
    hits = bot.store.dense_search(vector, 20)
    assert hits[0][0].startswith("forum.txt") and hits[0][3] > hits[1][3]
    assert "350名" in bot.ask(question).text


def bad_entries(folder, outside):
    """Over 60 files and links that must each be refused on a line of their own; returns
    ``{name shown in the message: reason fragment}``."""
    from fpdf import FPDF

    expected = {}

    def put(name, data, reason):
        (folder / name).write_bytes(data)
        expected[name] = reason

    for suffix in (".jpg", ".png", ".gif", ".mp3", ".mp4", ".zip", ".exe", ".csv", ".json", ".xml",
                   ".doc", ".xls", ".xlsx", ".ppt", ".pptx", ".rtf", ".odt", ".epub", ".py", ".tar.gz", ".webp", ".wps"):  # fmt: skip
        put(f"unsupported{suffix}", "标题\n正文。".encode(), "unsupported file type")
    put("no_suffix", "标题\n正文。".encode(), "unsupported file type (none)")
    put("empty.txt", b"", "empty file")
    put("blank.md", b" \n\t\n  \r\n", "empty file")
    put("zero-width.txt", "\u200b\u200c\u200d\ufeff\u2060".encode(), "empty file")
    put("controls.txt", b"\x01\x02\x03\x1b\x7f\x08", "empty file")
    put("nul-early.txt", b"\x00\x01binary data", "binary file")
    put("nul-late.txt", "标题\n正文。\n".encode() * 3000 + b"\x00\x00", "binary file")
    put("png-renamed.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary file")
    put("gzip-renamed.md", b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4, "binary file")
    put("elf-renamed.txt", b"\x7fELF\x02\x01\x01\x00" + bytes(8) + bytes(range(256)) * 4, "binary file")
    put("noise.txt", bytes(range(128, 256)) * 8, "encoding")
    put("bad-bom.txt", b"\xff\xfe\x00\xd8", "byte-order mark")
    put("huge.txt", ("越南与俄罗斯。" * 600_000).encode(), "over the 10 MB limit")
    put("too-long.txt", ("越南与俄罗斯合作。" * 4_000).encode(), "over the 20,000 limit")
    for name in ("random.pdf", "html-named.pdf", "truncated.pdf"):
        expected[name] = ""
    (folder / "random.pdf").write_bytes(bytes(range(256)) * 8)
    (folder / "html-named.pdf").write_bytes(b"<html><body><p>not a pdf</p></body></html>")
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 50, 50)
    scanned = bytes(pdf.output())
    put("scanned.pdf", scanned, "text layer")
    (folder / "truncated.pdf").write_bytes(scanned[: len(scanned) // 3])
    for name, data in (("random.docx", bytes(range(256)) * 8), ("pdf-named.docx", scanned), ("text-named.docx", b"just text")):
        put(name, data, "")
    menu = "".join(f"<li><a href='/{n}'>栏目{n}</a></li>" for n in range(6))
    put("navigation-only.html", f"<html><body><nav><ul>{menu}</ul></nav></body></html>".encode(), "no article text")
    put("empty.html", b"", "")
    put("binary.htm", bytes(range(256)) * 8, "")
    for n in range(3):
        os.mkfifo(folder / f"fifo{n}.txt")
        expected[f"fifo{n}.txt"] = "not a regular file"
        (folder / f"dangling{n}.txt").symlink_to(outside / f"missing{n}.txt")
        expected[f"dangling{n}.txt"] = "broken symbolic link"
        target = outside / f"secret{n}.txt"
        target.write_text("机密\n外部文件。\n", encoding="utf-8")
        (folder / f"outside{n}.txt").symlink_to(target)
        expected[f"outside{n}.txt"] = "not followed"
    (folder / "linked-folder").symlink_to(outside, target_is_directory=True)
    expected["linked-folder"] = "not followed"
    for raw in (b"caf\xe9.txt", b"\xff\xfe.txt", b"gbk-\xd4\xbd\xc4\xcf.txt"):
        with open(os.path.join(os.fsencode(folder), raw), "wb") as file:
            file.write("标题\n正文。\n".encode())
        expected[os.fsencode(raw).decode("utf-8", "backslashreplace")] = "not valid UTF-8"
    put("zz-copy-of-good.txt", (folder / "good.txt").read_bytes(), "same content as good.txt")
    (folder / "sub").mkdir()
    (folder / "sub" / "good.txt").write_text("另一篇\n同名的另一篇文章。\n", encoding="utf-8")
    expected["sub/good.txt"] = "another file named good.txt"
    return expected


def test_every_bad_entry_is_refused_on_its_own_line_and_the_rest_ingests(tmp_path):
    folder, outside = tmp_path / "docs", tmp_path / "elsewhere"
    folder.mkdir()
    outside.mkdir()
    (folder / "good.txt").write_text("越俄贸易\n两国贸易额达到22亿美元，阿列克谢•波波夫出席。\n", encoding="utf-8")
    (folder / "notes.md").write_text("# 疫苗合作\n\n越南签署了购买 6000 万剂疫苗的合同。\n", encoding="utf-8")
    (folder / "folder-named.txt").mkdir()  # a folder named like a file is a folder: read inside
    (folder / "folder-named.txt" / "inside.txt").write_text("文件夹里的文章\n内容完整。\n", encoding="utf-8")
    expected = bad_entries(folder, outside)
    assert len(expected) >= 60

    result = run_cli(folder, data_dir=tmp_path / "data", max_file_chars=20_000)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == len(expected), "\n".join(lines)
    for name, reason in expected.items():
        mine = [line for line in lines if f"/docs/{name}:" in line]
        assert len(mine) == 1, (name, lines)
        assert reason in mine[0], mine[0]
    files, chunks, embedded, skipped, errors = SUMMARY.match(result.stdout.strip().splitlines()[-1]).groups()
    assert (files, errors) == ("3", str(len(expected)))
    store = open_store(Settings(data_dir=tmp_path / "data"), make_embeddings("e5", show_progress=False))
    assert sorted(store.records) == ["good.txt", "inside.txt", "notes.md"]
    assert "22亿美元" in store.article("good.txt").body and store.article("notes.md").title == "疫苗合作"


def test_web_pages_pdfs_and_word_files_are_answered_with_verbatim_quotes_and_pages(tmp_path, e5):
    import docx

    from rag.assistant import Assistant

    from .test_formats import new_pdf, news_page

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "page.html").write_text(news_page(), encoding="utf-8")
    pdf = new_pdf()
    pdf.set_title("越南咖啡出口")
    pdf.add_page()
    pdf.multi_cell(60, 8, "越南是世界第二大咖啡生产国，咖啡种植主要集中在西原地区。", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.multi_cell(60, 8, "2023年，越南咖啡出口额达到42亿美元，同比增长5%。", new_x="LMARGIN", new_y="NEXT")
    (folder / "coffee.pdf").write_bytes(bytes(pdf.output()))
    document = docx.Document()
    document.core_properties.title = "河内地铁"
    document.add_paragraph("河内吉灵—河东城铁线路全长13公里，设12个车站。")
    document.save(folder / "metro.docx")

    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    report = ingest([folder], settings=settings, show_progress=False)
    assert (report.files, report.errors) == (3, [])
    assistant = Assistant(ChunkStore(chroma_client(settings), e5, settings.data_dir), settings)
    assert assistant.store.article("coffee.pdf").title == "越南咖啡出口"

    answer = assistant.ask("2023年越南咖啡出口额是多少？")
    best = answer.citations[0]
    assert (best.source, best.page) == ("coffee.pdf", 2)
    assert "42亿美元" in best.quote
    metro = assistant.ask("河内吉灵—河东城铁线路全长多少公里？").citations[0]
    assert metro.source == "metro.docx" and "13公里" in metro.quote and metro.page is None
    for citation in [*answer.citations, metro]:
        body = assistant.store.article(citation.source).body
        assert body[citation.start : citation.end] == citation.quote


def test_cancelled_rebuild_leaves_the_shared_store_answering(settings, seed_copy, e5):
    """The chat app's store is shared by questions and uploads: a cancelled rebuild must
    leave it serving the committed index, and a later ingest must work."""
    ingest([seed_copy], settings=settings, show_progress=False)
    store = open_store(settings, e5)
    query = e5.embed_query("越南企业签署了购买多少剂Sputnik疫苗的合同？")
    before = [hit[0] for hit in store.dense_search(query, 5)]
    seen = []

    def cancel_after_two_batches(done, total):
        seen.append((done, total))
        if len(seen) == 2:
            raise IngestCancelled

    with pytest.raises(IngestCancelled):
        ingest([seed_copy], settings=settings, store=store, rebuild=True, show_progress=False,
               progress=cancel_after_two_batches)  # fmt: skip
    assert seen[0][0] < seen[1][0] < seen[1][1]  # counted texts, stopped midway
    assert [hit[0] for hit in store.dense_search(query, 5)] == before
    assert [hit[0] for hit in open_store(settings, e5).dense_search(query, 5)] == before
    report = ingest([seed_copy], settings=settings, store=store, show_progress=False)
    assert (report.skipped, report.embedded) == (5, 0)


def test_an_index_of_an_earlier_layout_is_refused_then_rebuilt_by_ingest(settings, seed_copy, e5):
    ingest([seed_copy], settings=settings, show_progress=False)
    manifest_path = settings.data_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["layout"]  # as written before sentences were bounded, files named by hash alone
    for record in manifest["articles"].values():
        del record["files"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexOutdatedError, match="run `python ingest.py`"):
        open_store(settings, e5).require_index()
    # Adding one new article rebuilds the whole index, re-reading the files it was read from.
    new = settings.data_dir.parent / "new.txt"
    new.write_text("新文章\n两国签署了教育合作协议。\n", encoding="utf-8")
    report = ingest([new], settings=settings, show_progress=False)
    rebuilt = open_store(settings, e5)
    rebuilt.require_index()
    assert report.errors == [] and report.embedded == report.chunks
    assert sorted(rebuilt.records) == sorted([p.name for p in SEED_FILES] + ["new.txt"])


QUESTION = "越南企业签署了购买多少剂Sputnik疫苗的合同？"


def asking_threads(assistant, stop, failures, answers, threads=3):
    """Threads asking ``QUESTION`` until ``stop`` is set; exceptions and refusals are counted."""
    import threading

    def ask():
        while not stop.is_set():
            try:
                answers.append(assistant.ask(QUESTION))
            except Exception as error:  # noqa: BLE001 - every failure is what the test counts
                failures.append(repr(error))

    started = [threading.Thread(target=ask, daemon=True) for _ in range(threads)]
    for thread in started:
        thread.start()
    return started


def test_rebuild_and_upload_while_questions_keep_coming_fail_none(settings, seed_copy, e5, tmp_path):
    import threading

    from rag.assistant import Assistant

    ingest([seed_copy], settings=settings, show_progress=False)
    assistant = Assistant(open_store(settings, e5), settings)
    stop, failures, answers = threading.Event(), [], []
    threads = asking_threads(assistant, stop, failures, answers)
    try:
        ingest([seed_copy], settings=settings, store=assistant.store, rebuild=True, show_progress=False)
        upload = tmp_path / "forum.txt"
        upload.write_text("越俄青年论坛\n首届越俄青年论坛在岘港举行，共有350名青年代表出席。\n", encoding="utf-8")
        ingest([upload], settings=settings, store=assistant.store, show_progress=False)
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    assert len(answers) > 10 and all("6000 万剂" in a.text for a in answers)
    assert "350名" in assistant.ask("首届越俄青年论坛有多少名青年代表出席？").text


def test_cli_ingest_while_the_app_serves_is_seen_and_kept(settings, seed_copy, e5, tmp_path):
    from rag.assistant import Assistant

    ingest([seed_copy], settings=settings, show_progress=False)
    app = Assistant(open_store(settings, e5), settings)
    app.ask(QUESTION)  # the app has served questions from its view of the index
    cli_folder = tmp_path / "cli"
    cli_folder.mkdir()
    (cli_folder / "forum.txt").write_text("越俄青年论坛\n首届越俄青年论坛在岘港举行，共有350名青年代表出席。\n", encoding="utf-8")
    result = run_cli(cli_folder, data_dir=settings.data_dir)
    assert result.returncode == 0, result.stderr
    assert "350名" in app.ask("首届越俄青年论坛有多少名青年代表出席？").text
    upload = tmp_path / "upload.txt"
    upload.write_text("河内地铁\n河内吉灵—河东城铁线路全长13公里。\n", encoding="utf-8")
    ingest([upload], settings=settings, store=app.store, show_progress=False)  # an upload through the app
    kept = open_store(settings, make_embeddings("e5", show_progress=False))
    assert {"forum.txt", "upload.txt"} <= set(kept.records) and len(kept.records) == 7


READER = """
import sys, time
from rag.assistant import Assistant
from rag.settings import Settings
bot = Assistant.load(Settings(data_dir=sys.argv[1], _env_file=None))
errors = asked = 0
deadline = time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    try:
        answer = bot.ask("越南企业签署了购买多少剂Sputnik疫苗的合同？")
        asked += 1
    except Exception as error:
        errors += 1
        print("error", repr(error), file=sys.stderr)
print(asked, errors)
"""


def test_a_reader_process_answers_without_errors_while_an_article_is_replaced(settings, seed_copy, e5):
    ingest([seed_copy], settings=settings, show_progress=False)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(settings.data_dir), "25"], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    target = seed_copy / SEED_FILES[3].name
    original = target.read_text(encoding="utf-8")
    time.sleep(8)  # the reader has loaded the model and is asking
    replaced = 0
    for doses in ("7000 万剂", "8000 万剂", "6000 万剂", "9000 万剂"):
        target.write_text(original.replace("6000 万剂", doses), encoding="utf-8")
        replaced += ingest([seed_copy], settings=settings, show_progress=False).embedded > 0
    out, err = reader.communicate(timeout=120)
    asked, errors = map(int, out.split())
    assert replaced == 4 and asked > 20
    assert errors == 0, err[-2000:]



@pytest.mark.parametrize("answerer", ["extractive", "llm"])
def test_a_question_that_outlasts_two_commits_is_answered_from_the_newest_generation(
    settings, seed_copy, e5, answerer
):
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from rag.assistant import Assistant

    ingest([seed_copy], settings=settings, show_progress=False)
    # The fake LLM answers each attempt with a claim and a marker; the quote is the article's.
    reply = "越南企业签署了购买 Sputnik 疫苗的合同。[1]"
    chat_model = GenericFakeChatModel(messages=iter([AIMessage(reply), AIMessage(reply)])) if answerer == "llm" else None
    assistant = Assistant(open_store(settings, e5), settings, chat_model)
    target = seed_copy / SEED_FILES[3].name
    original = target.read_text(encoding="utf-8")
    retrieve = assistant.retrieve

    def retrieve_then_two_commits_elsewhere(*args):
        # Another writer (its own store, as in another process) commits twice between this
        # question's search and its reading of the articles: the second commit's clean-up
        # removes the files of the generation the search found.
        contexts = retrieve(*args)
        if not getattr(retrieve_then_two_commits_elsewhere, "done", False):
            retrieve_then_two_commits_elsewhere.done = True
            for doses in ("7000 万剂", "9000 万剂"):
                target.write_text(original.replace("6000 万剂", doses), encoding="utf-8")
                assert ingest([seed_copy], settings=settings, show_progress=False).embedded > 0
            with pytest.raises(GenerationGoneError):
                assistant.store.article(target.name)
        return contexts

    assistant.retrieve = retrieve_then_two_commits_elsewhere
    answer = assistant.ask(QUESTION)
    assert not answer.refused and answer.citations, answer.text
    for citation in answer.citations:  # quoted from the newest generation's articles
        assert assistant.store.article(citation.source).body[citation.start : citation.end] == citation.quote
    if answerer == "extractive":
        assert "9000 万剂" in answer.text


KILLER = """
import os, signal, sys
from pathlib import Path

import rag.store
from rag.ingestion import ingest
from rag.settings import Settings

step, data_dir, folder = sys.argv[1:4]
real_replace = os.replace


def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def die_at_the_manifest(source, destination):  # every other file is written by then
    if Path(destination).name == "manifest.json":
        die()
    real_replace(source, destination)


owner, name, replacement = {
    "chunks": (rag.store.ChunkStore, "stage", die),
    "keyword": (rag.store.KeywordIndex, "save", die),
    "article": (rag.store, "write_json_atomic", die),
    "vectors": (rag.store, "write_array_atomic", die),
    "manifest": (os, "replace", die_at_the_manifest),
}[step]
setattr(owner, name, replacement)
ingest([folder], settings=Settings(data_dir=data_dir, _env_file=None), rebuild=True, show_progress=False)
print("not killed")
"""


@pytest.mark.parametrize("step", ["chunks", "keyword", "article", "vectors", "manifest"])
def test_a_rebuild_killed_at_any_write_step_leaves_the_previous_index_answering(settings, seed_copy, e5, step):
    """kill -9 of a real ingest process at each step a rebuild writes."""
    from rag.assistant import Assistant

    ingest([seed_copy], settings=settings, show_progress=False)
    expected = Assistant(open_store(settings, e5), settings).ask(QUESTION).text
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, step, str(settings.data_dir), str(seed_copy)], cwd=ROOT,
        capture_output=True, text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert killed.returncode == -9, killed.stdout + killed.stderr[-2000:]

    after = Assistant(open_store(settings, e5), settings)
    assert after.ask(QUESTION).text == expected
    repaired = ingest([seed_copy], settings=settings, rebuild=True, show_progress=False)
    assert repaired.errors == [] and Assistant(open_store(settings, e5), settings).ask(QUESTION).text == expected
