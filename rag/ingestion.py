"""Ingestion: files → clean articles → chunks → embeddings in Chroma + the BM25 index.

Run as ``python ingest.py [PATH ...] [--prune] [--rebuild]`` or ``rag-ingest``, or call
``rag.ingest(paths)``. The last line printed is machine-readable::

    files=5 chunks=40 embedded=40 skipped=0 errors=0 seconds=3.1
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.chunking import chunk_article, split_sentences
from rag.documents import SUPPORTED_SUFFIXES, DocumentError, load_article
from rag.embeddings import make_embeddings
from rag.keyword import segmenter
from rag.schema import Article
from rag.settings import Settings
from rag.store import ChunkStore, StoreError, chroma_client, writer_lock

DEFAULT_PATHS = ("seeds",)


@dataclass
class IngestReport:
    """What one ingest did. ``files`` counts files read, ``skipped`` the unchanged ones."""

    files: int = 0
    chunks: int = 0
    embedded: int = 0
    skipped: int = 0
    removed: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"files={self.files} chunks={self.chunks} embedded={self.embedded} "
            f"skipped={self.skipped} errors={len(self.errors)} seconds={self.seconds:.2f}"
        )


def expand_paths(paths: Iterable[str | Path], report: IngestReport) -> list[Path]:
    """Files named directly, and the .txt/.md files below named folders, each once."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            )
        elif path.exists():
            files.append(path)
        else:
            report.errors.append(f"{path}: no such file or folder")
    return list(dict.fromkeys(files))


def ingest(
    paths: Iterable[str | Path] | None = None,
    *,
    settings: Settings | None = None,
    store: ChunkStore | None = None,
    prune: bool = False,
    rebuild: bool = False,
    show_progress: bool = True,
) -> IngestReport:
    """Index articles; unchanged files are skipped, changed ones replaced.

    Args:
        paths: files or folders; ``seeds/`` when omitted.
        settings: defaults to ``Settings()`` (environment and ``.env``).
        store: an open store to write to (the UI passes its own); built from settings if omitted.
        prune: also remove articles whose files are not among ``paths``.
        rebuild: re-embed everything into a fresh collection (e.g. after changing model).

    Returns:
        The counts; per-file problems are in ``errors`` and do not stop the others.

    Raises:
        StoreError: another writer holds the lock, or the embedding model differs from the
            index's (use ``rebuild=True``).
    """
    started = time.perf_counter()
    settings = settings or Settings()
    report = IngestReport()
    files = expand_paths(paths or DEFAULT_PATHS, report)
    with writer_lock(Path(settings.data_dir), settings.lock_timeout):
        if store is None:
            embeddings = make_embeddings(
                settings.embedding, settings.embedding_batch_size, show_progress, settings.embedding_device
            )
            store = ChunkStore(chroma_client(settings), embeddings, settings.data_dir)
        store.prepare_write(rebuild=rebuild)

        changed: list[Article] = []
        path_of: dict[str, Path] = {}
        seen: set[str] = set()
        for path in files:
            try:
                article = load_article(path, settings.max_file_bytes)
            except DocumentError as error:
                report.errors.append(str(error))
                continue
            if article.source in seen:
                report.errors.append(f"{path}: another file named {article.source} is already in this ingest")
                continue
            seen.add(article.source)
            path_of[article.source] = path.resolve()
            report.files += 1
            if store.is_current(article.source, article.file_hash):
                report.skipped += 1
                report.chunks += len(store.records[article.source]["chunk_ids"])
            else:
                changed.append(article)

        chunks_of = {a.source: chunk_article(a, settings.chunk_size, settings.chunk_overlap) for a in changed}
        sentences_of = {a.source: [a.body[s:e] for s, e in split_sentences(a.body)] for a in changed}
        pending = [c for a in changed for c in chunks_of[a.source]]
        # One pass over the model for chunks (title + text, for retrieval) and sentences
        # (for choosing what an answer quotes), so batches stay full.
        texts = [f"{c.title}\n{c.text}" for c in pending]
        texts += [sentence for a in changed for sentence in sentences_of[a.source]]
        if texts:
            # jieba's dictionary takes most of a second to load; the model releases the GIL
            # while it embeds, so load the dictionary meanwhile instead of after.
            threading.Thread(target=segmenter, daemon=True).start()
        vectors = store.embeddings.embed_array(texts)
        chunk_offset, sentence_offset = 0, len(pending)
        for article in changed:
            chunks, sentences = chunks_of[article.source], sentences_of[article.source]
            store.stage(
                article,
                chunks,
                vectors[chunk_offset : chunk_offset + len(chunks)],
                vectors[sentence_offset : sentence_offset + len(sentences)],
                str(path_of[article.source]),
            )
            chunk_offset += len(chunks)
            sentence_offset += len(sentences)
        report.chunks += len(pending)
        report.embedded = len(pending)

        if prune:
            for source in set(store.records) - seen:
                store.remove(source)
                report.removed += 1
        store.commit()
    report.seconds = time.perf_counter() - started
    return report


def remove_articles(sources: Iterable[str], *, settings: Settings, store: ChunkStore) -> int:
    """Remove articles from the index by file name; returns how many were indexed."""
    with writer_lock(Path(settings.data_dir), settings.lock_timeout):
        store.prepare_write()
        known = [source for source in sources if source in store.records]
        for source in known:
            store.remove(source)
        store.commit()
    return len(known)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="rag-ingest", description="Index news articles (.txt/.md files or folders) for the assistant."
    )
    parser.add_argument("paths", nargs="*", default=list(DEFAULT_PATHS), help="files or folders (default: seeds/)")
    parser.add_argument("--prune", action="store_true", help="remove articles whose files are not given")
    parser.add_argument("--rebuild", action="store_true", help="re-embed everything into a fresh index")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        report = ingest(args.paths, prune=args.prune, rebuild=args.rebuild, show_progress=not args.quiet)
    except (StoreError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for message in report.errors:
        print(f"error: {message}", file=sys.stderr)
    if report.removed:
        print(f"removed {report.removed} article(s) whose files are gone", file=sys.stderr)
    print(report.summary())
    return 1 if report.errors else 0
