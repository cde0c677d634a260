"""Answering from retrieved chunks: the offline extractive answerer and citation checking.

The extractive answerer needs no LLM. It reads what the question asks for (a number, a
sum of money, a date, a length of time, a person, an organisation, a place, a reason, a
position held, a document signed, or anything), scores every sentence of the retrieved
chunks by its embedding similarity to the question, its share of the question's words (or
of their Chinese translations, ``rag.lexicon``), whether it carries the kind of fact asked
for and whether it states the years and numbers the question names, and quotes the best
sentences verbatim with a citation each. A cause is often given a sentence or two after
the statement it explains; those sentences count as carrying it.

It refuses, and says what the articles do have instead, when
- nothing retrieved is close to the question (another topic, or navigation teasers that
  ingestion dropped),
- the question names a year or number that no candidate sentence states
  ("2018年越俄贸易额" when the articles report 2016, 2017 and 2019),
- the question asks for a kind of fact (a date, a number, a person) that no close
  sentence carries ("核科技中心什么时候建成" when the text only says it was agreed on),
- the sentences that carry it are about something else: another sentence has much more
  of the question's specific words ("俄越政府间委员会的俄方主席是谁": the names stand
  beside other committees; the sentence on the 政府间委员会 names nobody), or
- an English question names something no article mentions ("Ukraine": ``rag.lexicon``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from langchain_core.documents import Document

from rag.chunking import split_sentences
from rag.keyword import PERSON, tokenize
from rag.lexicon import chinese_words, unmentioned_names
from rag.schema import Answer, Citation
from rag.store import ChunkStore

KINDS = {
    "money": {
        "zh": r"多少钱|金额|贸易额|贸易总额|进出口总额|出口额|进口额|投资额|投了多少",
        "en": r"how much|\bworth\b|\bdollars?\b|\bvalue\b|\btrade (?:volume|total|turnover|figure)|\btotal\b.*\btrade\b",
        "vi": r"kim ngạch|bao nhiêu tiền|giá trị|trị giá|\bUSD\b|đô la",
    },
    "number": {
        "zh": r"多少|(?<!哪)几(?!篇)|多大|多快|比例|增长率",
        "en": r"how many|how much|how fast|\brate\b|\bpercent|\bnumber of\b|which anniversary",
        "vi": r"bao nhiêu|mấy|tỷ lệ|lần thứ",
    },
    "date": {
        "zh": r"什么时候|何时|哪天|哪一天|哪一年|哪年|几月|哪个月|日期|那天",
        "en": r"\bwhen\b|what date|which year|what year|what day|\bby when\b|\bsince when\b|what period",
        "vi": r"khi nào|lúc nào|ngày nào|năm nào|bao giờ|thời gian nào|những ngày nào|giai đoạn nào",
    },
    "period": {
        "zh": r"几号到几号|哪天到哪天|从.{0,8}到(?:哪|几|什么)|几天|多少天|多长时间|多久|持续.{0,4}(?:多|几)",
        "en": r"how many days|how long|from (?:what|which) (?:date|day) to|until when|\bduration\b",
        "vi": r"bao nhiêu ngày|mấy ngày|bao lâu|kéo dài|từ ngày nào đến ngày nào",
    },
    "person": {
        "zh": r"谁|哪位|什么人",
        "en": r"\bwho\b|\bwhom\b|\bwhose\b",
        "vi": r"\bai\b|là ai|tên là gì|tên gì",
    },
    "organisation": {
        "zh": r"哪家|哪个(?:公司|企业|机构|组织|媒体|部门|通讯社)|什么(?:公司|企业|机构|组织|媒体)",
        "en": r"which (?:company|companies|firm|organi[sz]ation|agency|news agency|media|newspaper|outlet)",
        "vi": r"công ty nào|doanh nghiệp nào|cơ quan nào|tổ chức nào|hãng nào|báo nào|hãng thông tấn nào",
    },
    "reason": {
        "zh": r"为什么|为何|什么原因|原因是|怎么解释|如何解释|何以",
        "en": r"\bwhy\b|what reason|\bexplain|what caused",
        "vi": r"vì sao|tại sao|lý do|nguyên nhân|giải thích",
    },
    "position": {
        "zh": r"什么职务|什么职位|什么头衔|什么身份|担任什么|任什么职|何职|职务是什么|职位是什么",
        "en": r"what (?:position|post|title|office)s? (?:did|does|do|was|is|were|has|had)\b"
        r"|what (?:is|was) (?:his|her|their) (?:position|post|title|job)\b|\b(?:position|post) held by\b",
        "vi": r"chức vụ|cương vị|chức danh|giữ chức",
    },
    "document": {
        "zh": r"签(?:署|订)?[了过]?(?:哪些|什么)|(?:什么|哪些|哪几份|哪份)(?:协议|协定|条约|文件|合同|备忘录)",
        "en": r"\b(?:what|which)\s+(?:\w+\s+)?(?:agreements?|documents?|deals?|treat(?:y|ies)|contracts?|accords?)\b",
        "vi": r"(?:hiệp định|thỏa thuận|thoả thuận|văn kiện|văn bản|hợp đồng|hiệp ước|bản ghi nhớ)\s+(?:nào|gì)"
        r"|\bký(?: kết)?(?: được)?(?: những)? (?:gì|văn kiện nào)",
    },
    "place": {
        "zh": r"哪里|哪儿|在哪(?=[举召签见开会进设？?]|$)|什么地方|哪些地方|哪(?:个|座)(?:城市|省|地方)",
        "en": r"\bwhere\b|which city|which place",
        "vi": r"ở đâu|nơi nào|đâu",
    },
}
MONEY = re.compile(r"\d[\d.,]*\s*(?:亿|万)?\s*(?:美元|元|卢布|欧元)|\d+(?:\.\d+)?\s*%")
NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万亿]+(?:个|年|周年|剂|名|次|届)")
DATE = re.compile(r"\d{1,4}\s*年|\d{1,2}\s*月|\d{1,2}\s*日|年底|年初|月底|当天|今年|明年")
# A span of days ("11月23日至25日") or a length of time ("两年", "3天"), not a single day.
PERIOD = re.compile(
    r"\d{1,2}\s*日?\s*(?:至|到|—|-)\s*\d{1,2}\s*日|(?<!\d)(?:\d{1,2}|[一二两三四五六七八九十]+)\s*(?:天|个月|周(?!年)|年)(?![底初])"
)
FULL_DATE = re.compile(r"(?:\d{4}\s*年\s*)?\d{1,2}\s*月(?:\s*\d{1,2}\s*日(?:\s*至\s*\d{1,2}\s*日)?)?|\d{4}\s*年")
# A named organisation, not a generic one: "越南企业" names no company, "塔斯社" does.
ORGANISATION = re.compile(
    r"[\u4e00-\u9fff]{2,10}(?:公司|集团|银行|大学|学院|电视台|日报)|[\u4e00-\u9fff]{1,4}社(?![会区团])|\b[A-Z]{3,5}\b"
)
PLACE = re.compile(r"[\u4e00-\u9fff]{1,6}(?:市|省|州|陵|墓|塑像|首都|中心)|莫斯科|河内|圣彼得堡|胡志明市")
# A cause or a purpose, as Chinese news states them.
REASON = re.compile(r"原因|因为|由于|之所以|导致|旨在|为了")
# An office or rank held: "副总理", "总领事", "首席代表"; not a 代表团 or a 委员会.
TITLE = re.compile(
    r"(?:副|总|首席|常务)?(?:总书记|书记|主席|总统|总理|部长|外长|领事|大使|代表(?!团|处)|主任|委员(?!会)|议长|首脑)"
)
# A document signed or named: "签署了一系列合作文件", "《东海各方行为宣言》" (not the
# newspaper 《高棉时报》).
DOCUMENT_NOUN = r"(?:协议|协定|条约|公约|文件|合同|备忘录|计划|宣言|声明|议定书|纪要)"
DOCUMENT = re.compile(rf"《[^》]*{DOCUMENT_NOUN}》|(?:签署|签订|缔结)[^。;；,，《]{{0,30}}?{DOCUMENT_NOUN}")
QUANTITY = re.compile(r"\d[\d.,]*\s*(?:亿|万)?\s*(?:美元|剂|个|周年|名|次|届|%)")
# What a lead line names for each kind, where it differs from what marks a sentence as
# carrying it; a cause is a clause, not a word to name.
FACTS = {"date": FULL_DATE, "number": QUANTITY, "reason": None}
FEATURES = {
    "money": MONEY,
    "number": NUMBER,
    "date": DATE,
    "period": PERIOD,
    "person": PERSON,
    "organisation": ORGANISATION,
    "place": PLACE,
    "reason": REASON,
    "position": TITLE,
    "document": DOCUMENT,
}
# Numbers the question names: years (2018) and quantities (30, 6000); not the 19 of
# COVID-19 or the 23 of U23, which are parts of names.
QUESTION_NUMBER = re.compile(r"(?<![\d.A-Za-z])(?<![A-Za-z]-)\d{2,4}(?![\d.])")
MULTI = re.compile(
    r"分别|哪些文章|哪几篇|各自|哪些领导人|(?<![首成])都(?!市)|和.{1,12}(分别|各)|\bwhich articles\b|\band\b.*\band\b|"
    r"\bfrom \d{4} to \d{4}\b|các bài|những|và",
    re.IGNORECASE,
)

# Similarities of e5-small are compressed into about 0.7–0.95 and lower across languages;
# calibrated on eval/qa_dev.jsonl (best sentence of answerable vs. off-topic questions).
# A sentence that shares two or more of the question's words (or their translations,
# ``rag.lexicon``) is evidence of its own; without that, a question needs to be closer.
MIN_SIMILARITY = {"zh": 0.865, "en": 0.75, "vi": 0.772}
MIN_SIMILARITY_UNSUPPORTED = {"zh": 0.865, "en": 0.765, "vi": 0.79}
MIN_SHARED_WORDS = 2
# A Chinese question whose words are mostly unknown to the corpus is about something else,
# unless it is very close in meaning (paraphrases use new words too).
UNKNOWN_WORDS_SHARE = 0.4
UNKNOWN_WORDS_SIMILARITY = 0.895
QUESTION_WORDS = frozenset(
    "文章 几篇 哪几篇 报道 提到 谈到 出现 分别 怎么 怎么样 哪家 哪位 哪些 一共 总共 时候 这次 那次 "
    "这些 那个 文中 文中说 地方 哪些地方 是从 一年 哪一年 几个 哪几个 哪几".split()
)
# The topic is in the articles but the detail is not when the sentences that carry the
# asked-for fact cover much less of the question's specific words than another sentence
# does: "俄越政府间委员会的俄方主席是谁" finds names beside other committees' 主席, while the
# sentence about the 政府间委员会 names nobody. Chinese questions only: English and
# Vietnamese reach the articles' words through dictionaries that miss too many of them.
DETAIL_COVERAGE = 0.75
MIN_QUOTE_CHARS = 15
MARGIN = 0.025
KIND_MARGIN = 0.03
MAX_SENTENCES = 3
REASON_REACH = 2  # how many sentences after a statement are searched for its cause
MAX_SENTENCES_MULTI = 6

MESSAGES = {
    "zh": {
        "lead": "根据文章：",
        "refused": "文章中没有提到这一点{detail}。",
        "closest": "文章中最接近的内容是：",
        "nothing": "文章中没有与此相关的内容。",
        "no_year": "（文章未写明年份）",
    },
    "en": {
        "lead": "According to the articles{fact}:",
        "refused": "The articles do not say this{detail}.",
        "closest": "The closest they come:",
        "nothing": "The articles contain nothing related to this question.",
        "unmentioned": "The articles never mention {names}.",
        "no_year": " (the article gives no year)",
    },
    "vi": {
        "lead": "Theo các bài báo{fact}:",
        "refused": "Các bài báo không đề cập điều này{detail}.",
        "closest": "Nội dung gần nhất trong các bài báo:",
        "nothing": "Các bài báo không có nội dung nào liên quan đến câu hỏi này.",
        "unmentioned": "Các bài báo không hề nhắc đến {names}.",
        "no_year": " (bài báo không ghi năm)",
    },
}


@dataclass
class Candidate:
    """One sentence of a retrieved chunk, with its place in the article body."""

    source: str
    title: str
    text: str
    start: int
    end: int
    similarity: float
    relevance: float = 0.0  # similarity plus shared words and the question's numbers
    score: float = 0.0  # relevance plus a bonus for carrying the kind of fact asked for


def question_kinds(question: str, language: str) -> list[str]:
    """What the question asks for; a sum of money is a number that must carry a currency,
    and a period is a date that must span days or give a length of time."""
    kinds = [kind for kind, patterns in KINDS.items() if re.search(patterns[language], question, re.IGNORECASE)]
    if "money" in kinds and "number" in kinds:
        kinds.remove("number")
    if "period" in kinds:  # "什么时候结束，一共几天": one day's date does not answer it
        kinds = [kind for kind in kinds if kind not in ("date", "number")]
    return kinds


def carries(text: str, kinds: list[str]) -> bool:
    """True when ``text`` states a fact of one of the asked-for kinds (or nothing was asked)."""
    return not kinds or any(FEATURES[kind].search(text) for kind in kinds)


def asks_for_several(question: str) -> bool:
    """A listing, a comparison or two things at once ("哪些文章…", "2016年和2017年分别…",
    "from 2016 to 2017", "… và …")."""
    return bool(MULTI.search(question))


def candidate_sentences(store: ChunkStore, question_vector: np.ndarray, contexts: list[Document]) -> list[Candidate]:
    """The sentences of the retrieved chunks, each once, with their similarity to the question."""
    seen: dict[tuple[str, int], Candidate] = {}
    spans_of: dict[str, list[tuple[int, int]]] = {}  # several chunks often share an article
    for doc in contexts:
        source = doc.metadata["source"]
        article = store.article(source)
        if source not in spans_of:
            spans_of[source] = split_sentences(article.body)
        vectors = store.sentence_vectors(source)
        inside = [
            (span, vector)
            for span, vector in zip(spans_of[source], vectors)
            if span[0] >= doc.metadata["start"] and span[1] <= doc.metadata["end"]
        ]
        for i, ((start, end), vector) in enumerate(inside):
            # A fragment, or a clause such as "…,阮富仲强调;" that introduces a quotation,
            # is quoted together with the sentence that follows it.
            similarity = float(vector @ question_vector)
            if i + 1 < len(inside):
                (next_start, next_end), next_vector = inside[i + 1]
                introduces = article.body[end - 1] in ";；:：" and article.body[next_start] in "“\"「"
                if end - start < MIN_QUOTE_CHARS or introduces:
                    end = next_end
                    similarity = max(similarity, float(next_vector @ question_vector))
            if (source, start) not in seen:
                seen[(source, start)] = Candidate(source, article.title, article.body[start:end], start, end, similarity)
    return list(seen.values())


def without_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates in order, less any that shares text with one before it (a fragment
    quoted with its next sentence overlaps that sentence quoted alone)."""
    kept: list[Candidate] = []
    for candidate in candidates:
        if not any(k.source == candidate.source and k.start < candidate.end and candidate.start < k.end for k in kept):
            kept.append(candidate)
    return kept


