"""Ingestion: files → clean articles → chunks → embeddings in Chroma + the BM25 index.

Run as ``python ingest.py [PATH ...] [--prune] [--rebuild]`` or ``rag-ingest``, or call
``rag.ingest(paths)``. The last line printed is machine-readable::

    files=5 chunks=40 embedded=40 skipped=0 errors=0 seconds=3.1
"""

from __future__ import annotations

import argparse
import bisect
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.chunking import chunk_article, split_sentences
from rag.documents import DocumentError, load_article, printable
from rag.embeddings import make_embeddings
from rag.keyword import segmenter
from rag.schema import Article, Chunk
from rag.settings import Settings
from rag.store import ChunkStore, StoreError, chroma_client, server_errors, writer_lock

DEFAULT_PATHS = ("seeds",)


class IngestCancelled(Exception):
    """Raised by a ``progress`` callback to stop an ingest; nothing is committed."""


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


def expand_paths(
    paths: Iterable[str | Path], report: IngestReport, follow_symlinks: bool = False, data_dir: Path | None = None
) -> list[Path]:
    """Files named directly, and every file below named folders (hidden ones and the index's
    own ``data_dir`` aside), each once.

    Inside a folder a symbolic link is followed only to a file within that folder (or
    anywhere with ``follow_symlinks``): ``ln -s /etc/passwd docs/x.txt`` is refused.
    What cannot be read is reported by ``load_article``, one line per file.
    """
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            root, visited = path.resolve(), set()
            for folder, folders, names in os.walk(path, followlinks=follow_symlinks):
                if Path(folder).resolve() in visited:  # a followed link back up the tree
                    folders[:] = []
                    continue
                visited.add(Path(folder).resolve())
                folders[:] = sorted(
                    f for f in folders if not f.startswith(".") and (Path(folder) / f).resolve() != data_dir
                )
                if not follow_symlinks:
                    for linked in [f for f in folders if (Path(folder) / f).is_symlink()]:
                        report.errors.append(
                            f"{printable(Path(folder) / linked)}: symbolic link to a folder; not followed "
                            "(use --follow-symlinks to allow it)"
                        )
                        folders.remove(linked)
                for name in sorted(n for n in names if not n.startswith(".")):
                    file = Path(folder) / name
                    target = file.resolve()
                    if file.is_symlink() and target.exists() and not (follow_symlinks or target.is_relative_to(root)):
                        report.errors.append(
                            f"{printable(file)}: symbolic link to {printable(target)}, outside {printable(root)}; "
                            "not followed (use --follow-symlinks to allow it)"
                        )
                    else:
                        files.append(file)
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            report.errors.append(f"{printable(path)}: no such file or folder")
    unique: dict[Path, Path] = {}  # a file named twice (a folder and inside it, a link) is read once
    for file in files:
        unique.setdefault(file.resolve(), file)
    return list(unique.values())


