"""The index: a Chroma collection, the keyword index and the cleaned articles, committed together.

``manifest.json`` in the data dir is the commit point. It names the Chroma collection, the
keyword-index folder and every article with its chunk ids and files. A write goes

1. add the new chunks to Chroma (invisible: their ids are not in the manifest yet), into a
   new collection for a rebuild, while readers keep the old one;
2. save a new keyword-index folder and the articles' files, each under a new name, written
   to a temporary name and renamed;
3. keep the old manifest as ``manifest.previous.json``, replace ``manifest.json`` atomically;
4. delete what neither of the two manifests names.

A process killed anywhere leaves the previous manifest and everything it names intact.
Readers, in this process or another, notice a new manifest at their next question
(``refresh``) and answer from it; one still busy with the previous generation finds its
files, chunks and collection there, because deletion waits one more commit; one that
outlasts two commits meets ``GenerationGoneError`` and is answered again from the newest.

Several data dirs may share one Chroma server: every collection is named after the index
that owns it (``rag_chunks_<index id>_<generation>``), and an index deletes only its own.

Layout of the data dir::

    chroma/                    Chroma's PersistentClient (unused with a Chroma server)
    keyword/<gen>/             bm25s arrays + chunk tokens
    articles/<name>.json       cleaned articles
    articles/<name>.npy        their sentence embeddings, for picking answer sentences
    manifest.json              the committed state
    manifest.previous.json     the state before, kept until the next commit
    ingest.lock
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import NamedTuple

import chromadb
import chromadb.errors
import httpx
import numpy as np
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings
from filelock import FileLock, Timeout

from rag.embeddings import BatchedEmbeddings
from rag.keyword import KeywordIndex, tokenize
from rag.schema import Article, Chunk
from rag.settings import Settings

COLLECTION_PREFIX = "rag_chunks_"
# How sentences are cut, chunks embedded and files named; an index of another layout is
# rebuilt by the next ingest (sentence vectors must line up with ``split_sentences``).
LAYOUT = 4
ADD_BATCH = 1000  # Chroma caps one add; this stays far below the cap
# The chunks of the last commit that every dense search compares exactly (an upload of a
# few articles; fetching them costs about 2 ms a question); a larger commit is left to
# the vector index, which the commit has waited for.
MAX_RECENT = 64
# Up to this many chunks a dense search compares the question with every committed chunk,
# from their embeddings held in memory (1.5 kB a chunk, read once per generation; about
# 1 ms a question for 3000 chunks): chromadb's approximate index was seen to leave out the
# two nearest chunks of an index committed long before, in one process in ten. Beyond it,
# the approximate index.
EXACT_SEARCH_MAX_CHUNKS = 50_000
SEARCHABLE_TIMEOUT = 60.0  # seconds a commit waits for Chroma to serve what it staged


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


class ServerUnavailableError(StoreError):
    pass


class GenerationGoneError(StoreError):
    """The generation a question was reading was deleted under it: another process committed
    twice while the question ran, and the second commit's clean-up removed its files."""


# What the HTTP client raises when the Chroma server is gone (refused, reset, timed out).
SERVER_GONE = (httpx.TransportError,)


@contextmanager
def server_errors(settings: Settings, outcome: str) -> Iterator[None]:
    """A Chroma server that goes away becomes one ``ServerUnavailableError`` naming it and
    saying what became of the work (``outcome``)."""
    try:
        yield
    except SERVER_GONE as error:
        raise ServerUnavailableError(
            f"the Chroma server at {settings.chroma_host}:{settings.chroma_port} is not reachable "
            f"({type(error).__name__}); {outcome}"
        ) from None


def chroma_settings() -> ChromaSettings:
    # A new object per client: chromadb's client constructors write into the one they get.
    return ChromaSettings(anonymized_telemetry=False)


def chroma_client(settings: Settings) -> chromadb.ClientAPI:
    """The local persistent client, or an HTTP client when ``RAG_CHROMA_HOST`` is set."""
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings())
    path = Path(settings.data_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings())


