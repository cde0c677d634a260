"""The keyword side of retrieval: jieba segmentation and a BM25 index (bm25s).

bm25s scores with Lucene's IDF, ``log(1 + (N - df + 0.5) / (df + 0.5))``, which stays
positive even for a term found in every document; rank_bm25's Okapi IDF goes to zero or
below for terms in half the documents, and on a corpus of five articles that is most of
the useful ones (经济, 政府, 合作).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from functools import cached_property
from pathlib import Path

import bm25s
import jieba

from rag.settings import Settings
from rag.shared_cache import built_once

# Function words and reporting verbs that match everything and mean nothing.
STOPWORDS = frozenset(
    "的 了 在 是 和 与 及 并 对 将 于 为 以 也 就 等 其 这 那 该 之 中 上 下 个 有 被 从 到 把 向 "
    "都 而 又 或 但 还 由 所 已 说 表示 强调 认为 指出 一个 哪些 什么 多少 何时 是否 吗 呢 吧 啊 "
    "the a an of to in on and or is are was were what which who when where how why did does do".split()
)
WORD = re.compile(r"\w", re.UNICODE)
# A run of letters of an alphabet (not CJK). jieba cuts Vietnamese words at every marked
# letter ("Phạm" → "Ph", "ạ", "m"); a Latin token counts only if it is a whole word.
ALPHABETIC_WORD = re.compile(r"[^\W\d_\u3400-\u9fff]+")
jieba.setLogLevel(logging.WARNING)


def build_segmenter(user_dictionary: Path | None) -> jieba.Tokenizer:
    """A jieba tokenizer that keeps the terms of ``user_dictionary`` whole."""
    tokenizer = jieba.Tokenizer()
    if user_dictionary is not None:
        tokenizer.load_userdict(str(user_dictionary))
    return tokenizer


@built_once  # the assistant's warm-up thread and a first question share one dictionary load
def segmenter() -> jieba.Tokenizer:
    """The process's tokenizer, with ``RAG_USER_DICTIONARY`` (read once per process;
    re-ingest after changing it, since the index stores tokens)."""
    return build_segmenter(Settings().user_dictionary)


def tokenize(text: str) -> list[str]:
    """Search-mode segmentation: whole words plus their shorter parts, lower-cased."""
    tokens = []
    whole_words = set(ALPHABETIC_WORD.findall(text.lower()))
    for token in segmenter().cut_for_search(text):
        token = token.strip().lower()
        if ALPHABETIC_WORD.fullmatch(token) and token not in whole_words:
            continue
        if token and WORD.search(token) and token not in STOPWORDS:
            tokens.append(token)
    return tokens


class KeywordIndex:
    """BM25 over chunk tokens, saved as a folder beside the Chroma data.

    The folder holds the bm25s arrays, the chunk ids in index order, and each chunk's
    tokens, so that adding or removing articles rebuilds the index without re-segmenting.
    """

    def __init__(self, ids: list[str], tokens: list[list[str]], model: bm25s.BM25 | None):
        self.ids = ids
        self.tokens = tokens
        self._model = model

    @classmethod
    def build(cls, ids: list[str], tokens: list[list[str]]) -> KeywordIndex:
        if not ids:
            return cls([], [], None)
        model = bm25s.BM25(method="lucene")
        model.index(tokens, show_progress=False)
        return cls(list(ids), [list(t) for t in tokens], model)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self._model is not None:
            self._model.save(str(folder / "bm25"), show_progress=False)
        with open(folder / "chunks.jsonl", "w", encoding="utf-8") as out:
            for chunk_id, tokens in zip(self.ids, self.tokens):
                out.write(json.dumps({"id": chunk_id, "tokens": tokens}, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        ids, tokens = [], []
        with open(folder / "chunks.jsonl", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                ids.append(record["id"])
                tokens.append(record["tokens"])
        model = None
        if ids:
            model = bm25s.BM25.load(str(folder / "bm25"), mmap=True, show_progress=False)
        return cls(ids, tokens, model)

    @cached_property
    def document_frequency(self) -> Counter[str]:
        return Counter(token for tokens in self.tokens for token in set(tokens))

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self.document_frequency)

    def specificity(self, word: str) -> float:
        """How much finding ``word`` says: 0 for a word no chunk has, more the fewer chunks have it."""
        count = self.document_frequency[word]
        return math.log(1 + len(self.ids) / count) if count else 0.0

    @property
    def rarest_specificity(self) -> float:
        """The specificity of a word only one chunk has."""
        return math.log(1 + len(self.ids))

    def mentions(self, word: str) -> bool:
        """Whether some chunk has ``word``, as one token or as all of its jieba parts."""
        if word in self.vocabulary:
            return True
        parts = tokenize(word)
        return bool(parts) and all(part in self.vocabulary for part in parts)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` best chunk ids with their BM25 scores; only chunks sharing a term."""
        query_tokens = tokenize(query)
        if self._model is None or not query_tokens:
            return []
        scores = self._model.get_scores(query_tokens)
        k = min(k, len(self.ids))
        best = scores.argpartition(-k)[-k:]
        ranked = sorted(best, key=lambda i: -scores[i])
        return [(self.ids[i], float(scores[i])) for i in ranked if scores[i] > 0]