def ingest(
    paths: Iterable[str | Path] | None = None,
    *,
    settings: Settings | None = None,
    store: ChunkStore | None = None,
    prune: bool = False,
    rebuild: bool = False,
    replace: bool = False,
    follow_symlinks: bool = False,
    show_progress: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Index articles; unchanged files are skipped, changed ones replaced.

    Args:
        paths: files or folders; ``seeds/`` when omitted.
        settings: defaults to ``Settings()`` (environment and ``.env``).
        store: an open store to write to (the UI passes its own); built from settings if omitted.
        prune: also remove articles whose files are not among ``paths``.
        rebuild: re-embed everything into a fresh collection (e.g. after changing model).
        replace: let a file replace the article of its name indexed from another folder
            (refused otherwise, so that two ``report.txt`` do not overwrite each other).
        follow_symlinks: follow links inside folders to files outside them.
        progress: called as ``progress(done, total)`` while texts are embedded; an
            exception it raises (``IngestCancelled``) abandons the ingest, index unchanged.

    Returns:
        The counts; per-file problems are in ``errors`` and do not stop the others.

    Raises:
        StoreError: another writer holds the lock, or the embedding model differs from the
            index's (use ``rebuild=True``).
    """
    started = time.perf_counter()
    settings = settings or Settings()
    report = IngestReport()
    paths = list(paths or DEFAULT_PATHS)
    with (
        writer_lock(Path(settings.data_dir), settings.lock_timeout),
        server_errors(settings, "nothing was committed: start it again and re-run the ingest"),
    ):
        if store is None:
            embeddings = make_embeddings(
                settings.embedding, settings.embedding_batch_size, show_progress, settings.embedding_device
            )
            store = ChunkStore(chroma_client(settings), embeddings, settings.data_dir)
        store.refresh()  # what another process committed counts (and is kept)
        if store.outdated:  # written by an earlier version: rebuilt, with every file it holds
            rebuild = True
            paths += [record["path"] for record in store.records.values() if Path(record.get("path", "")).is_file()]
        files = expand_paths(paths, report, follow_symlinks, Path(settings.data_dir).resolve())
        store.prepare_write(rebuild=rebuild)
        try:
            changed, path_of = read_files(files, store, settings, report, replace)
            embed_and_stage(changed, store, settings, report, path_of, progress)
            if prune:
                # By the files given, not those read: a file that fails now (damaged, or
                # named like one indexed from another folder) keeps its article.
                for source in set(store.records) - {path.name for path in files}:
                    store.remove(source)
                    report.removed += 1
            store.commit()
        except BaseException:  # cancelled, out of memory, Ctrl-C: the committed index stays as it was
            store.abandon()
            raise
    report.seconds = time.perf_counter() - started
    return report


def read_files(
    files: list[Path], store: ChunkStore, settings: Settings, report: IngestReport, replace: bool
) -> tuple[list[Article], dict[str, Path]]:
    """The articles that are new or changed, and where each was read."""
    changed: list[Article] = []
    path_of: dict[str, Path] = {}
    seen: set[str] = set()
    source_of_content = {record["file_hash"]: source for source, record in store.records.items()}
    for path in files:
        article = read_one(path, settings, report)
        if article is None:
            continue
        problem = conflict(article, path, store, seen, source_of_content, replace)
        if problem:
            report.errors.append(f"{printable(path)}: {problem}")
            continue
        seen.add(article.source)
        source_of_content.setdefault(article.file_hash, article.source)
        path_of[article.source] = path.resolve()
        report.files += 1
        if store.is_current(article.source, article.file_hash):
            report.skipped += 1
            report.chunks += len(store.records[article.source]["chunk_ids"])
        else:
            changed.append(article)
    return changed, path_of


def embed_and_stage(
    changed: list[Article],
    store: ChunkStore,
    settings: Settings,
    report: IngestReport,
    path_of: dict[str, Path],
    progress: Callable[[int, int], None] | None,
) -> None:
    """Chunk and embed the articles and stage them in the store (visible at commit).

    Every text goes through the model once: each title and sentence (sentences are what an
    answer quotes); a chunk's vector is the mean of its title's and sentences' vectors.
    """
    chunks_of = {a.source: chunk_article(a, settings.chunk_size, settings.chunk_overlap) for a in changed}
    spans_of = {a.source: split_sentences(a.body) for a in changed}
    texts = [a.title for a in changed] + [a.body[s:e] for a in changed for s, e in spans_of[a.source]]
    if texts:
        # jieba's dictionary takes most of a second to load; the model releases the GIL
        # while it embeds, so load the dictionary meanwhile instead of after.
        threading.Thread(target=segmenter, daemon=True).start()
    on_batch = (lambda done: progress(done, len(texts))) if progress else None
    vectors = store.embeddings.embed_array(texts, on_batch)
    offset = len(changed)
    for n, article in enumerate(changed):
        spans, chunks = spans_of[article.source], chunks_of[article.source]
        sentence_vectors = vectors[offset : offset + len(spans)]
        offset += len(spans)
        store.stage(
            article, chunks, chunk_vectors(chunks, spans, vectors[n], sentence_vectors),
            sentence_vectors, str(path_of[article.source]),
        )  # fmt: skip
        report.chunks += len(chunks)
        report.embedded += len(chunks)


def read_one(path: Path, settings: Settings, report: IngestReport) -> Article | None:
    """The article of ``path``, or None with the reason in ``report.errors``."""
    try:
        return load_article(path, settings.max_file_bytes, settings.max_file_chars)
    except DocumentError as error:
        report.errors.append(str(error))
    except Exception as error:  # noqa: BLE001 - a reader library's bug in one file must not end the run
        report.errors.append(f"{printable(path)}: could not be read ({type(error).__name__}: {error})")
    return None


def conflict(
    article: Article, path: Path, store: ChunkStore, seen: set[str], source_of_content: dict[str, str], replace: bool
) -> str:
    """Why ``article`` must not be indexed from ``path`` ("" when it may)."""
    if article.source in seen:
        return f"another file named {article.source} is already in this ingest"
    indexed_from = store.records.get(article.source, {}).get("path")
    moved = indexed_from and not Path(indexed_from).exists()  # the folder was moved or renamed
    if indexed_from and not (replace or moved) and Path(indexed_from).parent != path.resolve().parent:
        return (
            f"an article named {article.source} is already indexed from {indexed_from}; rename this file, "
            "or replace it with --replace (rag.ingest(..., replace=True))"
        )
    same = source_of_content.get(article.file_hash)
    if same and same != article.source:
        return f"same content as {same}, which is indexed; not indexed twice"
    return ""


def chunk_vectors(chunks: list[Chunk], spans: list[tuple[int, int]], title: np.ndarray, sentences: np.ndarray) -> np.ndarray:
    """Each chunk's vector: the normalised mean of its title's and its sentences' vectors (a
    chunk is a run of whole sentences, so the model never reads a text twice). Weighting
    them by length, as the model pools its tokens, retrieved less well on CMRC 2018."""
    starts = [start for start, _ in spans]
    rows = []
    for chunk in chunks:
        first, last = bisect.bisect_left(starts, chunk.start), bisect.bisect_left(starts, chunk.end)
        pooled = title + sentences[first:last].sum(axis=0)
        rows.append(pooled / np.linalg.norm(pooled))
    return np.array(rows, dtype=np.float32).reshape(len(chunks), -1)


def remove_articles(sources: Iterable[str], *, settings: Settings, store: ChunkStore) -> int:
    """Remove articles from the index by file name; returns how many were indexed."""
    with writer_lock(Path(settings.data_dir), settings.lock_timeout), server_errors(settings, "nothing was removed"):
        store.prepare_write()
        known = [source for source in sources if source in store.records]
        for source in known:
            store.remove(source)
        store.commit()
    return len(known)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="rag-ingest",
        description="Index news articles (.txt .md .html .pdf .docx files, or folders of them) for the assistant.",
    )
    parser.add_argument("paths", nargs="*", default=list(DEFAULT_PATHS), help="files or folders (default: seeds/)")
    parser.add_argument("--prune", action="store_true", help="remove articles whose files are not given")
    parser.add_argument("--rebuild", action="store_true", help="re-embed everything into a fresh index")
    parser.add_argument("--replace", action="store_true", help="replace articles of the same name from other folders")
    parser.add_argument("--follow-symlinks", action="store_true", help="follow links to files outside the folders")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        report = ingest(
            args.paths, prune=args.prune, rebuild=args.rebuild, replace=args.replace,
            follow_symlinks=args.follow_symlinks, show_progress=not args.quiet,
        )  # fmt: skip
    except (StoreError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for message in report.errors:
        print(f"error: {message}", file=sys.stderr)
    if report.removed:
        print(f"removed {report.removed} article(s) whose files are gone", file=sys.stderr)
    print(report.summary())
    return 1 if report.errors else 0