def reopened(client: chromadb.ClientAPI) -> chromadb.ClientAPI:
    """The client itself with a server; in local mode a new one on the same folder.

    chromadb's local mode keeps one vector index per folder and process and never reloads
    it: another process's chunks stay invisible and its deletions leave ids that fail to
    resolve ("Error finding id"). Dropping the process's cached system makes the next
    client load the folder as it is now. The old system is left to the threads still
    using it, not stopped under them.
    """
    settings = client.get_settings()
    if not settings.is_persistent:
        return client
    SharedSystemClient._identifier_to_system.pop(client._identifier, None)
    return chromadb.PersistentClient(path=settings.persist_directory, settings=chroma_settings())


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


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """``write(temporary path)``, then rename over ``path``: readers see all of it or none."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    write(tmp)
    os.replace(tmp, path)


def write_json_atomic(path: Path, data: object) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"))


def write_array_atomic(path: Path, array: np.ndarray) -> None:
    def save(tmp: Path) -> None:
        with open(tmp, "wb") as file:  # a file object: np.save would append ".npy" to the name
            np.save(file, array)

    write_atomic(path, save)


def wait_until_searchable(collection, ids: list[str], timeout: float = SEARCHABLE_TIMEOUT) -> None:
    """Wait until Chroma serves the vectors of ``ids``.

    chromadb's local mode applies a write to its vector segment a little after the write
    returns; under load, long enough for a question to meet an id whose vector is not there
    yet ("Error finding id" from get(), or a query that leaves the chunk out). Committing
    only once the vectors are served means no reader ever meets such an id.
    """
    deadline = time.monotonic() + timeout
    for begin in range(0, len(ids), ADD_BATCH):
        batch = ids[begin : begin + ADD_BATCH]
        while True:
            try:
                if len(collection.get(ids=batch, include=["embeddings"])["ids"]) == len(batch):
                    break
            except chromadb.errors.InternalError:
                pass  # not applied yet
            if time.monotonic() > deadline:
                raise StoreError(f"Chroma did not make {len(batch)} new chunks searchable within {timeout:g} s")
            time.sleep(0.05)


def file_key(path: Path) -> tuple | None:
    """What changes when a file is replaced (a rename gives it a new inode)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


class ChunkVectors(NamedTuple):
    """The committed chunks' embeddings, in memory for exact search."""

    collection: str  # the Chroma collection they were read from
    committed: set  # the ``committed_ids`` they are for
    ids: list[str]  # row order
    vectors: np.ndarray


