"""Hybrid retrieval: dense (Chroma, E5) and keyword (jieba BM25) fused by reciprocal rank.

BM25 only sees Chinese words, so for a question with little Chinese in it (English,
Vietnamese) its list is weighted down by the question's share of CJK characters, to no
less than a floor fitted by ``rag.fit`` (the weight that retrieves the evidence of the most
CMRC calibration questions asked in English and Vietnamese): it still adds passages that
match a number, a Latin name or the Chinese words the question translates to, but it does
not push the cross-lingual dense hits out.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from rag.answer_model import shipped_model
from rag.conversation import cjk_share, detect_language
from rag.lexicon import chinese_words
from rag.store import ChunkStore

RRF_K = 60  # the constant from Cormack et al. (2009); flattens the head of each list


@dataclass
class Candidates:
    """What fusion ranks: every chunk found, with its cosine to the question, and BM25's list."""

    found: dict[str, tuple[str, dict, float]]  # chunk id -> (text, metadata, similarity)
    keyword: list[tuple[str, float]]  # (chunk id, BM25 score), best first
    cjk_share: float  # of the question: how far BM25's list counts


class HybridRetriever(BaseRetriever):
    """Chunks ranked by reciprocal rank fusion of dense and BM25 results.

    Each Document carries ``metadata``: ``id, source, title, start, end, index`` and
    ``score`` (fused), ``similarity`` (cosine to the question), ``keyword_score`` (BM25).

    Example:
        >>> retriever = HybridRetriever(store=store, k=5)  # doctest: +SKIP
        >>> retriever.invoke("城市马拉松有多少名选手参加？")[0].metadata["source"]  # doctest: +SKIP
        'marathon.txt'
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: ChunkStore
    k: int = 5
    candidates: int = 20
    # The least BM25's list counts, however little Chinese the question has.
    keyword_floor: float = Field(default_factory=lambda: shipped_model().keyword_floor)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None
    ) -> list[Document]:
        return self.search(query, self.k)

    def search(self, query: str, k: int) -> list[Document]:
        return self.fuse(self.gather(query, k), k, self.keyword_floor)

    def gather(self, query: str, k: int) -> Candidates:
        """The dense and BM25 candidates of ``query`` for the best ``k``, before fusion."""
        self.store.refresh()  # another process may have committed since the last question
        depth = max(self.candidates, k)
        vector = self.store.embeddings.embed_query(query)
        dense = self.store.dense_search(vector, depth)
        # An English or Vietnamese question searches the Chinese words it translates to.
        bridged = chinese_words(query, detect_language(query), self.store.keyword.vocabulary)
        keyword = self.store.keyword.search(" ".join([query, *bridged]), depth)

        found = {cid: (text, meta, sim) for cid, text, meta, sim in dense}
        missing = [cid for cid, _score in keyword if cid not in found]
        for cid, text, meta, similarity in self.store.compared(vector, missing):
            found[cid] = (text, meta, similarity)
        return Candidates(found, keyword, cjk_share(query))

    @staticmethod
    def fuse(candidates: Candidates, k: int, keyword_floor: float) -> list[Document]:
        """The ``k`` best chunks by reciprocal rank fusion, BM25's list weighted by the
        question's share of Chinese, or ``keyword_floor`` if more."""
        found, keyword = candidates.found, candidates.keyword
        keyword_weight = max(candidates.cjk_share, keyword_floor)
        # The dense ranks come from the exact cosine of every candidate: a keyword hit that
        # the approximate index left out (or, in Chroma's local mode, has not caught up
        # with yet) still gets the dense rank its similarity earns.
        dense_ranked = sorted(found, key=lambda cid: -found[cid][2])
        fused: dict[str, float] = {}
        for rank, chunk_id in enumerate(dense_ranked):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, (chunk_id, _score) in enumerate(keyword):
            if chunk_id in found:
                fused[chunk_id] = fused.get(chunk_id, 0.0) + keyword_weight / (RRF_K + rank + 1)
        best = sorted(fused, key=lambda cid: -fused[cid])[:k]

        keyword_scores = dict(keyword)
        documents = []
        for cid in best:
            text, meta, similarity = found[cid]
            documents.append(
                Document(
                    page_content=text,
                    id=cid,
                    metadata={
                        **meta,
                        "id": cid,
                        "score": fused[cid],
                        "similarity": similarity,
                        "keyword_score": keyword_scores.get(cid, 0.0),
                    },
                )
            )
        return documents
