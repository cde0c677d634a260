"""The index: a Chroma collection, the keyword index and the cleaned articles, committed together.

``manifest.json`` in the data dir is the commit point. It names the Chroma collection, the
keyword-index folder and every article with its chunk ids. A write goes

1. add the new chunks to Chroma (invisible: their ids are not in the manifest yet),
2. save a new keyword-index folder and the article bodies,
3. replace ``manifest.json`` atomically,
4. delete the replaced chunks, folders and collections.

A process killed anywhere leaves the previous manifest and everything it names intact;
readers only see chunk ids that the manifest names, and the next writer deletes leftovers.

Layout of the data dir::

    chroma/             Chroma's PersistentClient (unused with a Chroma server)
    keyword/<gen>/      bm25s arrays + chunk tokens
    articles/<sha>.json cleaned articles, by file hash
    articles/<sha>.npy  their sentence embeddings, for picking answer sentences
    manifest.json
    ingest.lock
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from filelock import FileLock, Timeout

from rag.embeddings import BatchedEmbeddings
from rag.keyword import KeywordIndex, tokenize
from rag.schema import Article, Chunk
from rag.settings import Settings

COLLECTION_PREFIX = "rag_chunks_"
# How sentences are cut and chunks embedded; an index of another layout is rebuilt by the
# next ingest (sentence vectors must line up with ``split_sentences``).
LAYOUT = 2
ADD_BATCH = 1000  # Chroma caps one add; this stays far below the cap


class StoreError(RuntimeError):
    """Base of the store's errors; the message says what to do."""


class EmbeddingMismatchError(StoreError):
    pass


class IndexLockedError(StoreError):
    pass


class IndexMissingError(StoreError):
    pass


class IndexOutdatedError(StoreError):
    pass


def chroma_client(settings: Settings) -> chromadb.ClientAPI:
    """The local persistent client, or an HTTP client when ``RAG_CHROMA_HOST`` is set."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    path = Path(settings.data_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


@contextmanager
def writer_lock(data_dir: Path, timeout: float) -> Iterator[None]:
    """One writer per data dir: Chroma's local store is thread-safe but not process-safe."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(data_dir / "ingest.lock"))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise IndexLockedError(
            f"another ingest is writing to {data_dir} (waited {timeout:g} s for {lock.lock_file}); "
            "try again when it has finished"
        ) from None
    try:
        yield
    finally:
        lock.release()


def write_json_atomic(path: Path, data: object) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


