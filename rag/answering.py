"""Answering from retrieved chunks: the offline extractive answerer and citation checking.

The extractive answerer needs no LLM. ``rag.answer_model`` gives every sentence of the
retrieved chunks the probability that it holds the answer, and the question the
probability that the retrieved text answers it at all; both are fitted to labelled data
(``rag.fit``), not set by hand. The answerer then

- refuses when the question is unlikely to be answerable, and shows the closest sentences
  (for an English or Vietnamese question naming something no article mentions it says so:
  "The articles never mention Ukraine."), or
- leads with the answer itself, the name, place, organisation, time or number of the
  first quotes that the fitted lead model finds likely enough to be it
  ("根据文章：基普乔格•约翰 (Kipchoge John)"); for an English or Vietnamese question its
  figures and dates are read out in that language ("US$3.5 billion (35亿美元)", ``rag.figures``),
  then quotes the best sentence and the next ones down to a fitted share of its
  probability, verbatim and cited; a question across articles ("哪几篇报道提到…") also
  gets the best sentence of every article that answers it on its own, and a question on
  several numbers ("2016年和2017年分别…") the best sentence on each, with a lead per number.
"""

from __future__ import annotations

from dataclasses import replace

from langchain_core.documents import Document

from rag.answer_model import (
    MAX_QUOTES,
    AnswerModel,
    Candidate,
    answering_articles,
    answering_numbers,
    answering_parts,
    candidate_sentences,
    describe_question,
    lead_fact,
    quoted,
    score,
    shipped_model,
)
from rag.figures import read_out
from rag.schema import Answer, Citation
from rag.store import ChunkStore

MESSAGES = {
    "zh": {
        "lead": "根据文章：{fact}",
        "refused": "文章中没有提到这一点。",
        "closest": "文章中最接近的内容是：",
        "nothing": "文章中没有与此相关的内容。",
        "unmentioned": "文章中没有提到{names}。",
    },
    "en": {
        "lead": "According to the articles: {fact}",
        "refused": "The articles do not say this.",
        "closest": "The closest they come:",
        "nothing": "The articles contain nothing related to this question.",
        "unmentioned": "The articles never mention {names}.",
    },
    "vi": {
        "lead": "Theo các bài báo: {fact}",
        "refused": "Các bài báo không đề cập điều này.",
        "closest": "Nội dung gần nhất trong các bài báo:",
        "nothing": "Các bài báo không có nội dung nào liên quan đến câu hỏi này.",
        "unmentioned": "Các bài báo không hề nhắc đến {names}.",
    },
}


def without_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates in order, less any that shares text with one before it (a fragment
    quoted with its next sentence overlaps that sentence quoted alone)."""
    kept: list[Candidate] = []
    for candidate in candidates:
        if not any(k.source == candidate.source and k.start < candidate.end and candidate.start < k.end for k in kept):
            kept.append(candidate)
    return kept


def extractive_answer(
    store: ChunkStore,
    question: str,
    search_text: str,
    language: str,
    contexts: list[Document],
    model: AnswerModel | None = None,
    parts: list[tuple[str, str, list[Document]]] = (),
) -> Answer:
    """Quote the sentences that answer ``question``, or refuse and show the closest ones.

    ``question`` is what is asked now, which decides what kind of answer is asked for and
    the words an answer covers (a follow-up's elided year filled in:
    ``rag.conversation.Resolved``); ``search_text`` is what was retrieved, with the
    previous question and the person "he" is if the follow-up leans on them. ``parts``
    are the parts of a question that asks several things, each with its search text and
    its own passages.
    """
    model = model or shipped_model()
    messages = MESSAGES[language]
    q = describe_question(store, question, search_text, language, model.kinds, [d.page_content for d in contexts])
    ranked, answerable = score(model, q, candidate_sentences(store, q, contexts))
    answered_parts = answering_parts(model, store, language, list(parts))
    # As sure as the likeliest of the whole question and its parts answered on their own.
    confidence = max([answerable, *(p for _, _, p in answered_parts)])
    if not ranked and not answered_parts:
        return Answer(text=messages["nothing"], refused=True, contexts=contexts, confidence=confidence)
    ranked = without_overlaps(ranked)
    whole_answerable = not model.refuses(q, answerable)
    if not whole_answerable and not answered_parts:
        head = messages["unmentioned"].format(names=", ".join(q.unmentioned)) if q.unmentioned else messages["refused"]
        return compose(f"{head}\n{messages['closest']}", ranked[:2], True, contexts, confidence)
    chosen = []
    if whole_answerable:
        chosen = quoted(q, ranked, model.quote_ratio, model.completion_ratio)
        if q.across_articles:  # the articles not quoted yet, each judged on its own
            quoted_sources = {c.source for c in chosen}
            more = answering_articles(model, q, [c for c in ranked if c.source not in quoted_sources])
            chosen += more[: MAX_QUOTES - len(chosen)]
        chosen += answering_numbers(model, q, ranked, chosen)[: MAX_QUOTES - len(chosen)]
    if answered_parts:  # each part's answer first, with a lead per part
        chosen = without_overlaps([c for c, _, _ in answered_parts] + chosen)[:MAX_QUOTES]
        fact = "；".join(dict.fromkeys(fact for _, fact, _ in answered_parts if fact))
    else:
        fact = lead_fact(model, q, chosen)
    # The lead reads figures and dates out in the question's language; ``Answer.fact`` stays
    # as the quotes write it, so that it can be found in them.
    lead = messages["lead"].format(fact=read_out(fact, language)).rstrip()
    return compose(lead, chosen, False, contexts, confidence, fact)


def compose(
    head: str, sentences: list[Candidate], refused: bool, contexts: list[Document], confidence: float, fact: str = ""
) -> Answer:
    """Answer text with one verbatim quote per line, each followed by its [n] marker."""
    citations = [
        Citation(n=n, source=c.source, title=c.title, quote=c.text, start=c.start, end=c.end)
        for n, c in enumerate(sentences, start=1)
    ]
    lines = [head] + [f"{c.quote} [{c.n}]" for c in citations]
    return Answer(
        text="\n".join(lines), citations=citations, refused=refused, contexts=contexts, fact=fact, confidence=confidence
    )


def verify_citations(answer: Answer, store: ChunkStore) -> Answer:
    """Keep only citations whose quote is exactly the cited span of the article body, each
    with the page it is on."""
    valid = []
    for citation in answer.citations:
        try:
            article = store.article(citation.source)
        except KeyError:
            continue
        if article.body[citation.start : citation.end] == citation.quote:
            valid.append(Citation.quoting(citation.n, article, citation.start, citation.end))
    return replace(answer, citations=valid)