class ChunkStore:
    """Chunks of many articles, searchable densely (Chroma) and by keywords (BM25).

    Example:
        >>> settings = Settings()
        >>> store = ChunkStore(chroma_client(settings), make_embeddings("e5"), settings.data_dir)
        >>> store.dense_search(store.embeddings.embed_query("城市马拉松"), k=3)  # doctest: +SKIP
    """

    def __init__(self, client: chromadb.ClientAPI, embeddings: BatchedEmbeddings, data_dir: Path):
        self.client = client
        self.embeddings = embeddings
        self.data_dir = Path(data_dir)
        self.manifest_path = self.data_dir / "manifest.json"
        self.previous_path = self.data_dir / "manifest.previous.json"
        self._articles: dict[str, Article] = {}  # by file name: a replaced article has a new one
        self._sentence_vectors: dict[str, np.ndarray] = {}
        self._chunk_vectors: ChunkVectors | None = None  # for exact search
        self._pending: dict[str, dict] = {}  # source -> record (None for removal)
        self._pending_articles: dict[str, Article] = {}
        self._pending_sentences: dict[str, np.ndarray] = {}
        self._pending_tokens: dict[str, list[list[str]]] = {}
        self._target = None  # the collection a write stages into
        self._rebuilding = False
        self._refreshing = threading.Lock()
        self._loaded_key: tuple | None = None
        self.manifest: dict = {"articles": {}}
        self.previous_records: dict[str, dict] = {}
        self._load(self._read_manifest(self.manifest_path), file_key(self.manifest_path), initial=True)

    # reading ---------------------------------------------------------------------------
    @staticmethod
    def _read_manifest(path: Path) -> dict:
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        return {"articles": {}}

    def _load(self, manifest: dict, key: tuple | None, initial: bool = False) -> None:
        """Switch to ``manifest``: each attribute is replaced whole, so a question running in
        another thread sees either generation's value, and the previous generation's
        articles stay readable (``previous_records``) for it."""
        collection = self._open_collection(manifest.get("collection"))
        keyword = self._load_keyword(manifest)
        self.previous_records = self.manifest["articles"]
        self.manifest, self.collection, self.keyword = manifest, collection, keyword
        before = {cid for rec in self.previous_records.values() for cid in rec["chunk_ids"]}
        self.committed_ids = {cid for rec in self.records.values() for cid in rec["chunk_ids"]}
        new = self.committed_ids - before
        self.recent_ids = sorted(new) if not initial and len(new) <= MAX_RECENT else []
        self._loaded_key = key
        records = [*self.records.values(), *self.previous_records.values()]
        live = {name for rec in records for name in rec.get("files", {}).values()}  # none in old layouts
        for cache in (self._articles, self._sentence_vectors):
            for name in set(cache) - live:
                cache.pop(name, None)

    def refresh(self) -> bool:
        """Load the manifest if another process, or another store on this data dir, has
        committed since; cheap (one ``stat``) when nothing changed. True when it reloaded."""
        if file_key(self.manifest_path) == self._loaded_key:
            return False
        with self._refreshing:
            key = file_key(self.manifest_path)
            if key == self._loaded_key:
                return False
            self.client = reopened(self.client)
            self._load(self._read_manifest(self.manifest_path), key)
            return True

    def _open_collection(self, name: str | None):
        if name is None:
            return None
        return self.client.get_or_create_collection(
            name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
        )

    def _new_collection(self):
        """A collection named after this index, so that indexes sharing a server never touch
        each other's."""
        self.manifest.setdefault("index", uuid.uuid4().hex[:12])
        return self.client.create_collection(
            f"{self.own_prefix}{uuid.uuid4().hex[:8]}",
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding": self.embeddings.identity, "created": time.time(), "data_dir": str(self.data_dir)},
            embedding_function=None,
        )

    @property
    def own_prefix(self) -> str:
        return f"{COLLECTION_PREFIX}{self.manifest.get('index', 'unowned')}_"

    def _load_keyword(self, manifest: dict) -> KeywordIndex:
        folder = manifest.get("keyword_dir")
        if folder is None:
            return KeywordIndex.build([], [])
        return KeywordIndex.load(self.data_dir / folder)

    @property
    def records(self) -> dict[str, dict]:
        """Committed articles: source -> title, file_hash, dateline, dates, chunk_ids, files, ingested_at."""
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

    def _record(self, source: str) -> dict:
        """The article's record now, or in the generation before (a question that started
        before a commit may still ask for an article it removed or replaced)."""
        record = self.records.get(source) or self.previous_records.get(source)
        if record is None:
            raise KeyError(source)
        return record

    def article(self, source: str) -> Article:
        """The cleaned article, as committed."""
        name = self._record(source)["files"]["article"]
        if name not in self._articles:
            data = json.loads(self._read_generation_file(name, lambda path: path.read_text(encoding="utf-8")))
            data["dates"] = tuple(data["dates"])
            data["pages"] = tuple(map(tuple, data["pages"]))
            self._articles[name] = Article(**data)
        return self._articles[name]

    def sentence_vectors(self, source: str) -> np.ndarray:
        """Embeddings of the article's sentences, in ``split_sentences(body)`` order."""
        name = self._record(source)["files"]["vectors"]
        if name not in self._sentence_vectors:
            self._sentence_vectors[name] = self._read_generation_file(name, np.load)
        return self._sentence_vectors[name]

    def _read_generation_file(self, name: str, read: Callable[[Path], object]):
        """``read(path)`` of an article file, which a later commit may have removed meanwhile."""
        path = self.data_dir / "articles" / name
        try:
            return read(path)
        except FileNotFoundError:
            raise GenerationGoneError(f"{path} was removed by a later commit; ask again") from None

    def dense_search(self, vector: list[float], k: int) -> list[tuple[str, str, dict, float]]:
        """``(id, text, metadata, cosine similarity)`` of the nearest committed chunks."""
        collection, committed = self.collection, self.committed_ids
        if collection is None or not committed:
            return []
        if len(committed) <= EXACT_SEARCH_MAX_CHUNKS:
            return self._exact_search(collection, committed, vector, k)
        # Leftovers of a killed write may sit in the collection; ask for more and skip them.
        total = collection.count()
        n = min(total, k + max(total - len(committed), 0))
        if n <= 0:
            return []
        result = collection.query(
            query_embeddings=[vector], n_results=n, include=["documents", "metadatas", "distances"]
        )
        hits = [
            (cid, text, meta, 1.0 - dist)
            for cid, text, meta, dist in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0]
            )
            if cid in committed and meta is not None
        ]
        # chromadb's local vector index can lag just behind a write: a chunk committed a moment
        # ago is sometimes missing from query results although get() has it (about one run in
        # 40 here). The last commit's chunks are few, so they are compared exactly as well.
        found = {hit[0] for hit in hits}
        recent = [cid for cid in self.recent_ids if cid not in found]
        if recent:
            hits = sorted(hits + self.compared(vector, recent), key=lambda hit: -hit[3])
        return hits[:k]

    def _exact_search(
        self, collection, committed: set, vector: list[float], k: int
    ) -> list[tuple[str, str, dict, float]]:
        ids, vectors = self._committed_vectors(collection, committed, len(vector))
        similarities = vectors @ np.asarray(vector, dtype=np.float32)
        nearest = {ids[i]: float(similarities[i]) for i in np.argsort(-similarities)[:k]}
        chunks = self.get_chunks(list(nearest))
        return [(cid, *chunks[cid], similarity) for cid, similarity in nearest.items() if cid in chunks]

    def _committed_vectors(self, collection, committed: set, dimension: int) -> tuple[list[str], np.ndarray]:
        """The ids and embeddings of the ``committed`` chunks, read once per generation: after
        a commit to the same collection (an upload) only the new chunks are fetched."""
        cached = self._chunk_vectors
        if cached is not None and cached.committed is committed:
            return cached.ids, cached.vectors
        if cached is not None and cached.collection == collection.name:
            kept = [i for i, cid in enumerate(cached.ids) if cid in committed]
            ids = [cached.ids[i] for i in kept]
            new = self.get_chunks(sorted(committed - set(ids)), with_embeddings=True)
            ids += list(new)
            added = np.asarray([embedding for *_, embedding in new.values()], dtype=np.float32)
            vectors = np.vstack([cached.vectors[kept], added.reshape(-1, dimension)])
        else:
            result = collection.get(include=["embeddings"])  # leftovers of killed writes too
            rows = [(cid, vector) for cid, vector in zip(result["ids"], result["embeddings"]) if cid in committed]
            ids = [cid for cid, _ in rows]
            vectors = np.asarray([vector for _, vector in rows], dtype=np.float32).reshape(-1, dimension)
        self._chunk_vectors = ChunkVectors(collection.name, committed, ids, vectors)
        return ids, vectors

    def compared(self, vector: list[float], ids: list[str]) -> list[tuple[str, str, dict, float]]:
        """``(id, text, metadata, cosine similarity)`` of the chunks ``ids``, fetched and
        compared exactly rather than searched (chunks the vector index may leave out)."""
        chunks = self.get_chunks(ids, with_embeddings=True)
        return [(cid, text, meta, float(np.dot(vector, embedding))) for cid, (text, meta, embedding) in chunks.items()]

    def get_chunks(self, ids: list[str], with_embeddings: bool = False) -> dict[str, tuple]:
        """``id -> (text, metadata)`` of chunks, with the embedding appended if asked."""
        collection = self.collection
        if not ids or collection is None:
            return {}
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        result = collection.get(ids=ids, include=include)
        columns = [result["documents"], result["metadatas"]]
        if with_embeddings:
            columns.append(result["embeddings"])
        return {cid: values for cid, *values in zip(result["ids"], *columns) if values[1] is not None}

    # writing ---------------------------------------------------------------------------
    def prepare_write(self, rebuild: bool = False) -> None:
        """Re-read the committed state, check the embedding model, clear leftovers of killed
        writes, and choose where new chunks go (a new collection for a rebuild).

        Call with the writer lock held: what another process committed is kept, never
        overwritten with this store's older view.

        Raises:
            EmbeddingMismatchError: the index was built with another embedding model.
        """
        self.refresh()
        self.repair()
        identity = self.embeddings.identity
        if rebuild or self.collection is None:
            self._rebuilding = rebuild
            self._target = self._new_collection()
            self._pending = {source: None for source in self.records} if rebuild else {}
        elif self.built_with not in (None, identity):
            raise EmbeddingMismatchError(
                f"the index in {self.data_dir} was built with {self.built_with}, not {identity}; "
                "re-ingest everything with --rebuild (or set RAG_EMBEDDING back)"
            )
        else:
            self._target = self.collection

    def repair(self) -> None:
        """Delete what neither the committed nor the previous manifest names: chunks,
        keyword folders, article files, and this index's own collections."""
        previous = self._read_manifest(self.previous_path)
        kept = [self.manifest, previous]
        collections = {m.get("collection") for m in kept}
        retired = set(self.manifest.get("retired", []))
        for collection in self.client.list_collections():
            name = getattr(collection, "name", collection)
            if (name.startswith(self.own_prefix) or name in retired) and name not in collections:
                self.client.delete_collection(name)
        if self.collection is not None:
            live = {cid for m in kept if m.get("collection") == self.collection.name
                    for rec in m["articles"].values() for cid in rec["chunk_ids"]}  # fmt: skip
            stray = [cid for cid in self.collection.get(include=[])["ids"] if cid not in live]
            for begin in range(0, len(stray), ADD_BATCH):
                self.collection.delete(ids=stray[begin : begin + ADD_BATCH])
        folders = {m.get("keyword_dir") for m in kept}
        keyword_root = self.data_dir / "keyword"
        if keyword_root.exists():
            for folder in keyword_root.iterdir():
                if f"keyword/{folder.name}" not in folders:
                    shutil.rmtree(folder, ignore_errors=True)
        files = {name for m in kept for rec in m["articles"].values() for name in rec.get("files", {}).values()}
        articles_root = self.data_dir / "articles"
        if articles_root.exists():
            for path in articles_root.iterdir():
                if path.name not in files:
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
            self._target.upsert(
                ids=[c.id for c in batch],
                embeddings=vectors[begin : begin + len(batch)],
                documents=[c.text for c in batch],
                metadatas=[
                    {"source": c.source, "title": c.title, "start": c.start, "end": c.end, "index": c.index}
                    for c in batch
                ],
            )
        name = f"{article.file_hash[:16]}-{uuid.uuid4().hex[:8]}"  # new files, never overwritten
        self._pending[article.source] = {
            "title": article.title,
            "file_hash": article.file_hash,
            "dateline": article.dateline,
            "dates": list(article.dates),
            "chunk_ids": [c.id for c in chunks],
            "files": {"article": f"{name}.json", "vectors": f"{name}.npy"},
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
        """Forget staged changes (a failed or cancelled write); readers kept the committed
        index all along, and the next writer deletes what was added to Chroma."""
        self._pending.clear()
        self._pending_articles.clear()
        self._pending_sentences.clear()
        self._pending_tokens.clear()
        self._rebuilding = False
        self._target = None

    def commit(self) -> None:
        """Make staged changes visible at once, then drop what the generation before had."""
        if not self._pending:
            self.abandon()
            return
        records = {s: r for s, r in self.records.items() if s not in self._pending}
        records.update({s: r for s, r in self._pending.items() if r is not None})

        token_of = dict(zip(self.keyword.ids, self.keyword.tokens))
        for source, tokens in self._pending_tokens.items():
            token_of.update(zip(self._pending[source]["chunk_ids"], tokens))
        ids = [cid for source in sorted(records) for cid in records[source]["chunk_ids"]]
        keyword_dir = f"keyword/{uuid.uuid4().hex[:12]}"
        KeywordIndex.build(ids, [token_of[cid] for cid in ids]).save(self.data_dir / keyword_dir)

        articles_root = self.data_dir / "articles"
        articles_root.mkdir(parents=True, exist_ok=True)
        for source, article in self._pending_articles.items():
            files = self._pending[source]["files"]
            write_json_atomic(articles_root / files["article"], asdict(article))
            write_array_atomic(articles_root / files["vectors"], self._pending_sentences[source])

        wait_until_searchable(self._target, [cid for r in self._pending.values() if r for cid in r["chunk_ids"]])
        old = self.manifest
        retired = [name for name in old.get("retired", []) if name != self._target.name]
        if self._rebuilding and old.get("collection"):
            retired.append(old["collection"])
        manifest = {
            "layout": LAYOUT,
            "index": old.get("index") or uuid.uuid4().hex[:12],
            "collection": self._target.name,
            "embedding": self.embeddings.identity,
            "keyword_dir": keyword_dir,
            "retired": retired,  # collections this index dropped (named before it owned them)
            "articles": records,
        }
        # Under the refresh lock: a question in another thread that saw the new manifest
        # before this store loaded it would take it for another process's and reopen the
        # client, whose fresh view of the folder may lack the vectors just written.
        with self._refreshing:
            if self.manifest_path.exists():
                write_json_atomic(self.previous_path, old)
            write_json_atomic(self.manifest_path, manifest)

            # Committed: from here on, only this process's view and the clean-up, which a
            # vanished server postpones (the next question reloads, the next write cleans up).
            self.abandon()
            try:
                self._load(manifest, file_key(self.manifest_path))
                self.repair()
            except SERVER_GONE:
                self._loaded_key = None