def following_sentences(candidate: Candidate, candidates: list[Candidate], count: int) -> list[Candidate]:
    """Up to ``count`` sentences right after ``candidate`` in its article, as far as they were retrieved."""
    following = []
    while len(following) < count:
        after = [c for c in candidates if c.source == candidate.source and candidate.end <= c.start <= candidate.end + 2]
        if not after:
            break
        candidate = min(after, key=lambda c: c.start)
        following.append(candidate)
    return following


def unknown_share(store: ChunkStore, tokens: set[str]) -> float:
    """Share of the question's content words that no indexed chunk contains."""
    content = tokens - QUESTION_WORDS
    if not content:
        return 0.0
    return sum(1 for t in content if t not in store.keyword.vocabulary) / len(content)


def content_words(store: ChunkStore, text: str, language: str) -> set[str]:
    """The words of ``text`` to look for in sentences, with the Chinese ones it translates to."""
    words = {t for t in tokenize(text) if len(t) >= 2}
    return words | set(chinese_words(text, language, store.keyword.vocabulary))


def distinct_words_in(text: str, words: set[str]) -> set[str]:
    """The ``words`` found in ``text``, less those found only as part of a longer one
    (平明 within 范平明, 俄 within 俄罗斯)."""
    text = text.lower()
    found = {word for word in words if word in text}
    return {word for word in found if not any(word != other and word in other for other in found)}


