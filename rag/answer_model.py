"""The fitted answer model: which retrieved sentences answer a question, and whether any does.

Every retrieved sentence gets features that mean the same on any corpus (each a named
function below, in ``SENTENCE_FEATURES``): its e5 similarity to the question, the
IDF-weighted share of the question's words it and its neighbours cover (IDF from the
user's own index), whether it carries the kind of answer asked for and the question lacks,
whether it states the numbers the question names, its chunk's BM25 score and rank.
Gradient-boosted trees turn them into the probability that the sentence holds the answer.

A logistic regression over what the best sentences offer (``QUESTION_FEATURES``) gives the
probability that the retrieved text answers the question at all; below a threshold the
answerer refuses. More trees give each name, place, time or number of the first quotes the
probability that it is the answer itself (``lead_words``); the likeliest leads the answer.
All three, the kind classifier of ``rag.answer_kinds`` and the thresholds are fitted by
``python -m rag.fit`` and shipped in ``rag/data/answer_model.json`` (``rag.classifiers``).
Which sentences an answer then quotes, and what it leads with, ``rag.answering`` decides.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from langchain_core.documents import Document

from rag.answer_kinds import (
    LETTER,
    PROPER_NOUN_TAGS,
    WORD_KINDS,
    asked_kinds,
    asked_unit,
    asks_across_articles,
    content_words,
    in_unit,
    kinds_not_in,
    tagged,
    without_document_words,
)
from rag.chunking import split_sentences
from rag.classifiers import Classifier, classifier_from_json
from rag.figures import question_numbers, states
from rag.keyword import ALPHABETIC_WORD, tokenize
from rag.lexicon import names_in, translations, unmentioned_names, unread_names, words_of
from rag.store import ChunkStore

MODEL_PATH = Path(__file__).with_name("data") / "answer_model.json"
REFIT = "it was fitted by another version of rag.fit; refit with `make fit`, or restore the shipped file"
# Where a clause ends: a lead word in the clause of the question's numbers or words answers them.
CLAUSE_END = re.compile(r"[，,；;：:。！？!?]")
BOOK_TITLE = re.compile(r"《([^《》]+)》")
LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
# A fragment shorter than this is quoted together with the sentence after it.
MIN_QUOTE_CHARS = 15


@dataclass
class Candidate:
    """One sentence of a retrieved chunk, with its place in the article body."""

    source: str
    title: str
    text: str
    start: int
    end: int
    similarity: float
    neighbours: str  # the sentences before and after it in the article
    chunk_rank: int  # rank of the best retrieved chunk holding it, from 0
    keyword_score: float  # that chunk's BM25 score
    features: dict[str, float] = field(default_factory=dict)
    probability: float = 0.0


@dataclass
class Question:
    """What the features need to know about a question."""

    text: str  # as asked now (kinds and the words the answer must add are read from it)
    language: str
    vector: np.ndarray
    weights: dict[str, float]  # its words (and their Chinese translations) → IDF in the index
    numbers: set[str]
    kinds: dict[str, float]  # probability of each kind of answer
    unmentioned: list[str]  # names (en/vi) the dictionary translates and no article uses
    wording: str  # what is compared with sentences letter by letter: the question, or for
    # English and Vietnamese the Chinese words it translates to
    bigrams: frozenset[str]  # the wording's pairs of adjacent letters or characters
    across_articles: bool = False  # asks what several articles say ("哪几篇报道提到…")
    unknown_name_share: float = 0.0  # share of its Chinese proper nouns that no chunk has
    unread: list[str] = field(default_factory=list)  # names (en/vi) in pinyin or Sino-Vietnamese no text reads as
    context: str = ""  # what the conversation said before it: a follow-up's search text
    # What coverage counts: each of its words, or for a translated word the alternatives
    # it translates to (a sentence needs one), with the IDF of the commonest. By default,
    # each word of ``weights`` alone.
    concepts: dict[tuple[str, ...], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.concepts:
            self.concepts = {(word,): weight for word, weight in self.weights.items()}

    @property
    def asked(self) -> str:
        """What an answer must add to: the question as typed, its Chinese wording and what the
        conversation said before it (the person "他" is names no answer to "他会见了谁？")."""
        return "\n".join((self.text, self.wording, self.context))


@lru_cache(maxsize=50_000)  # each sentence and title is compared by two features, question after question
def character_bigrams(text: str) -> frozenset[str]:
    letters = re.sub(r"[\W_]+", "", text.lower())
    return frozenset(letters[i : i + 2] for i in range(len(letters) - 1))


def weighted_share(concepts: dict[tuple[str, ...], float], text: str) -> float:
    """The weighted share of ``concepts`` that ``text`` has (one of a concept's words).

    Summed exactly (``math.fsum``): the concepts come from sets, whose order changes with
    Python's hash seed from one process to the next, and a plain sum's last bit with it,
    enough to move a value across a tree's threshold and make two fits differ."""
    total = math.fsum(concepts.values())
    if not total:
        return 0.0
    text = text.lower()
    return math.fsum(w for words, w in concepts.items() if any(word in text for word in words)) / total


# --- sentence features ------------------------------------------------------------------


def similarity(q: Question, c: Candidate) -> float:
    return c.similarity


def coverage(q: Question, c: Candidate) -> float:
    """IDF-weighted share of the question's words in the sentence."""
    return weighted_share(q.concepts, c.text)


def coverage_beyond_title(q: Question, c: Candidate) -> float:
    """The same for the question's words that the article's title lacks: every sentence of an
    article is about its title's topic, the one that answers also has the question's other words."""
    title = c.title.lower()
    return weighted_share({words: v for words, v in q.concepts.items() if not any(w in title for w in words)}, c.text)


def bigram_overlap(q: Question, c: Candidate) -> float:
    """Share of the question's character pairs in the sentence: words jieba cuts differently
    in question and text (rare names, terms) still match."""
    return len(q.bigrams & character_bigrams(c.text)) / len(q.bigrams) if q.bigrams else 0.0


def overlap_beyond_title(q: Question, c: Candidate) -> float:
    pairs = q.bigrams - character_bigrams(c.title)
    return len(pairs & character_bigrams(c.text)) / len(pairs) if pairs else 0.0


def longest_common_run(q: Question, c: Candidate) -> float:
    """The longest stretch of the question found verbatim in the sentence, relative to the
    question: questions often copy a phrase of the sentence that answers them."""
    match = SequenceMatcher(None, q.wording, c.text, autojunk=False).find_longest_match()
    return match.size / max(len(q.wording), 1)


def neighbour_coverage(q: Question, c: Candidate) -> float:
    """The question's words in the sentence and the ones around it: the topic is often named
    a sentence before the fact."""
    return weighted_share(q.concepts, c.text + c.neighbours)


def kind_match(q: Question, c: Candidate) -> float:
    """Probability that the sentence adds a word of the kind asked for (a name, a date, a
    number in the unit asked for …)."""
    found = kinds_not_in(c.text, q.asked)
    unit = asked_unit(q.text)
    found["number"] = [number for number in found.get("number", []) if in_unit(number, unit)]
    return sum(q.kinds[kind] for kind in WORD_KINDS if found.get(kind))


def numbers_missing(q: Question, c: Candidate) -> float:
    """The question's numbers (years, figures) that the sentence does not state."""
    return float(sum(not states(c.text, number) for number in q.numbers))


def chunk_rank(q: Question, c: Candidate) -> float:
    return 1.0 / (1 + c.chunk_rank)


def length(q: Question, c: Candidate) -> float:
    return math.log(len(c.text))


def latin_share(q: Question, c: Candidate) -> float:
    """Share of the sentence's letters that are Latin: an English or Vietnamese question's
    vector lies nearer any sentence in its own letters (a list of references, "Pitvipers.
    GeitjeBooks"), whatever it says."""
    letters = LETTER.findall(c.text)
    return len(LATIN_LETTER.findall(c.text)) / len(letters) if letters else 0.0


def english(q: Question, c: Candidate) -> float:
    """Cross-language similarities run lower; the model learns by how much."""
    return float(q.language == "en")


def vietnamese(q: Question, c: Candidate) -> float:
    return float(q.language == "vi")


SENTENCE_FEATURES: list[Callable[[Question, Candidate], float]] = [
    similarity, coverage, coverage_beyond_title, bigram_overlap, overlap_beyond_title, longest_common_run,
    neighbour_coverage, kind_match, numbers_missing, chunk_rank, length, latin_share, english, vietnamese,
]  # fmt: skip
# Also compared with the best retrieved sentence (``<name>_gap``): an answer stands out.
COMPARED = ("similarity", "coverage", "coverage_beyond_title", "overlap_beyond_title")
SENTENCE_FEATURE_NAMES = [f.__name__ for f in SENTENCE_FEATURES] + [f"{name}_gap" for name in COMPARED] + ["keyword_share"]


# --- question features (answerable at all?) ---------------------------------------------


def best_logit(q: Question, ranked: list[Candidate]) -> float:
    p = min(max(ranked[0].probability, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def best_similarity(q: Question, ranked: list[Candidate]) -> float:
    return max(c.similarity for c in ranked)


def best_coverage(q: Question, ranked: list[Candidate]) -> float:
    return max(c.features["coverage"] for c in ranked)


def best_overlap(q: Question, ranked: list[Candidate]) -> float:
    """The most of the question's wording a retrieved sentence repeats (pairs of characters)."""
    return max(c.features["bigram_overlap"] for c in ranked)


def answer_beyond_title(q: Question, ranked: list[Candidate]) -> float:
    """How much of what the question adds to the topic the likeliest sentence has: with the
    answer gone, the best remaining sentence is on the topic but not on the detail."""
    return max(ranked[0].features["coverage_beyond_title"], ranked[0].features["overlap_beyond_title"])


def best_numbers_missing(q: Question, ranked: list[Candidate]) -> float:
    """The question's numbers that the likeliest sentence does not state: "2018年" may stand in
    another sentence, about something else."""
    return ranked[0].features["numbers_missing"]


def runner_up_gap(q: Question, ranked: list[Candidate]) -> float:
    """How far the best sentence stands out: an answer usually does, a near miss less."""
    return ranked[0].probability - ranked[1].probability if len(ranked) > 1 else ranked[0].probability


def likely_kind_match(q: Question, ranked: list[Candidate]) -> float:
    """Whether the likeliest sentences add what is asked for, each as much as it is likely:
    a number in the third sentence, about something else, does not answer "有多少…" when
    the likeliest one names no number."""
    top = ranked[:3]
    total = sum(c.probability for c in top)
    return sum(c.probability * c.features["kind_match"] for c in top) / total if total else 0.0


def asks_for_a_word(q: Question, ranked: list[Candidate]) -> float:
    """Probability the question asks for a name, place, time or number (not a description)."""
    return 1.0 - q.kinds["other"]


def numbers_unstated(q: Question, ranked: list[Candidate]) -> float:
    """The question's numbers that no retrieved sentence states."""
    return float(sum(not any(states(c.text, n) for c in ranked) for n in q.numbers))


def unknown_names(q: Question, ranked: list[Candidate]) -> float:
    """A question on something the corpus lacks names it (a person, a place, a work). Names,
    not all its words: users paraphrase a question's common words, while CMRC's annotators
    wrote theirs looking at the passage, so in the fit an unknown common word would mean
    "no such article" far more often than it does in use."""
    return q.unknown_name_share


def unmentioned_names_count(q: Question, ranked: list[Candidate]) -> float:
    return float(len(q.unmentioned))


def unread_names_count(q: Question, ranked: list[Candidate]) -> float:
    return float(len(q.unread))


def question_english(q: Question, ranked: list[Candidate]) -> float:
    return float(q.language == "en")


def question_vietnamese(q: Question, ranked: list[Candidate]) -> float:
    return float(q.language == "vi")


QUESTION_FEATURES: list[Callable[[Question, list[Candidate]], float]] = [
    best_logit, best_similarity, best_coverage, best_overlap, answer_beyond_title, runner_up_gap, likely_kind_match,
    asks_for_a_word, numbers_unstated, best_numbers_missing, unknown_names, unmentioned_names_count, unread_names_count,
    question_english, question_vietnamese,
]  # fmt: skip


# --- the model --------------------------------------------------------------------------


# A question asked in English or Vietnamese of Chinese text is refused by a model and a
# threshold of its own: its similarities and coverages run lower and mean other things, and
# one threshold for all would refuse far more of its answerable questions.
REFUSAL_GROUP = {"zh": "zh", "en": "en/vi", "vi": "en/vi"}


@dataclass(frozen=True)
class AnswerModel:
    """The shipped model: kind classifier, sentence, refusal and lead models, thresholds, and
    the retrieval weight fitted with them."""

    kinds: dict
    sentence: Classifier
    answerable: dict[str, Classifier]  # per ``REFUSAL_GROUP``
    embedding: str  # the model whose similarities it was fitted on
    top_k: int  # the passages retrieved per question when it was fitted
    answerable_threshold: dict[str, float]  # per ``REFUSAL_GROUP``; below: refuse
    uncertain_threshold: dict[str, float]  # per ``REFUSAL_GROUP``; below (not refused): uncertain
    quote_ratio: float  # sentences are quoted down to this share of the best one's probability
    completion_ratio: float  # and down to this share if they add what the question names
    lead: Classifier  # the probability that a word of a quote is the answer itself
    lead_threshold: float  # the answer leads with its likeliest word if at least this likely
    keyword_floor: float  # the least weight of BM25's list in retrieval (``rag.retrieval``)

    @classmethod
    def from_json(cls, data: dict) -> AnswerModel:
        return cls(
            kinds=data["kinds"],
            sentence=classifier_from_json(data["sentence"]),
            answerable={group: classifier_from_json(model) for group, model in data["answerable"].items()},
            lead=classifier_from_json(data["lead"]),
            embedding=data["embedding"],
            top_k=int(data["top_k"]),
            answerable_threshold={group: float(t) for group, t in data["thresholds"]["answerable"].items()},
            uncertain_threshold={group: float(t) for group, t in data["thresholds"]["uncertain"].items()},
            quote_ratio=float(data["thresholds"]["quote_ratio"]),
            completion_ratio=float(data["thresholds"]["completion_ratio"]),
            lead_threshold=float(data["thresholds"]["lead"]),
            keyword_floor=float(data["thresholds"]["keyword_floor"]),
        )

    def answerable_probability(self, q: Question, ranked: list[Candidate]) -> float:
        """The probability that the question is answerable from the ``ranked`` sentences."""
        model = self.answerable[REFUSAL_GROUP[q.language]]
        return float(model.probabilities([question_values(q, ranked)])[0])

    def refuses(self, q: Question, answerable: float) -> bool:
        return answerable < self.answerable_threshold[REFUSAL_GROUP[q.language]]

    def unsure(self, q: Question, answerable: float) -> bool:
        """Whether an answer this likely answerable is marked uncertain (if not refused)."""
        return answerable < self.uncertain_threshold[REFUSAL_GROUP[q.language]]


@cache
def shipped_model(path: Path = MODEL_PATH) -> AnswerModel:
    """The model file shipped in the package (``rag.fit`` writes it). A file that another
    version of ``rag.fit`` wrote (a setting or feature this code reads is missing, or
    one it does not compute is there) raises ``ValueError`` saying how to mend it."""
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        model = AnswerModel.from_json(data)
    except KeyError as missing:
        raise ValueError(f"{path} lacks {missing}: {REFIT}") from None
    expected = {
        "sentence": (model.sentence, SENTENCE_FEATURE_NAMES),
        "lead": (model.lead, LEAD_FEATURE_NAMES),
        **{f"refusal ({group})": (refusal, [f.__name__ for f in QUESTION_FEATURES]) for group, refusal in model.answerable.items()},
    }  # fmt: skip
    for name, (classifier, features) in expected.items():
        if list(classifier.features) != features:
            raise ValueError(f"the {name} model of {path} uses other features than this code computes: {REFIT}")
    return model


def question_weights(
    store: ChunkStore, text: str, groups: list[tuple[str, ...]], language: str = "zh"
) -> tuple[dict[str, float], dict[tuple[str, ...], float]]:
    """The question's words and their Chinese translations (``groups`` of alternatives, from
    ``rag.lexicon.translations``) with their IDF in the index, and the concepts coverage
    counts (``Question.concepts``). An unknown content word (``content_words``) weighs as
    the rarest word of the index: what a question asks about and no article writes ("天气"
    of articles that never mention the weather) leaves its coverage short. An unknown
    function word ("怎么样") weighs nothing. An English or Vietnamese word weighs nothing
    either unless it belongs to a name the articles write in Latin letters ("Phillips Exeter
    Academy"): their Latin letters are names ("NASA", "Kipchoge"), and a common word that
    stands in brackets once ("第1大镇（Town）") would weigh as the rarest word of the index,
    for "Where is Wangjiangjing Town?"."""
    translated = set(words_of(groups))
    words = {t for t in tokenize(text) if len(t) >= 2} | translated
    content = content_words(text)
    known = {word: store.keyword.specificity(word) for word in words}
    rarest = store.keyword.rarest_specificity
    # A compound the index lacks that the question's shorter words spell is those words.
    compounds = {word for word in content if not known.get(word) and spelled_by_parts(word, words, text)}
    content = (content - compounds) | {part for part in words for word in compounds if part != word and part in word}
    weights = {word: w or (rarest if word in content else 0.0) for word, w in known.items()}
    if language != "zh":
        written = [name.lower() for name in names_in(text) if store.keyword.mentions(name.lower())]
        named = {word for name in written for word in name.split()}
        weights |= {word: 0.0 for word in words - translated - named if ALPHABETIC_WORD.fullmatch(word)}
    for word in translated - store.keyword.vocabulary:  # a name the passages spell (司马晏)
        weights[word] = max((store.keyword.specificity(part) for part in tokenize(word)), default=0.0) or rarest
    concepts = {(word,): weights[word] for word in words - translated}
    # A concept is as common as its commonest rendering: "Germany" as 德国, not 德意志.
    concepts |= {group: min(weights[word] for word in group) for group in groups}
    return weights, concepts


def spelled_by_parts(word: str, words: set[str], text: str) -> bool:
    """Whether the question's shorter words spell all of ``word`` (兴趣爱好: 兴趣, 爱好), which is
    no name. Such a compound the index lacks says what its parts say, and each part counts
    on its own: as a word of its own it also weighed as the rarest of the index, and
    "…有什么兴趣爱好？" was refused for "兴趣是钓鱼。"."""
    covered = set()
    for part in words:
        if part != word and part in word:
            start = word.index(part)
            covered.update(range(start, start + len(part)))
    proper = any(pair.word == word and pair.flag in PROPER_NOUN_TAGS for pair in tagged(text))
    return len(covered) == len(word) and not proper


def unknown_name_share(store: ChunkStore, question: str) -> float:
    """The share of the proper nouns of a Chinese question (by jieba's tags, and titles in
    《》) that no chunk has."""
    names = {pair.word for pair in tagged(question) if pair.flag in PROPER_NOUN_TAGS and len(pair.word) >= 2}
    names |= set(BOOK_TITLE.findall(question))
    return sum(not store.keyword.mentions(name.lower()) for name in names) / len(names) if names else 0.0


def describe_question(
    store: ChunkStore,
    question: str,
    search_text: str,
    language: str,
    kinds_classifier: dict,
    passages: Sequence[str] = (),
    vector: np.ndarray | None = None,
) -> Question:
    """What the features need of a question, against ``store``'s index and the ``passages``
    retrieved for it (where an English or Vietnamese question's names are also read:
    ``rag.lexicon.translations``); ``vector`` is its embedding if already known (the fit
    describes each question again for a smaller index).
    Its words are those of ``question``, what is asked now: a follow-up's ``search_text``
    also holds the earlier question, whose words would favour the sentences restating it."""
    if vector is None:
        vector = np.asarray(store.embeddings.embed_query(search_text))
        if search_text != question and len(tokenize(question)) >= 3:
            # A rewritten follow-up carries the earlier question too; what is asked now counts
            # as much, unless it is a bare ellipsis ("那2016年呢？") that means little on its own.
            vector = (vector + np.asarray(store.embeddings.embed_query(question))) / 2
    about = without_document_words(question, language)  # what it asks about
    groups = translations(about, language, store.keyword.vocabulary, passages)
    weights, concepts = question_weights(store, about, groups, language)
    wording = about if language == "zh" else "，".join(words_of(groups))
    foreign = language in ("en", "vi")
    unmentioned = unmentioned_names(question, store.keyword.mentions, store.keyword.vocabulary, language) if foreign else []
    return Question(
        text=question,
        language=language,
        vector=vector,
        weights=weights,
        numbers=question_numbers(question, language),
        kinds=asked_kinds(question, language, kinds_classifier),
        unknown_name_share=unknown_name_share(store, question) if language == "zh" else 0.0,
        unmentioned=unmentioned,
        unread=unread_names(question, language, store.keyword.vocabulary, passages) if foreign else [],
        wording=wording,
        bigrams=character_bigrams(wording),
        across_articles=asks_across_articles(question, language),
        concepts=concepts,
        context=search_text if search_text != question else "",
    )


def candidate_sentences(store: ChunkStore, q: Question, contexts: list[Document]) -> list[Candidate]:
    """The sentences of the retrieved chunks, each once, with what the features need."""
    found: dict[tuple[str, int], Candidate] = {}
    spans_of: dict[str, list[tuple[int, int]]] = {}  # several chunks often share an article
    for rank, doc in enumerate(contexts):
        source = doc.metadata["source"]
        article = store.article(source)
        if source not in spans_of:
            spans_of[source] = split_sentences(article.body)
        spans, vectors = spans_of[source], store.sentence_vectors(source)
        inside = [i for i, (s, e) in enumerate(spans) if s >= doc.metadata["start"] and e <= doc.metadata["end"]]
        for position, i in enumerate(inside):
            if (source, spans[i][0]) in found:
                continue
            start, end = spans[i]
            sim = float(vectors[i] @ q.vector)
            # A fragment, or a clause such as "…,他强调;" that introduces a quotation, is
            # quoted together with the sentence that follows it, and compared as the two
            # would be embedded together: their vectors weighted by length. (The larger of
            # the two similarities let a few letters such as "Wow!", whose vector lies near
            # any English question, carry whatever sentence came next.)
            if position + 1 < len(inside):
                next_start, next_end = spans[i + 1]
                introduces = article.body[end - 1] in ";；:：" and article.body[next_start] in "“\"「"
                if end - start < MIN_QUOTE_CHARS or introduces:
                    both = (end - start) * vectors[i] + (next_end - next_start) * vectors[i + 1]
                    sim = float(both @ q.vector / np.linalg.norm(both))
                    end = next_end
            before = article.body[spans[i - 1][0] : spans[i - 1][1]] if i > 0 else ""
            after = article.body[spans[i + 1][0] : spans[i + 1][1]] if i + 1 < len(spans) else ""
            found[(source, start)] = Candidate(
                source, article.title, article.body[start:end], start, end, sim,
                before + after, rank, float(doc.metadata.get("keyword_score", 0.0)),
            )  # fmt: skip
    return list(found.values())


def add_features(q: Question, candidates: list[Candidate]) -> None:
    """Compute every sentence feature of every candidate, the compared ones against the others."""
    for c in candidates:
        c.features = {f.__name__: f(q, c) for f in SENTENCE_FEATURES}
    for name in COMPARED:
        best = max((c.features[name] for c in candidates), default=0.0)
        for c in candidates:
            c.features[f"{name}_gap"] = c.features[name] - best
    # BM25's scale grows with the corpus; relative to the best retrieved chunk it does not.
    best_keyword = max((c.keyword_score for c in candidates), default=0.0)
    for c in candidates:
        c.features["keyword_share"] = c.keyword_score / best_keyword if best_keyword > 0 else 0.0


def score(model: AnswerModel, q: Question, candidates: list[Candidate]) -> tuple[list[Candidate], float]:
    """Candidates ranked by the probability that they hold the answer, and the probability
    that the question is answerable from them at all."""
    if not candidates:
        return [], 0.0
    add_features(q, candidates)
    ranked = rank(model.sentence, candidates)
    return ranked, model.answerable_probability(q, ranked)


def rank(sentence_model: Classifier, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates, likeliest first, with the sentence model's probabilities."""
    for c, p in zip(candidates, sentence_model.probabilities([c.features for c in candidates])):
        c.probability = float(p)
    return sorted(candidates, key=lambda c: -c.probability)


# --- lead features: which word of a quote is the answer itself --------------------------


@dataclass
class LeadWord:
    """A word of some kind (a name, place, organisation, time, number) that a quote adds to
    the question, with where it stands (``LEAD_FEATURE_NAMES``)."""

    word: str
    quote: str
    features: dict[str, float]


LEAD_FEATURE_NAMES = [
    "kind_probability", "number_clause", "word_clause", "number_distance", "word_distance", "nearest",
    "nearest_of_its_kind", "word_length", "has_digit", "quote_probability", "quote_numbers_missing", "first_quote",
    "words_in_quote",
] + [f"is_{kind}" for kind in WORD_KINDS]  # fmt: skip
# The answer is read from the first quotes: the likeliest hold it.
LEAD_QUOTES = 2


def lead_words(q: Question, quotes: list[Candidate], numbers: Iterable[str] | None = None) -> list[LeadWord]:
    """Every word of a kind in ``quotes`` that the question lacks, with the probability that
    the question asks for its kind; whether it shares a clause with one of the question's
    ``numbers`` (by default all it names), with one of its words, and how far from each it
    stands; how it ranks by that nearness among the quote's words and among those of its
    kind; its length and digits; and the quote's probability, missing numbers and place."""
    numbers = q.numbers if numbers is None else numbers
    found = []
    for i, quote in enumerate(quotes):
        text = quote.text

        def spots(anchors: Iterable[str]) -> list[int]:
            return [m.start() for anchor in anchors if anchor for m in re.finditer(re.escape(anchor), text)]

        def clause(at: int) -> int:
            return len(CLAUSE_END.findall(text, 0, at))

        number_spots, word_spots = spots(numbers), spots(w for w, weight in q.weights.items() if weight > 0)
        number_clauses, word_clauses = {clause(s) for s in number_spots}, {clause(s) for s in word_spots}
        placed = []
        for kind, words in kinds_not_in(text, q.asked, joined=True).items():
            for word in words:
                at = text.find(word)
                placed.append({
                    "kind": kind, "word": word,
                    "number_clause": clause(at) in number_clauses, "word_clause": clause(at) in word_clauses,
                    "number_distance": min((abs(at - s) for s in number_spots), default=len(text)),
                    "word_distance": min((abs(at - s) for s in word_spots), default=len(text)),
                })  # fmt: skip
        # Nearness: in a clause of the numbers, then of the words; then by distance to each.
        by_nearness = sorted(placed, key=lambda w: (
            not w["number_clause"], not w["word_clause"], w["number_distance"], w["word_distance"]))  # fmt: skip
        for nearness, w in enumerate(by_nearness):
            features = {
                "kind_probability": q.kinds[w["kind"]],
                "number_clause": float(w["number_clause"]),
                "word_clause": float(w["word_clause"]),
                "number_distance": math.log1p(w["number_distance"]),
                "word_distance": math.log1p(w["word_distance"]),
                "nearest": 1.0 / (1 + nearness),
                "nearest_of_its_kind": 1.0 / (1 + [v["kind"] for v in by_nearness[:nearness]].count(w["kind"])),
                "word_length": math.log(len(w["word"])),
                "has_digit": float(any(character.isdigit() for character in w["word"])),
                "quote_probability": quote.probability,
                "quote_numbers_missing": quote.features["numbers_missing"],
                "first_quote": float(i == 0),
                "words_in_quote": math.log(len(placed)),
            }
            found.append(LeadWord(w["word"], text, features | {f"is_{k}": float(w["kind"] == k) for k in WORD_KINDS}))
    return found


def question_values(q: Question, ranked: list[Candidate]) -> dict[str, float]:
    return {f.__name__: f(q, ranked) for f in QUESTION_FEATURES}