class ChunkStore:
    """Chunks of many articles, searchable densely (Chroma) and by keywords (BM25).

    Example:
        >>> settings = Settings()
        >>> store = ChunkStore(chroma_client(settings), make_embeddings("e5"), settings.data_dir)
        >>> store.dense_search(store.embeddings.embed_query("越俄贸易"), k=3)  # doctest: +SKIP
    """

    def __init__(self, client: chromadb.ClientAPI, embeddings: BatchedEmbeddings, data_dir: Path):
        self.client = client
        self.embeddings = embeddings
        self.data_dir = Path(data_dir)
        self.manifest_path = self.data_dir / "manifest.json"
        self.manifest = self._read_manifest()
        self._articles: dict[str, Article] = {}
        self._sentence_vectors: dict[str, np.ndarray] = {}
        self._pending_sentences: dict[str, np.ndarray] = {}
        self._pending: dict[str, dict] = {}  # source -> record (None for removal)
        self._pending_articles: dict[str, Article] = {}
        self._pending_tokens: dict[str, list[list[str]]] = {}
        self._rebuilding = False
        self.collection = self._open_collection(self.manifest.get("collection"))
        self.keyword = self._load_keyword()
        self.committed_ids = {cid for rec in self.records.values() for cid in rec["chunk_ids"]}

    # reading ---------------------------------------------------------------------------
    def _read_manifest(self) -> dict:
        if self.manifest_path.exists():
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        return {"articles": {}}

    def _open_collection(self, name: str | None):
        if name is None:
            return None
        return self.client.get_or_create_collection(
            name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
        )

    def _new_collection(self):
        return self.client.create_collection(
            COLLECTION_PREFIX + uuid.uuid4().hex[:12],
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding": self.embeddings.identity, "created": time.time()},
            embedding_function=None,
        )

    def _load_keyword(self) -> KeywordIndex:
        folder = self.manifest.get("keyword_dir")
        if folder is None:
            return KeywordIndex.build([], [])
        return KeywordIndex.load(self.data_dir / folder)

    @property
    def records(self) -> dict[str, dict]:
        """Committed articles: source -> title, file_hash, dateline, dates, chunk_ids, ingested_at."""
        return self.manifest["articles"]

    @property
    def built_with(self) -> str | None:
        return self.manifest.get("embedding")

    @property
    def outdated(self) -> bool:
        """Whether the index was written in an earlier layout (the next ingest rebuilds it)."""
        return bool(self.records) and self.manifest.get("layout", 1) != LAYOUT

    def require_index(self) -> None:
        if not self.records:
            raise IndexMissingError(
                f"no index in {self.data_dir}: run `python ingest.py` (or `make chat`) first"
            )
        if self.outdated:
            raise IndexOutdatedError(
                f"the index in {self.data_dir} was built by an earlier version: run `python ingest.py` "
                "(or `make chat`) once to rebuild it from the files it was read from"
            )

    def article(self, source: str) -> Article:
        """The cleaned article, as committed."""
        if source not in self._articles:
            record = self.records[source]
            path = self.data_dir / "articles" / f"{record['file_hash']}.json"
            data = json.loads(path.read_text(encoding="utf-8"))
            data["dates"] = tuple(data["dates"])
            data["pages"] = tuple(map(tuple, data["pages"]))
            self._articles[source] = Article(**data)
        return self._articles[source]

    def sentence_vectors(self, source: str) -> np.ndarray:
        """Embeddings of the article's sentences, in ``split_sentences(body)`` order."""
        record = self.records[source]
        if source not in self._sentence_vectors:
            path = self.data_dir / "articles" / f"{record['file_hash']}.npy"
            self._sentence_vectors[source] = np.load(path)
        return self._sentence_vectors[source]

    def dense_search(self, vector: list[float], k: int) -> list[tuple[str, str, dict, float]]:
        """``(id, text, metadata, cosine similarity)`` of the nearest committed chunks."""
        if self.collection is None or not self.committed_ids:
            return []
        # Leftovers of a killed write may sit in the collection; ask for more and skip them.
        total = self.collection.count()
        extra = total - len(self.committed_ids)
        n = min(total, k + max(extra, 0))
        result = self.collection.query(
            query_embeddings=[vector], n_results=n, include=["documents", "metadatas", "distances"]
        )
        hits = [
            (cid, text, meta, 1.0 - dist)
            for cid, text, meta, dist in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0]
            )
            if cid in self.committed_ids
        ]
        return hits[:k]

    def get_chunks(self, ids: list[str], with_embeddings: bool = False) -> dict[str, tuple]:
        """``id -> (text, metadata)`` of chunks, with the embedding appended if asked."""
        if not ids or self.collection is None:
            return {}
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        result = self.collection.get(ids=ids, include=include)
        columns = [result["documents"], result["metadatas"]]
        if with_embeddings:
            columns.append(result["embeddings"])
        return {cid: values for cid, *values in zip(result["ids"], *columns)}

    # writing ---------------------------------------------------------------------------
    def prepare_write(self, rebuild: bool = False) -> None:
        """Check the embedding model, clear leftovers of killed writes, maybe start afresh.

        Call with the writer lock held.

        Raises:
            EmbeddingMismatchError: the index was built with another embedding model.
        """
        self.repair()
        identity = self.embeddings.identity
        if rebuild:
            self._rebuilding = True
            self.collection = self._new_collection()
            self._pending = {source: None for source in self.records}
        elif self.collection is None:
            self.collection = self._new_collection()
        elif self.built_with not in (None, identity):
            raise EmbeddingMismatchError(
                f"the index in {self.data_dir} was built with {self.built_with}, not {identity}; "
                "re-ingest everything with --rebuild (or set RAG_EMBEDDING back)"
            )

    def repair(self) -> None:
        """Delete what a killed write left behind: chunks, keyword folders, collections."""
        current = self.manifest.get("collection")
        for collection in self.client.list_collections():
            name = getattr(collection, "name", collection)
            if name.startswith(COLLECTION_PREFIX) and name != current:
                self.client.delete_collection(name)
        if self.collection is not None:
            stray = [cid for cid in self.collection.get(include=[])["ids"] if cid not in self.committed_ids]
            for begin in range(0, len(stray), ADD_BATCH):
                self.collection.delete(ids=stray[begin : begin + ADD_BATCH])
        keyword_root = self.data_dir / "keyword"
        if keyword_root.exists():
            for folder in keyword_root.iterdir():
                if f"keyword/{folder.name}" != self.manifest.get("keyword_dir"):
                    shutil.rmtree(folder, ignore_errors=True)
        articles_root = self.data_dir / "articles"
        if articles_root.exists():
            live = {f"{rec['file_hash']}{ext}" for rec in self.records.values() for ext in (".json", ".npy")}
            for path in articles_root.iterdir():
                if path.name not in live:
                    path.unlink(missing_ok=True)

    def is_current(self, source: str, digest: str) -> bool:
        """True when ``source`` is indexed from a file with this hash (nothing to do)."""
        if self._rebuilding or source in self._pending:
            return False
        record = self.records.get(source)
        return record is not None and record["file_hash"] == digest

    def stage(
        self,
        article: Article,
        chunks: list[Chunk],
        vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        path: str = "",
    ) -> None:
        """Add an article's chunks to Chroma, invisible until ``commit``."""
        for begin in range(0, len(chunks), ADD_BATCH):
            batch = chunks[begin : begin + ADD_BATCH]
            self.collection.upsert(
                ids=[c.id for c in batch],
                embeddings=vectors[begin : begin + len(batch)],
                documents=[c.text for c in batch],
                metadatas=[
                    {"source": c.source, "title": c.title, "start": c.start, "end": c.end, "index": c.index}
                    for c in batch
                ],
            )
        self._pending[article.source] = {
            "title": article.title,
            "file_hash": article.file_hash,
            "dateline": article.dateline,
            "dates": list(article.dates),
            "chunk_ids": [c.id for c in chunks],
            "ingested_at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "path": path,  # where it was read from, so that a rebuild can read it again
        }
        self._pending_articles[article.source] = article
        self._pending_sentences[article.source] = sentence_vectors.astype(np.float32)
        self._pending_tokens[article.source] = [tokenize(f"{c.title}\n{c.text}") for c in chunks]

    def remove(self, source: str) -> None:
        """Remove an article at the next ``commit``."""
        if source in self.records or source in self._pending:
            self._pending[source] = None

    def abandon(self) -> None:
        """Forget staged changes (a failed or cancelled write); readers keep the committed
        index, and the next writer deletes what was added to Chroma."""
        self._pending.clear()
        self._pending_articles.clear()
        self._pending_sentences.clear()
        self._pending_tokens.clear()
        self._rebuilding = False
        self.collection = self._open_collection(self.manifest.get("collection"))

    def commit(self) -> None:
        """Make staged changes visible at once, then drop what they replaced."""
        if not self._pending:
            return
        old_records = self.records
        records = {s: r for s, r in old_records.items() if s not in self._pending}
        records.update({s: r for s, r in self._pending.items() if r is not None})

        token_of = dict(zip(self.keyword.ids, self.keyword.tokens))
        for source, tokens in self._pending_tokens.items():
            token_of.update(zip(self._pending[source]["chunk_ids"], tokens))
        ids = [cid for source in sorted(records) for cid in records[source]["chunk_ids"]]
        keyword_dir = f"keyword/{uuid.uuid4().hex[:12]}"
        KeywordIndex.build(ids, [token_of[cid] for cid in ids]).save(self.data_dir / keyword_dir)

        articles_root = self.data_dir / "articles"
        articles_root.mkdir(parents=True, exist_ok=True)
        for article in self._pending_articles.values():
            data = asdict(article)
            write_json_atomic(articles_root / f"{article.file_hash}.json", data)
            np.save(articles_root / f"{article.file_hash}.npy", self._pending_sentences[article.source])

        old_collection = self.manifest.get("collection")
        self.manifest = {
            "layout": LAYOUT,
            "collection": self.collection.name,
            "embedding": self.embeddings.identity,
            "keyword_dir": keyword_dir,
            "articles": records,
        }
        write_json_atomic(self.manifest_path, self.manifest)

        # Committed: from here on, only clean-up.
        # A Collection object that has already served queries keeps answering them from the
        # state it first saw (chromadb 1.5, local mode); a fresh handle sees the new chunks.
        self.collection = self._open_collection(self.manifest["collection"])
        self.committed_ids = set(ids)
        self.keyword = KeywordIndex.load(self.data_dir / keyword_dir)
        for source in self._pending:
            self._articles.pop(source, None)
            self._sentence_vectors.pop(source, None)
        self._pending.clear()
        self._pending_articles.clear()
        self._pending_sentences.clear()
        self._pending_tokens.clear()
        if self._rebuilding and old_collection:
            self.client.delete_collection(old_collection)
        self._rebuilding = False
        self.repair()
