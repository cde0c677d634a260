"""Answering from retrieved chunks: the offline extractive answerer and citation checking.

The extractive answerer needs no LLM. ``rag.answer_model`` gives every sentence of the
retrieved chunks the probability that it holds the answer, and the question the
probability that the retrieved text answers it at all; both are fitted to labelled data
(``rag.fit``), not set by hand. The answerer then

- refuses when the question is unlikely to be answerable, and shows the closest sentences
  (for an English or Vietnamese question naming something no article mentions it says so:
  "The articles never mention Ukraine."), or
- when it is answerable but only as likely as the least sure answers, says the articles
  may not answer it directly and quotes the closest sentences, with no answer in bold, or
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

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
from langchain_core.documents import Document

from rag.answer_kinds import with_latin_form
from rag.answer_model import (
    LEAD_QUOTES,
    AnswerModel,
    Candidate,
    Question,
    candidate_sentences,
    describe_question,
    lead_words,
    score,
    shipped_model,
)
from rag.classifiers import Classifier
from rag.figures import QUESTION_NUMBER, read_out
from rag.schema import Answer, Citation
from rag.store import ChunkStore

# A number with the unit of a date if one follows: "2016年".
NUMBER_AS_WRITTEN = re.compile(rf"({QUESTION_NUMBER.pattern})(?:\s*([年月日号]))?")
# Numbers joined into one span ("2008–09年赛季", "3至5月"): the question asks about the span.
NUMBER_RANGE = re.compile(r"\d(?:\s*[-–—~～至到]\s*)\d")
# A display bound, not a decision: at most this many quotes under an answer.
MAX_QUOTES = 5

MESSAGES = {
    "zh": {
        "lead": "根据文章：{fact}",
        "refused": "文章中没有提到这一点。",
        "closest": "文章中最接近的内容是：",
        "uncertain": "文章可能没有直接回答这个问题。最接近的内容是：",
        "nothing": "文章中没有与此相关的内容。",
        "unmentioned": "文章中没有提到{names}。",
    },
    "en": {
        "lead": "According to the articles: {fact}",
        "refused": "The articles do not say this.",
        "closest": "The closest they come:",
        "uncertain": "The articles may not answer this directly. The closest they come:",
        "nothing": "The articles contain nothing related to this question.",
        "unmentioned": "The articles never mention {names}.",
    },
    "vi": {
        "lead": "Theo các bài báo: {fact}",
        "refused": "Các bài báo không đề cập điều này.",
        "closest": "Nội dung gần nhất trong các bài báo:",
        "uncertain": "Các bài báo có thể không trả lời trực tiếp câu hỏi này. Nội dung gần nhất:",
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
    if answered_parts:  # each part's answer first
        chosen = without_overlaps([c for c, _, _ in answered_parts] + chosen)[:MAX_QUOTES]
    if model.unsure(q, confidence):  # no answer in bold: the quotes may not state it
        return compose(messages["uncertain"], chosen, False, contexts, confidence, uncertain=True)
    if answered_parts:  # a lead per part
        fact = "；".join(dict.fromkeys(fact for _, fact, _ in answered_parts if fact))
    else:
        fact = lead_fact(model, q, chosen)
    # The lead reads figures and dates out in the question's language; ``Answer.fact`` stays
    # as the quotes write it, so that it can be found in them.
    lead = messages["lead"].format(fact=read_out(fact, language)).rstrip()
    return compose(lead, chosen, False, contexts, confidence, fact)


def compose(
    head: str, sentences: list[Candidate], refused: bool, contexts: list[Document], confidence: float, fact: str = "",
    uncertain: bool = False,
) -> Answer:
    """Answer text with one verbatim quote per line, each followed by its [n] marker."""
    citations = [
        Citation(n=n, source=c.source, title=c.title, quote=c.text, start=c.start, end=c.end)
        for n, c in enumerate(sentences, start=1)
    ]
    lines = [head] + [f"{c.quote} [{c.n}]" for c in citations]
    return Answer(
        text="\n".join(lines), citations=citations, refused=refused, contexts=contexts, fact=fact, confidence=confidence,
        uncertain=uncertain,
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


# --- which sentences an answer quotes ----------------------------------------------------


def quoted(q: Question, ranked: list[Candidate], quote_ratio: float, completion_ratio: float) -> list[Candidate]:
    """The sentences to quote: the best, and the next ones down to ``quote_ratio`` of its
    probability (the less sure the model is of the best, the more of the others it shows);
    then, down to ``completion_ratio`` of it, any sentence that states a number or word of the
    question the quotes so far lack: "2016年和2017年分别是多少" needs the sentence on each year."""
    best = ranked[0].probability
    chosen = [c for c in ranked[:MAX_QUOTES] if c.probability >= quote_ratio * best]
    for c in ranked[len(chosen) :]:  # ``chosen`` is a prefix of ``ranked``
        if len(chosen) >= MAX_QUOTES or c.probability < completion_ratio * best:
            break
        if adds_to(q, chosen, c):
            chosen.append(c)
    return chosen


def adds_to(q: Question, chosen: list[Candidate], c: Candidate) -> bool:
    """Whether ``c`` states a number or word of the question that the ``chosen`` quotes lack."""
    quotes, text = "\n".join(x.text for x in chosen).lower(), c.text.lower()
    return any(n in text and n not in quotes for n in q.numbers) or any(
        w in text and w not in quotes for w, weight in q.weights.items() if weight > 0
    )


def answering_articles(model: AnswerModel, q: Question, ranked: list[Candidate]) -> list[Candidate]:
    """For a question across articles ("哪几篇报道提到了…"), the likeliest sentence of every
    article that answers it on its own: the answerable model judges one article's sentences
    as it judges all retrieved ones, with the same threshold."""
    found = []
    for source in dict.fromkeys(c.source for c in ranked):
        # Copies: scoring one article's sentences rewrites their features and probabilities.
        own, answerable = score(model, q, [replace(c) for c in ranked if c.source == source])
        if not model.refuses(q, answerable):
            found.append(own[0])
    return found


def number_parts(q: Question) -> dict[str, str]:
    """The numbers a question asks about one by one, in its order, each as written there:
    two or more with the same unit ("2016年和2017年分别…", "in 2016 and 2017"), not a date's
    parts ("2009年4月7日") nor a range ("2008–09年")."""
    if NUMBER_RANGE.search(q.text):
        return {}
    written: dict[str, re.Match] = {}
    for match in NUMBER_AS_WRITTEN.finditer(q.text):
        written.setdefault(match.group(1), match)
    units = Counter(match.group(2) for match in written.values())
    return {n: match.group() for n, match in written.items() if units[match.group(2)] > 1}


def answering_numbers(model: AnswerModel, q: Question, ranked: list[Candidate], chosen: list[Candidate]) -> list[Candidate]:
    """For each number a question asks about one by one, the likeliest sentence stating it,
    for the question asked of that number alone; but if that one states another of the
    numbers too, the likeliest stating it alone, when at least ``completion_ratio`` as
    likely (the share down to which ``quoted`` adds a sentence stating what the quotes
    lack). Those not quoted yet are added if the answerable model, with its threshold, finds
    that question answerable from them: "协定2016年10月生效后，2017年出口达到35亿美元"
    answers for 2017, "2016年出口总额为22亿美元" for 2016, though the first states 2016 too."""
    found: list[Candidate] = []
    parts = number_parts(q)
    for number in parts:
        others = parts.keys() - {number}

        def names_another(text: str) -> bool:
            return any(other in text for other in others)

        weights = {w: v for w, v in q.weights.items() if not names_another(w)}
        concepts = {c: v for c, v in q.concepts.items() if not any(map(names_another, c))}
        alone = replace(q, numbers=q.numbers - others, weights=weights, concepts=concepts)
        own, answerable = score(model, alone, [replace(c) for c in ranked if number in c.text])
        if not own or model.refuses(alone, answerable):
            continue
        best = own[0]
        if names_another(best.text):
            only_it = next((c for c in own if not names_another(c.text)), None)
            if only_it and only_it.probability >= model.completion_ratio * best.probability:
                best = only_it
        if (best.source, best.start) not in {(c.source, c.start) for c in chosen + found}:
            found.append(best)
    return found


def answering_parts(
    model: AnswerModel, store: ChunkStore, language: str, parts: list[tuple[str, str, list[Document]]]
) -> list[tuple[Candidate, str, float]]:
    """For a question that asks two or more things (``question_parts``), each ``(part, its
    search text, the passages retrieved for it)`` asked on its own: its likeliest sentence,
    that sentence's lead and the part's probability of being answerable, if the answerable
    model, with its threshold, finds the part answerable."""
    found = []
    for part, search_text, contexts in parts:
        q = describe_question(store, part, search_text, language, model.kinds, [d.page_content for d in contexts])
        ranked, answerable = score(model, q, candidate_sentences(store, q, contexts))
        if ranked and not model.refuses(q, answerable):
            found.append((ranked[0], confident_lead(model, q, ranked[:1]), answerable))
    return found


# --- the lead: the answer itself ---------------------------------------------------------


def likeliest_lead(
    lead: Classifier, q: Question, quotes: list[Candidate], numbers: Iterable[str] | None = None
) -> tuple[str, float]:
    """The word of ``quotes`` most likely to be the answer, by the fitted ``lead`` model, with
    its Latin form when the article gives one ("基普乔格•约翰 (Kipchoge John)"), and how likely."""
    words = lead_words(q, quotes, numbers)
    if not words:
        return "", 0.0
    probabilities = lead.probabilities([w.features for w in words])
    best = int(np.argmax(probabilities))
    return with_latin_form(words[best].quote, words[best].word), float(probabilities[best])


def confident_lead(
    model: AnswerModel, q: Question, quotes: list[Candidate], numbers: Iterable[str] | None = None
) -> str:
    """``likeliest_lead`` if at least as likely as the fitted lead threshold, else ""."""
    fact, p = likeliest_lead(model.lead, q, quotes, numbers)
    return fact if p >= model.lead_threshold else ""


def lead_fact(model: AnswerModel, q: Question, chosen: list[Candidate]) -> str:
    """The answer itself: the name, place, organisation, time or number of the first quotes
    that the lead model finds likeliest, if at least as likely as its fitted threshold;
    else "". Of several numbers asked one by one, each gets its own, from the first quote
    stating it and none of the others (else the first stating it)."""
    parts = number_parts(q)
    facts = {}
    for number, written in parts.items():
        stating = [c for c in chosen if number in c.text]
        alone = [c for c in stating if not any(other in c.text for other in parts.keys() - {number})]
        facts[written] = confident_lead(model, q, (alone or stating)[:1], [number])
    if len(set(filter(None, facts.values()))) > 1:  # "2016年：22亿美元；2017年：35亿美元"
        return "；".join(f"{written}：{fact}" for written, fact in facts.items() if fact)
    return confident_lead(model, q, chosen[:LEAD_QUOTES])
