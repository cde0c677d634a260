"""Splitting Chinese text into sentences and sentences into overlapping chunks.

A sentence ends at 。！？； (full-width or ASCII, since the seeds mix both), taking any
closing quote or bracket with it, or at a line break. Punctuation left over after that
("……如此。”。") ends the sentence before it: alone it would be a "sentence" without words,
whose embedding lies near any question. A full stop "." never ends a sentence, so
decimals and Latin abbreviations stay whole, and a chunk boundary only ever falls between
sentences, so ``22亿美元`` or ``6000 万剂`` cannot be cut.

A "sentence" longer than ``MAX_SENTENCE_CHARS`` (a table row, a run-on list, a page
without punctuation) is cut after clause punctuation (，、：), then at a space, then at
that length, so that no chunk, embedding or comparison grows with the file.
"""

from __future__ import annotations

import bisect
import re

from rag.schema import Article, Chunk

SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)】》\"']*|\n")
WORD = re.compile(r"\w")
CLAUSE_END = re.compile(r"[，,、：:]+[”’」』）)】》\"']*|\s+")
# The default chunk size: a longer sentence would be a chunk of its own, and the model
# reads only its first 512 tokens anyway.
MAX_SENTENCE_CHARS = 200


def bounded(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` cut into pieces of at most ``MAX_SENTENCE_CHARS``, at the last
    clause break within reach, else at the length itself."""
    if end - start <= MAX_SENTENCE_CHARS:
        return [(start, end)]
    breaks = [m.end() for m in CLAUSE_END.finditer(text, start, end)]
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        reach = bisect.bisect_right(breaks, start + MAX_SENTENCE_CHARS) - 1
        cut = breaks[reach] if reach >= 0 and breaks[reach] > start else start + MAX_SENTENCE_CHARS
        pieces.append((start, cut))
        start = cut
    return pieces + [(start, end)]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text``, without surrounding spaces.

    A piece without letters or digits is no sentence: it ends the sentence before it on its
    line ("…如此。”。"), or opens the one after it ("。”这是…"), within ``MAX_SENTENCE_CHARS``;
    else (a line of "=====") it is left out. Text of nothing but punctuation is one span."""
    spans = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        spans += bounded(text, start, match.end())
        start = match.end()
    spans += bounded(text, start, len(text))
    pieces = []
    for begin, end in spans:
        piece = text[begin:end]
        left, right = len(piece) - len(piece.lstrip()), len(piece.rstrip())
        if right > left:
            pieces.append((begin + left, begin + right))

    def one_sentence(begin: int, end: int) -> bool:  # a piece holds no line break
        return "\n" not in text[begin:end] and end - begin <= MAX_SENTENCE_CHARS

    stripped: list[tuple[int, int]] = []
    opening = None  # punctuation on the line of the next sentence, before it
    for begin, end in pieces:
        if WORD.search(text, begin, end):
            if opening is not None and one_sentence(opening, end):
                begin = opening
            stripped.append((begin, end))
            opening = None
        elif stripped and one_sentence(stripped[-1][0], end):
            stripped[-1] = (stripped[-1][0], end)
        elif opening is None or "\n" in text[opening:begin]:
            opening = begin
    return stripped or pieces


def chunk_article(article: Article, size: int, overlap: int) -> list[Chunk]:
    """Group whole sentences into chunks of about ``size`` characters.

    Consecutive chunks share their boundary sentences, up to ``overlap`` characters, so a
    fact stated across two sentences is found whole in at least one chunk. A sentence
    longer than ``size`` (at most ``MAX_SENTENCE_CHARS``) becomes a chunk of its own.
    """
    sentences = split_sentences(article.body)
    chunks: list[Chunk] = []
    first = 0
    while first < len(sentences):
        last = first
        while last + 1 < len(sentences) and sentences[last + 1][1] - sentences[first][0] <= size:
            last += 1
        start, end = sentences[first][0], sentences[last][1]
        chunks.append(
            Chunk(
                id=f"{article.source}:{article.file_hash[:12]}:{len(chunks):04d}",
                source=article.source,
                title=article.title,
                text=article.body[start:end],
                start=start,
                end=end,
                index=len(chunks),
            )
        )
        if last == len(sentences) - 1:
            break
        # The next chunk starts with the trailing sentences that fit in ``overlap``,
        # and always after this chunk's first sentence, so that it makes progress.
        next_first = last + 1
        while next_first - 1 > first and end - sentences[next_first - 1][0] <= overlap:
            next_first -= 1
        first = next_first
    return chunks
