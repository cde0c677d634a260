"""Hybrid retrieval: dense (Chroma, E5) and keyword (jieba BM25) fused by reciprocal rank.

BM25 only sees Chinese words, so for a question with little Chinese in it (English,
Vietnamese) its list is weighted down by the question's share of CJK characters: it can
still add a passage that matches a number or a Latin name, but it cannot push the
cross-lingual dense hits out.
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.conversation import cjk_share, detect_language
from rag.lexicon import chinese_words
from rag.store import ChunkStore

RRF_K = 60  # the constant from Cormack et al. (2009); flattens the head of each list
MIN_KEYWORD_WEIGHT = 0.25


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

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None
    ) -> list[Document]:
        return self.search(query, self.k)

    def search(self, query: str, k: int) -> list[Document]:
        self.store.refresh()  # another process may have committed since the last question
        depth = max(self.candidates, k)
        vector = self.store.embeddings.embed_query(query)
        dense = self.store.dense_search(vector, depth)
        # An English or Vietnamese question searches the Chinese words it translates to.
        bridged = chinese_words(query, detect_language(query), self.store.keyword.vocabulary)
        keyword = self.store.keyword.search(" ".join([query, *bridged]), depth)
        keyword_weight = max(cjk_share(query), MIN_KEYWORD_WEIGHT)

        found = {cid: (text, meta, sim) for cid, text, meta, sim in dense}
        missing = [cid for cid, _score in keyword if cid not in found]
        for cid, text, meta, similarity in self.store.compared(vector, missing):
            found[cid] = (text, meta, similarity)
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