def specific_coverage(store: ChunkStore, text: str, words: set[str]) -> float:
    """The question's words in ``text``, each weighted by how few chunks have it."""
    return sum(store.keyword.specificity(word) for word in distinct_words_in(text, words))


def keyword_coverage(question_tokens: set[str], text: str) -> float:
    if not question_tokens:
        return 0.0
    text = text.lower()
    return sum(1 for token in question_tokens if token in text) / len(question_tokens)


def key_fact(text: str, kinds: list[str]) -> str:
    """The figure, date or name in ``text`` that the question asked for, if any."""
    for kind in kinds:
        pattern = FACTS.get(kind, FEATURES[kind])
        if pattern is None:
            continue
        found = [m.group(0).strip() for m in pattern.finditer(text) if m.group(0).strip()]
        if found:
            return ", ".join(dict.fromkeys(found[:3]))
    return ""


def extractive_answer(
    store: ChunkStore, question: str, search_text: str, language: str, contexts: list[Document]
) -> Answer:
    """Quote the sentences that answer ``question``, or refuse and show the closest ones.

    ``search_text`` is the question made self-contained (follow-ups); ``question`` is what
    the user typed, which decides what kind of fact is asked for.
    """
    messages = MESSAGES[language]
    if not contexts:
        return Answer(text=messages["nothing"], refused=True, contexts=[])
    question_vector = np.asarray(store.embeddings.embed_query(search_text))
    if search_text != question and len(tokenize(question)) >= 3:
        # A rewritten follow-up carries the earlier question too; what is asked now counts as
        # much, unless it is a bare ellipsis ("那2016年呢？") that means little on its own.
        question_vector = (question_vector + np.asarray(store.embeddings.embed_query(question))) / 2
    candidates = candidate_sentences(store, question_vector, contexts)
    kinds = question_kinds(question, language)
    tokens = content_words(store, search_text, language)
    asked_now = content_words(store, question, language) if search_text != question else tokens
    numbers = set(QUESTION_NUMBER.findall(question))
    for candidate in candidates:
        candidate.relevance = (
            candidate.similarity
            + 0.03 * (keyword_coverage(tokens, candidate.text) + keyword_coverage(asked_now, candidate.text))
            + 0.05 * sum(n in candidate.text for n in numbers)
        )
        candidate.score = candidate.relevance + 0.03 * carries(candidate.text, kinds)
    candidates = without_overlaps(sorted(candidates, key=lambda c: -c.score))
    best = candidates[0]
    # Does a sentence about as relevant as the most relevant one carry what was asked for?
    # (Without the bonus for carrying it: a date in an unrelated sentence answers nothing.)
    most_relevant = max(c.relevance for c in candidates)
    close = [c for c in candidates if c.relevance >= most_relevant - KIND_MARGIN]
    # A statement comes first and its cause soon after: "出口额大幅下降。" (the figures)
    # "实际上,…下降的原因…".
    explained = (
        [after for c in close for after in following_sentences(c, candidates, REASON_REACH) if carries(after.text, kinds)]
        if "reason" in kinds
        else []
    )
    kind_found = not kinds or any(carries(c.text, kinds) for c in close) or bool(explained)

    multi = asks_for_several(question)
    limit = MAX_SENTENCES_MULTI if multi else MAX_SENTENCES
    margin = MARGIN * 2 if multi else MARGIN
    chosen = [c for c in candidates if c.score >= best.score - margin][:limit]
    if kinds and not any(carries(c.text, kinds) for c in chosen):
        carrying = [c for c in candidates if c.score >= best.score - 2 * margin and carries(c.text, kinds)]
        if carrying:
            chosen = carrying[:1] + chosen[: limit - 1]
        elif explained:
            chosen = chosen[: limit - 1] + explained[:1]
    # Each year or number the question names gets the best sentence that states it, so that
    # "2016年和2017年…" or "from 2016 to 2017, and 2019" shows every figure with its source.
    # A sentence naming the other years too comes last: "2016年10月生效…2017年达到了35亿美元"
    # names 2016 but gives the figure of 2017. (A cause is told around the figures, not
    # beside them: a year goes with the kinds that are facts.)
    facts = [kind for kind in kinds if kind != "reason"]
    for number in sorted(numbers):
        stating = sorted(
            (c for c in candidates if number in c.text and carries(c.text, facts)),
            key=lambda c: sum(other in c.text for other in numbers if other != number),
        )
        if stating and stating[0] not in chosen:
            chosen.append(stating[0])

    # A year or number the question names must be stated by a sentence that also carries
    # what is asked: "2018年" in a sentence about a visit does not give the 2018 trade figure.
    unstated = sorted(
        n for n in numbers if not any(n in c.text and carries(c.text, facts) for c in candidates[: limit * 2])
    )
    top_similarity = max(c.similarity for c in candidates)
    shared_words = max(len(distinct_words_in(c.text, tokens)) for c in candidates)
    supported = shared_words >= MIN_SHARED_WORDS
    refusal = ""
    if top_similarity < (MIN_SIMILARITY if supported else MIN_SIMILARITY_UNSUPPORTED)[language] or (
        language == "zh"
        and top_similarity < UNKNOWN_WORDS_SIMILARITY
        and unknown_share(store, tokens) >= UNKNOWN_WORDS_SHARE
    ):
        refusal = "nothing close"
    elif language in ("en", "vi") and (names := unmentioned_names(question, store.keyword.mentions, language)):
        # Close in meaning, but about a place or person no article mentions ("Ukraine").
        refusal = "unmentioned"
    elif unstated:
        refusal = "number"
    elif not kind_found:
        refusal = "kind"
    elif language == "zh" and facts and search_text == question and not multi:
        # (A follow-up's words are its earlier question's; a listing spreads them over articles.)
        words = tokens - QUESTION_WORDS
        topic_coverage, topic = max(
            ((specific_coverage(store, c.text, words), c) for c in candidates), key=lambda pair: pair[0]
        )
        if carries(topic.text, facts):  # the sentence most about it carries the fact: quote it
            if topic not in chosen:
                chosen.append(topic)
        elif max(
            (specific_coverage(store, c.text, words) for c in chosen if carries(c.text, facts)), default=0.0
        ) < DETAIL_COVERAGE * topic_coverage:
            refusal = "detail"

    if refusal:
        if refusal == "number":  # e.g. the figures of the years that the articles do report
            closest = ([c for c in candidates if carries(c.text, kinds)] or candidates)[:3]
            detail = f"（{'、'.join(unstated)}）" if language == "zh" else f" ({', '.join(unstated)})"
            head = messages["refused"].format(detail=detail)
        else:  # what the articles say about the topic, without the asked-for detail
            closest = sorted(candidates, key=lambda c: -c.relevance)
            if refusal == "detail":  # the sentence on the topic first, then the one with a fact
                closest = without_overlaps([topic, *closest])
            closest = closest[: 1 if refusal in ("nothing close", "unmentioned") else 2]
            head = (
                messages["unmentioned"].format(names=", ".join(names))
                if refusal == "unmentioned"
                else messages["refused"].format(detail="")
            )
        return compose(head + "\n" + messages["closest"], closest, True, contexts)

    if multi:  # several articles: keep each figure next to its own article's other facts
        chosen.sort(key=lambda c: (c.source, c.start))
    fact = key_fact(chosen[0].text, kinds)
    # The lead line names the fact in the question's language; Chinese readers see it quoted.
    head = messages["lead"].format(fact=f" — {fact}" if fact and language != "zh" else "")
    if "date" in kinds and fact and "年" not in fact:
        head += messages["no_year"]
    return compose(head, chosen, False, contexts)


def compose(head: str, sentences: list[Candidate], refused: bool, contexts: list[Document]) -> Answer:
    """Answer text with one verbatim quote per line, each followed by its [n] marker."""
    citations = [
        Citation(n=n, source=c.source, title=c.title, quote=c.text, start=c.start, end=c.end)
        for n, c in enumerate(sentences, start=1)
    ]
    lines = [head] + [f"{c.quote} [{c.n}]" for c in citations]
    return Answer(text="\n".join(lines), citations=citations, refused=refused, contexts=contexts)


def verify_citations(answer: Answer, store: ChunkStore) -> Answer:
    """Keep only citations whose quote is exactly the cited span of the article body."""
    valid = []
    for citation in answer.citations:
        try:
            body = store.article(citation.source).body
        except KeyError:
            continue
        if body[citation.start : citation.end] == citation.quote:
            valid.append(citation)
    if len(valid) == len(answer.citations):
        return answer
    return Answer(answer.text, valid, answer.refused, answer.contexts)
