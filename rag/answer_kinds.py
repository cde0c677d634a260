"""What kind of answer a question asks for, and which words of a sentence are of that kind.

Kinds are read by general means, never from a list of a corpus's names:

- a sentence's words get their kind from jieba's part-of-speech tags (``nr``/``nrt``
  person, ``ns`` place, ``nt`` organisation, ``t`` time) and from patterns for dates,
  numbers and units (``2022年5月22日``, ``22亿美元``, ``6000 万剂``);
- a Chinese question's kind is predicted by a small classifier over its words, fitted on
  CMRC 2018 questions labelled with the kind of their reference answer
  (``rag.fit``; weights in ``rag/data/answer_model.json``), so "开始时间" asks for a time
  without anyone listing it;
- English and Vietnamese questions state their kind with interrogatives, a closed class
  of the grammar (who/when/where/how many; ai/khi nào/ở đâu/bao nhiêu).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import jieba.posseg

from rag.keyword import segmenter
from rag.shared_cache import built_once

KINDS = ("person", "place", "organisation", "time", "number", "other")
# Kinds a word can carry; "other" is anything else (a reason, a title, a thing).
WORD_KINDS = KINDS[:-1]
POS_KIND = {"nr": "person", "nrt": "person", "nrfg": "person", "ns": "place", "nt": "organisation", "t": "time"}
# jieba's dictionary tags some 750 places as people (三藩市, 东光县, 伊尔库茨克州): a
# "person" ending in the suffix of an administrative division is a place.
DIVISION_SUFFIX = re.compile(r"[市省县州镇区]$")
DATE = re.compile(
    r"(?:公元前?)?\d{1,4}\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*[日号])?|\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?"
    r"|[一二三四五六七八九十〇零]{2,4}年|\d{1,2}\s*世纪|\d{2,4}\s*年代|\d{1,2}[:：]\d{2}"
)
CN_NUMERAL = "一二两三四五六七八九十百千万亿"
# Chinese measure words and units, a closed class of the grammar: 35亿美元, 6000 万剂, 3 名.
UNIT = (
    r"(?:美元|欧元|日元|英镑|卢布|港元|人民币|公里|千米|平方公里|平方米|公顷|千克|公斤|吨|周年|周岁|"
    r"[个位名人次件座家所项元米天岁届剂台辆部架艘种条只本篇场首分秒度倍股户亩克斤升期集季章册周年月日]|%)"
)
# A count written in one Chinese numeral needs its measure word (两种, 五位): 一 alone is
# the article "a" (一个), 十分 means "very", and 七月 is a month.
COUNT_MEASURE = r"[个位名人次件座家所项元米天岁届剂台辆部架艘种条只本篇场首倍股户亩克斤升集季章册]"
NUMBER = re.compile(
    rf"[{CN_NUMERAL}]+分之[{CN_NUMERAL}]+|\d+(?:[,.]\d+)*\s*[{CN_NUMERAL}]*\s*{UNIT}?"
    rf"|[{CN_NUMERAL}]{{2,}}{UNIT}?|[二两三四五六七八九]{COUNT_MEASURE}"
)
# The unit a Chinese question asks its number in (多少公里, 几名): 200平方公里 does not
# answer "全长多少公里". 个 counts anything, and a time unit asks a period, written as a date.
ASKED_UNIT = re.compile(rf"(?:多少|几)\s*({UNIT})")
UNIT_OF_NUMBER = re.compile(rf"{UNIT}$")
INTERPUNCTS = "·•・"
NAME_PARTS = ("nr", "nrt", "nrfg", "nz")  # the tags of what jieba cuts a person's name into
PROPER_NOUN_TAGS = (*NAME_PARTS, "ns", "nt")  # every name: people, places, organisations, others
CJK = re.compile(r"[\u4e00-\u9fff]+")
LETTER = re.compile(r"[^\W_]")
ASIDE = re.compile(r"[（(][^（()）]*[)）]")  # "(Lionel Richie)", "(1621年)"
# The Latin form an article gives right after a name: 基普乔格•约翰 (Kipchoge John).
LATIN_FORM = re.compile(r"\s*[（(]\s*([A-Z][\w'’-]*(?:[\s-][A-Z][\w'’-]*)*)\s*[）)]")

INTERROGATIVES = {
    "en": {
        "person": r"\bwho\b|\bwhom\b|\bwhose\b",
        "place": r"\bwhere\b|which (?:\w+ ){0,2}(?:city|cities|country|countries|province|place|region)",
        "organisation": r"which (?:\w+ ){0,2}(?:company|companies|firm|organi[sz]ation|agency|institution|newspaper)",
        "time": r"\bwhen\b|what (?:date|day|year|time)|which (?:date|year|day|month)|how long",
        # "How long" asks for a period (5月1日至3日) or a length in numbers (3天, 2.8公里).
        "number": r"how (?:many|much|old|far|long)|what (?:percentage|share|number|amount|age)",
    },
    "vi": {
        # "ai" (who) in lower case, or capitalised opening a question: "Ai Cập" is Egypt.
        "person": r"(?-i:\bai\b|^\s*Ai\b(?!\s+Cập))|là ai|người nào",
        "place": r"ở đâu|nơi nào|\bđâu\b|thành phố nào|tỉnh nào|nước nào",
        "organisation": r"công ty nào|doanh nghiệp nào|cơ quan nào|tổ chức nào|hãng nào",
        "time": r"khi nào|lúc nào|ngày nào|năm nào|bao giờ|bao lâu|tháng nào",
        "number": r"bao nhiêu|\bmấy\b",
    },
}
# Any interrogative, for telling a compound question ("…签署了什么？…又称作什么年？",
# "When did …, and where …?") from one that merely has two clauses.
ASKING = {
    language: re.compile(pattern, re.IGNORECASE)
    for language, pattern in {
        "zh": r"什么|哪|谁|多少|几[个年月日天次位名种项]|何|怎|如何|为什么|是否|吗",
        "en": r"\b(?:who|whom|whose|what|when|where|which|why|how)\b",
        "vi": r"\b(?:ai|gì|nào|đâu|bao nhiêu|bao giờ|bao lâu|mấy|sao|không)\b",
    }.items()
}
# Where a compound question's parts meet: a question mark or semicolon inside it, a comma,
# or a bare "and"/"và" (a part must still ask something of its own, so "X and Y" stays one).
PART_BOUNDARY = {
    "zh": r"[？?；;，,]",
    "en": r"[?;]\s*|,?\s+and\s+|,\s+",
    "vi": r"[?;]\s*|,?\s+và\s+|,\s+",
}
# Beside its interrogative a part names something to search for: two Chinese characters
# ("导演是谁"), two words elsewhere; "…, and where?" is one question, not two.
MIN_PART_WORDS = {"zh": (r"[\u4e00-\u9fff]", 2), "en": (r"[^\W\d_]+", 2), "vi": (r"[^\W\d_]+", 2)}
# Questions whose answer spans the articles ("哪几篇报道提到…", "Which articles mention…",
# "bài nào…"): how a question sets its scope is grammar too, not a corpus's wording.
ACROSS_ARTICLES = {
    "zh": r"[哪几各每两三多]+篇|哪些(?:文章|报道|新闻|文档)|(?:文章|报道|新闻|文档)(?:里|中)?都|各自",
    "en": r"\b(?:which|what|both|all|each|several|two|different) (?:of the )?(?:articles|reports|stories)\b"
    r"|\b(?:which|each) (?:article|report|story)\b|\bin (?:two|both|several|all) of (?:the|them)\b",
    "vi": r"bài (?:viết |báo )?nào|những bài|mỗi bài|cả hai bài|các bài (?:viết|báo) (?:nhắc|đề cập|nói)",
}
# How a question refers to the articles themselves and to what they say of a topic
# ("这几篇文章里提到…", "文中…", "据报道", "Which articles mention…", "the articles say",
# "các bài viết nhắc đến…"): no sentence says it, so it is nothing an answer covers. Only
# in that grammar: 文章 is what a writer published, 报道 what the press got wrong.
DOCUMENT_SCOPE = {
    "zh": r"(?:[哪这那几该本各每两三多]+篇(?:文章|报道|新闻|文档)?|(?:哪些|这些|那些|根据|据)(?:文章|报道|新闻|文档)"
    r"|(?:文章|报道|新闻|文档)(?=[里中都])|文中|本文|原文)(?:[里中都了]*(?:提到|提及|谈到|谈及|说到|提起))?",
    "en": r"\b(?:the|which|these|those|both|all|each|two|several|different)\s+(?:of\s+the\s+)?"
    r"(?:articles?|reports?|documents?)\b(?:\s+(?:mention(?:s|ed)?|say|says|said))?",
    "vi": r"\b(?:(?:các|những|mỗi|cả hai|hai|trong)\s+)?(?:bài viết|bài báo|văn bản)\b"
    r"(?:\s+(?:nhắc đến|nhắc tới|đề cập(?: đến| tới)?|nói))?"
    r"|\b(?:nhắc đến|nhắc tới|đề cập(?: đến| tới)?)\s+trong\s+(?:(?:các|những)\s+)?bài(?:\s+(?:viết|báo))?\b",
}


@built_once
def tagger() -> jieba.posseg.POSTokenizer:
    """Part-of-speech tagging over the same dictionary as segmentation (user terms included)."""
    return jieba.posseg.POSTokenizer(segmenter())


@lru_cache(maxsize=1000)  # a lead's sentence was tagged moments before, for its kind words
def tagged(text: str) -> tuple[jieba.posseg.pair, ...]:
    return tuple(tagger().cut(text))


def tagged_kind(pair: jieba.posseg.pair) -> str | None:
    """The kind of a word by its part-of-speech tag, if it has one of ``WORD_KINDS``."""
    kind = POS_KIND.get(pair.flag)
    return "place" if kind == "person" and DIVISION_SUFFIX.search(pair.word) else kind


@lru_cache(maxsize=50_000)  # the same corpus sentences come back question after question
def kind_words(text: str) -> tuple[tuple[str, str], ...]:
    """``(kind, words)`` pairs of ``text``: names, places, organisations, times and numbers."""
    dates = list(DATE.finditer(text))
    found: list[tuple[str, str]] = [("time", m.group(0)) for m in dates]
    found += [
        ("number", m.group(0).strip())
        for m in NUMBER.finditer(text)
        if not any(d.start() < m.end() and m.start() < d.end() for d in dates)
    ]
    pairs = tagged(text)
    for i, pair in enumerate(pairs):
        kind = tagged_kind(pair)
        if kind and len(pair.word) >= 2:
            found.append((kind, pair.word))
        # A foreign name written with an interpunct: 玛丽亚·莎拉波娃, 基普乔格•约翰; jieba may
        # cut a part into several proper nouns (基普 / 乔格 • 约翰), which belong to it too.
        if pair.word in INTERPUNCTS and 0 < i < len(pairs) - 1:
            if CJK.fullmatch(pairs[i - 1].word) and CJK.fullmatch(pairs[i + 1].word):
                first, last = i - 1, i + 1
                while first > 0 and pairs[first - 1].flag in NAME_PARTS and CJK.fullmatch(pairs[first - 1].word):
                    first -= 1
                while last + 1 < len(pairs) and pairs[last + 1].flag in NAME_PARTS and CJK.fullmatch(pairs[last + 1].word):
                    last += 1
                found.append(("person", "".join(p.word for p in pairs[first : last + 1])))
    return tuple(dict.fromkeys(found))


def joined_names(text: str) -> tuple[tuple[str, str], ...]:
    """Names jieba cuts into adjacent person words, joined: 基普 / 乔格 is 基普乔格."""
    pairs = tagged(text)
    person = [tagged_kind(pair) == "person" for pair in pairs]
    found = []
    for i in range(len(pairs)):
        if person[i] and (i == 0 or not person[i - 1]):
            last = i
            while last + 1 < len(pairs) and person[last + 1]:
                last += 1
            if last > i:
                found.append(("person", "".join(pair.word for pair in pairs[i : last + 1])))
    return tuple(found)


def kinds_not_in(text: str, question: str, joined: bool = False) -> dict[str, list[str]]:
    """The words of each kind that ``text`` has and ``question`` does not (an answer adds
    something), less those inside a longer one: 约翰 within 基普乔格•约翰; with ``joined``,
    also names jieba cuts apart, so that a lead names the whole person. The kind features
    are fitted without them: a refit with them answered fewer CMRC validation questions
    (0.857 → 0.849)."""
    found: dict[str, list[str]] = {}
    question = re.sub(r"\s+", "", question)  # "6000 万剂" in the text is "6000万剂" asked
    for kind, word in kind_words(text) + (joined_names(text) if joined else ()):
        if re.sub(r"\s+", "", word) not in question:
            found.setdefault(kind, []).append(word)
    return {
        kind: [word for word in words if not any(word != other and word in other for other in words)]
        for kind, words in found.items()
    }


def asked_unit(question: str) -> str | None:
    match = ASKED_UNIT.search(question)
    return match.group(1) if match and match.group(1) not in "个年月日周天" else None


def in_unit(number: str, unit: str | None) -> bool:
    """Whether ``number`` (as ``NUMBER`` reads it) counts in ``unit``, any unit if None."""
    match = UNIT_OF_NUMBER.search(number)
    return unit is None or (match is not None and match.group(0) == unit)


def question_features(question: str) -> list[str]:
    """The words of a Chinese question, their neighbouring pairs ("什么_时候") and last characters."""
    words = [w for w in segmenter().lcut(question) if w.strip() and not re.fullmatch(r"[\W_]+", w)]
    words = [re.sub(r"\d+", "0", w) for w in words]  # 2022年 and 1998年 ask the same way
    # A word's last character often names its kind: 举办地, 出生地 (place); 开始时间 (time).
    return words + [f"{a}_{b}" for a, b in zip(words, words[1:])] + [f"~{w[-1]}" for w in words if len(w) >= 2]


def asked_kinds(question: str, language: str, classifier: dict) -> dict[str, float]:
    """Probability of each kind of answer (``KINDS``) for ``question``.

    ``classifier`` holds the fitted multinomial weights: ``{"intercept": {kind: b},
    "weights": {feature: {kind: w}}}``. A question across articles asks which of them say
    something, or what each says: its answer is the articles cited, not a word of one
    (the 几 of "哪几篇报道提到…" asks for no number).
    """
    if asks_across_articles(question, language):
        return {kind: float(kind == "other") for kind in KINDS}
    if language != "zh":
        patterns = INTERROGATIVES[language]
        asked = [kind for kind, pattern in patterns.items() if re.search(pattern, question, re.IGNORECASE)]
        asked = asked or ["other"]
        return {kind: (1.0 / len(asked) if kind in asked else 0.0) for kind in KINDS}
    scores = dict(classifier["intercept"])
    for feature in question_features(question):
        for kind, weight in classifier["weights"].get(feature, {}).items():
            scores[kind] += weight
    top = max(scores.values())
    exp = {kind: math.exp(score - top) for kind, score in scores.items()}
    total = sum(exp.values())
    return {kind: exp[kind] / total for kind in KINDS}


def question_parts(question: str, language: str) -> list[str]:
    """The parts of a question that asks two or more things, each with its own interrogative
    and words of its own: "《山海情》什么时候开机？导演是谁？" has two. A
    question with one interrogative ("2016年和2017年的出口额分别是多少？") has none."""
    text = question.strip()
    cuts = [0] + [m.end() for m in re.finditer(PART_BOUNDARY[language], text) if m.end() < len(text)] + [len(text)]
    parts: list[str] = []
    for begin, end in zip(cuts, cuts[1:]):
        piece = text[begin:end]
        if parts and not ASKING[language].search(piece):
            parts[-1] += piece  # a piece that asks nothing belongs to the part before it
        else:
            parts.append(piece)
    parts = [re.sub(rf"(?:{PART_BOUNDARY[language]})$", "", p).strip() for p in parts]
    word, least = MIN_PART_WORDS[language]
    if len(parts) < 2 or any(len(re.findall(word, ASKING[language].sub("", p))) < least for p in parts):
        return []
    if not ASKING[language].search(parts[0]):  # only the first can ask nothing
        return []
    return [p.rstrip("?？") + ("？" if language == "zh" else "?") for p in parts]


def content_words(question: str) -> frozenset[str]:
    """The words of a Chinese question that name what it asks about (lower-cased): nouns,
    place words, verbs and adjectives by jieba's tags, less its interrogatives and the noun
    right after one, which is the kind asked for, not a word the answer states ("什么时候",
    "哪个国家")."""
    pairs = tagged(question)
    found = set()
    for i, pair in enumerate(pairs):
        follows_interrogative = i > 0 and ASKING["zh"].search(pairs[i - 1].word) and pair.flag[0] == "n"
        if (pair.flag[0] in "nva" or pair.flag == "s") and not ASKING["zh"].search(pair.word) and not follows_interrogative:
            found.add(pair.word.strip().lower())
    return frozenset(found)


def without_document_words(question: str, language: str) -> str:
    """``question`` less how it refers to the articles (``DOCUMENT_SCOPE``); in Chinese only
    whole words, so that 日本文化 keeps its 本文."""
    found = list(re.finditer(DOCUMENT_SCOPE[language], question, re.IGNORECASE))
    if language == "zh":
        bounds = {bound for _, start, end in segmenter().tokenize(question) for bound in (start, end)}
        found = [m for m in found if m.start() in bounds and m.end() in bounds]
    for match in reversed(found):
        question = question[: match.start()] + " " + question[match.end() :]
    return question


def asks_across_articles(question: str, language: str) -> bool:
    """Whether ``question`` asks what several articles say, which one says it, or what each says."""
    return re.search(ACROSS_ARTICLES[language], question, re.IGNORECASE) is not None


def answer_kind(answer: str) -> str:
    """The kind of a reference answer, for labelling training questions: the kind whose words
    (a date, a number, or a word jieba tags as a name, place or organisation) cover at least
    half of its letters together, so that a place jieba cuts into several (日本|冲绳县|那覇市)
    or a list of names is still one; asides in brackets (a Latin form, "(1621年)") do not count.
    A rare name jieba cuts into single characters still begins with a character tagged nr."""
    text = ASIDE.sub("", answer).strip() or answer
    covered: dict[str, set[int]] = {kind: set() for kind in WORD_KINDS}
    for kind, word in kind_words(text):
        for match in re.finditer(re.escape(word), text):
            covered[kind].update(range(match.start(), match.end()))
    first = next(iter(tagged(text)), None)
    if first is not None and tagged_kind(first) == "person" and len(text) <= 4:
        covered["person"].update(range(len(text)))
    letters = {i for i, character in enumerate(text) if LETTER.match(character)}
    kind, positions = max(covered.items(), key=lambda pair: len(pair[1] & letters))
    return kind if len(positions & letters) >= len(letters) / 2 else "other"


def person_named(text: str) -> str | None:
    """The first person ``text`` names (the longest form: 基普乔格•约翰, not 约翰), or
    the Latin name an article gives in brackets."""
    names = [word for kind, word in kind_words(text) if kind == "person"]
    if not names:
        latin = LATIN_FORM.search(text)
        return latin.group(1) if latin else None
    return min(names, key=lambda word: (text.find(word), -len(word)))


def with_latin_form(text: str, word: str) -> str:
    """``word`` with the Latin form ``text`` gives right after it: 基普乔格•约翰 (Kipchoge John)."""
    latin = LATIN_FORM.match(text, text.find(word) + len(word))
    return f"{word} ({latin.group(1)})" if latin else word
