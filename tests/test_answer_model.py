"""The fitted answer model on a corpus that is not the seeds: kinds, features, shipped weights."""

from __future__ import annotations

import itertools
import json
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rag import Assistant
from rag.answer_kinds import (
    KINDS,
    WORD_KINDS,
    answer_kind,
    asked_kinds,
    asks_across_articles,
    content_words,
    kind_words,
    kinds_not_in,
    question_parts,
    without_document_words,
)
from rag.answer_model import (
    LEAD_FEATURE_NAMES,
    MODEL_PATH,
    QUESTION_FEATURES,
    REFUSAL_GROUP,
    SENTENCE_FEATURE_NAMES,
    Candidate,
    Question,
    candidate_sentences,
    coverage,
    describe_question,
    kind_match,
    latin_share,
    likely_kind_match,
    question_weights,
    shipped_model,
    unknown_name_share,
    weighted_share,
)
from rag.answering import likeliest_lead, number_parts, quoted
from rag.classifiers import BoostedTrees
from rag.cmrc import DEFAULT_DATA, answer_text, write_split
from rag.cmrc import main as cmrc_main
from rag.cmrc import passages as cmrc_passages
from rag.conversation import resolve_followup
from rag.documents import load_article, squeeze
from rag.eval import QAItem, load_qa
from rag.figures import QUESTION_NUMBER
from rag.fit import (
    MIN_LEAD_PRECISION,
    ask_all,
    lowest_threshold_keeping_precision,
    name_changed,
    without_their_articles,
)
from rag.ingestion import ingest
from rag.lexicon import translations
from rag.settings import Settings

# Three short articles written for this test: other topics, other names, other numbers.
ARTICLES = {
    "drama.txt": "电视剧《山海情》开机\n"
    "电视剧《山海情》于2020年3月在宁夏开机。该剧编剧由作家王小明担任，导演为李华。"
    "全剧共23集，投资约1.5亿元。剧组表示，拍摄将持续四个月。",
    "marathon.txt": "2023年城市马拉松在杭州举行\n"
    "2023年城市马拉松于11月12日在杭州举行。共有3万名选手参加。"
    "男子组冠军由肯尼亚选手基普乔格•约翰(Kipchoge John)获得，成绩为2小时8分。"
    "组委会表示，明年的比赛将增设半程马拉松项目。",
    "conference.txt": "第十届国际语言技术会议闭幕\n"
    "第十届国际语言技术会议于2019年在新加坡举办。会议共收到论文1200篇，录用论文300篇。"
    "大会主席张伟在闭幕式上致辞。下一届会议的举办时间尚未公布。",
}


def indexed(folder: Path, articles: dict[str, str]) -> Settings:
    """Settings of an index of ``articles`` (file name -> text), written and ingested in ``folder``."""
    (folder / "docs").mkdir()
    for name, text in articles.items():
        (folder / "docs" / name).write_text(text, encoding="utf-8")
    settings = Settings(data_dir=folder / "index", _env_file=None)
    assert not ingest([folder / "docs"], settings=settings, show_progress=False).errors
    return settings


@pytest.fixture(scope="module")
def other_corpus(tmp_path_factory) -> Assistant:
    return Assistant.load(indexed(tmp_path_factory.mktemp("other-corpus"), ARTICLES))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("《山海情》的编剧是谁？", "王小明"),
        ("城市马拉松有多少名选手参加？", "3万名"),
        ("国际语言技术会议收到了多少篇论文？", "1200篇"),
        ("马拉松男子组冠军是谁？", "基普乔格•约翰"),
        ("《山海情》什么时候开机？", "2020年3月"),
    ],
)
def test_answers_on_a_corpus_nobody_tuned_on(other_corpus, question, expected):
    answer = other_corpus.ask(question)
    assert not answer.refused, answer.text
    assert expected in answer.citations[0].quote
    assert expected in answer.text.splitlines()[1]  # the best sentence is quoted first


def test_the_lead_names_the_person_with_the_latin_form_the_article_gives(other_corpus):
    answer = other_corpus.ask("马拉松男子组冠军是谁？")
    assert "基普乔格•约翰 (Kipchoge John)" in answer.text.splitlines()[0]


@pytest.mark.parametrize(
    "question",
    [
        "2022年国际语言技术会议在哪里举办？",  # a year no article states
        "今天北京的天气怎么样？",  # another topic
        "杭州明天的天气怎么样？",  # a place an article names, asked about what none writes
    ],
)
def test_refuses_what_the_corpus_does_not_say(other_corpus, question):
    answer = other_corpus.ask(question)
    assert answer.refused, answer.text
    assert answer.text.startswith("文章中没有")


def test_what_a_question_asks_about_and_no_article_writes_leaves_its_coverage_short(other_corpus):
    keyword = other_corpus.retriever.store.keyword
    assert content_words("杭州明天的天气怎么样？") == {"杭州", "天气"}
    assert "时候" not in content_words("该剧什么时候开机？")  # the kind 什么 asks for
    weights, _ = question_weights(other_corpus.retriever.store, "杭州明天的天气怎么样？", [])
    assert weights["天气"] == keyword.rarest_specificity  # asked about, and no article writes it
    assert weights["怎么样"] == 0.0  # no article writes it either, but it names nothing
    assert 0 < weights["杭州"] <= weights["天气"]


def test_a_translated_word_is_covered_by_any_of_its_alternatives(other_corpus):
    store = other_corpus.retriever.store
    question = "Which city hosted the 2023 marathon?"
    weights, concepts = question_weights(store, question, translations(question, "en", store.keyword.vocabulary))
    marathon = next(group for group in concepts if "马拉松" in group)
    assert concepts[marathon] == min(weights[word] for word in marathon)  # as common as its commonest form
    q = Question(question, "en", np.zeros(1), weights, {"2023"}, {}, [], "", frozenset(), concepts=concepts)
    c = Candidate("marathon.txt", "", "2023年城市马拉松于11月12日在杭州举行。", 0, 22, 0.9, "", 0, 1.0)
    assert coverage(q, c) == 1.0  # every concept the index can hold, in one of its forms


def test_a_name_the_index_has_only_in_pieces_counts_as_read_in_the_passages(tmp_path):
    # jieba cuts the rare 司马晏 into pieces: no index word reads "si ma yan", yet the retrieved
    # passage writes it, and the sentence naming him covers the question's name.
    jin = "晋朝宗室\n司马晏为人恭愿，才能在武帝诸子中最劣。永嘉五年，他在洛阳遇害。"
    assistant = Assistant.load(indexed(tmp_path, {"jin.txt": jin}))
    store, question = assistant.store, "What was Sima Yan like?"
    assert "司马晏" not in store.keyword.vocabulary
    passages = [doc.page_content for doc in assistant.retrieve(question)]
    q = describe_question(store, question, question, "en", shipped_model().kinds, passages)
    name = next(group for group in q.concepts if "司马晏" in group)
    assert q.concepts[name] > 0
    named = Candidate("jin.txt", "", "司马晏为人恭愿，才能在武帝诸子中最劣。", 0, 20, 0.9, "", 0, 1.0)
    unnamed = replace(named, text="永嘉五年，他在洛阳遇害。")
    assert coverage(q, named) >= q.concepts[name] / sum(q.concepts.values()) > coverage(q, unnamed)


def test_an_english_word_weighs_only_in_a_name_the_articles_write_in_latin(tmp_path):
    # "Town" stands once in brackets: as the rarest word of the index it outweighed the name
    # 王江泾 and drew the question to the article on Cheshire.
    store = Assistant.load(indexed(tmp_path, {
        "cheshire.txt": "柴郡\n切斯特是郡治。以人口计算，沃灵顿是第1大镇（Town），克鲁排第2。",
        "exeter.txt": "菲利普斯埃克塞特学院\n菲利普斯埃克塞特学院（英文：Phillips Exeter Academy）是一所寄宿中学。",
    })).store  # fmt: skip

    def weights(question: str) -> dict[str, float]:
        groups = translations(question, "en", store.keyword.vocabulary)
        return question_weights(store, question, groups, "en")[0]

    assert "town" in store.keyword.vocabulary and weights("Where is Wangjiangjing Town?")["town"] == 0
    assert weights("Who founded Phillips Exeter Academy?")["academy"] > 0  # the article writes the name


def test_a_few_letters_before_a_sentence_do_not_lend_it_their_similarity(tmp_path):
    # "Wow!" ends a sentence of its own and is quoted with the one after it. Compared by the
    # nearer of the two vectors, the pair was quoted for English questions on anything.
    contest = "影音创作大赛\nWow! eye Taiwan全民影音创作大赛由新闻局主导，目的在发掘、培植更多影视新秀。"
    assistant = Assistant.load(indexed(tmp_path, {"contest.txt": contest}))
    store, question = assistant.store, "What colour are juvenile damselfish?"
    q = describe_question(store, question, question, "en", shipped_model().kinds)
    pair = next(c for c in candidate_sentences(store, q, assistant.retrieve(question)) if c.start == 0)
    fragment, sentence = store.sentence_vectors("contest.txt") @ q.vector
    assert pair.text.startswith("Wow! ") and pair.text.endswith("新秀。")
    assert fragment > sentence  # the exclamation alone lies nearer the question than the text
    assert sentence < pair.similarity < (sentence + fragment) / 2  # weighed by its few letters


def test_a_list_of_references_in_latin_letters_does_not_draw_english_questions(tmp_path):
    # An English question's vector lies nearer any sentence in Latin letters: the sentence
    # model reads the share of them, and quotes what answers.
    people = (
        "埃文人\n埃文人是西伯利亚东部的一个民族，主要分布在马加丹州和堪察加边疆区。"
        "埃文人传统上以狩猎、捕鱼和饲养驯鹿为生，集体化后改为定居养鹿与务农。"
        "Levin, M. G.; Potapov, L. P. The Peoples of Siberia. Chicago: University of Chicago Press, 1964."
    )
    assistant = Assistant.load(indexed(tmp_path, {"even.txt": people}))
    answer = assistant.ask("What is the traditional way of life of the Even people?")
    assert not answer.refused and answer.citations[0].quote.startswith("埃文人传统上")
    references = "Levin, M. G.; Potapov, L. P. The Peoples of Siberia."
    reference = Candidate("even.txt", "", references, 0, len(references), 0.9, "", 0, 1.0)
    assert latin_share(None, reference) == 1.0
    assert latin_share(None, replace(reference, text="埃文人(Even)")) == pytest.approx(4 / 7)


TRANSPORT = (
    "市交通局召开年度发布会\n今年全市交通工作的重点是缓解早晚高峰的道路拥堵。明年全市将新开通地铁线路3条。"
    "市交通局局长王建国在12月3日举行的年度发布会上如是表示。王建国昨天还会见了副市长李明。公交票价保持不变。"
)
ABOUT_THE_DIRECTOR = [("谁是市交通局局长？", "王建国。")]


@pytest.fixture(scope="module")
def transport_settings(tmp_path_factory) -> Settings:
    return indexed(tmp_path_factory.mktemp("transport"), {"transport.txt": TRANSPORT})


def test_a_follow_up_is_answered_by_what_was_said_not_by_the_earlier_question(transport_settings):
    # Searched with the earlier question and the name, the follow-up once counted their
    # words as its own: the sentence naming the speaker covered them, what he said did not,
    # and the question was refused while quoting its answer.
    answer = Assistant.load(transport_settings).ask("他认为今年最要紧的是什么？", history=ABOUT_THE_DIRECTOR)
    assert not answer.refused and answer.citations[0].quote == "今年全市交通工作的重点是缓解早晚高峰的道路拥堵。"


def test_a_compound_the_index_lacks_counts_as_its_parts_unless_it_is_a_name(transport_settings):
    # 兴趣爱好 weighed as the rarest word of the index on top of 兴趣 and 爱好, and
    # "…有什么兴趣爱好？" was refused for "兴趣是钓鱼。".
    store = Assistant.load(transport_settings).store
    rarest = store.keyword.rarest_specificity
    weights = question_weights(store, "王建国有什么兴趣爱好？", [])[0]
    assert weights["兴趣爱好"] == 0 and weights["兴趣"] == weights["爱好"] == rarest  # unknown parts weigh
    # A name no article writes stays whole, whatever its pieces: 西亚 is no part of 布雷西亚.
    assert question_weights(store, "布雷西亚足球俱乐部在哪里？", [])[0]["布雷西亚"] == rarest


def test_the_person_he_is_is_no_answer_a_sentence_adds(transport_settings):
    store = Assistant.load(transport_settings).store
    resolved = resolve_followup("他会见了谁？", ABOUT_THE_DIRECTOR)
    q = describe_question(store, resolved.question, resolved.search, "zh", shipped_model().kinds)
    assert kinds_not_in("王建国昨天还会见了副市长李明。", q.asked)["person"] == ["李明"]


@pytest.mark.parametrize("question, language", [
    ("文章里都是怎么说的地铁线路？", "zh"), ("哪几篇报道提到了地铁线路？", "zh"),
    ("What do the articles say about metro lines?", "en"),
])  # fmt: skip
def test_the_words_naming_the_articles_are_nothing_an_answer_covers(transport_settings, question, language):
    # 文章 is in no sentence: as an unknown noun it weighed as the rarest word of the index,
    # and a question about what the articles say was refused for lacking it.
    store = Assistant.load(transport_settings).store
    q = describe_question(store, question, question, language, shipped_model().kinds)
    sentence = Candidate("transport.txt", "", "明年全市将新开通地铁线路3条。", 0, 15, 0.9, "", 0, 1.0)
    assert not {"文章", "报道", "articles"} & set(q.weights) and coverage(q, sentence) == 1.0


def test_only_how_a_question_refers_to_the_articles_is_left_out():
    # What a writer published, what the press got wrong, an office: content, not scope.
    kept = ("他在什么杂志上发表了文章？", "针对媒体的错误报道，她是怎么回应的？", "新闻局主导了什么比赛？", "日本文化有什么特点？")
    assert [without_document_words(question, "zh") for question in kept] == list(kept)
    assert without_document_words("What text message did they get?", "en") == "What text message did they get?"
    assert without_document_words("文中提到的例子叫什么？", "zh").strip() == "的例子叫什么？"


def test_each_part_of_a_compound_follow_up_is_searched_with_the_person_he_is(transport_settings, monkeypatch):
    assistant = Assistant.load(transport_settings)
    searched, retrieve = [], assistant.retrieve
    monkeypatch.setattr(assistant, "retrieve", lambda text, k=None: searched.append(text) or retrieve(text, k))
    assistant.ask("他认为今年最要紧的是什么？他昨天会见了谁？", history=ABOUT_THE_DIRECTOR)
    assert len(searched) == 3 and all("王建国" in text for text in searched)  # the whole, then each part


def test_kinds_of_words_come_from_tags_and_patterns():
    found = kind_words("2017年双边贸易额达到了35亿美元，共6000 万剂疫苗，增长12.5%，代表德米特里•马卡罗夫在上海表示")
    assert ("time", "2017年") in found
    assert {("number", "35亿美元"), ("number", "6000 万剂"), ("number", "12.5%")} <= set(found)
    # A unit of two characters is read whole, not as its first one (周, a week).
    assert ("number", "70周年") in kind_words("两国建交70周年")
    assert ("person", "德米特里•马卡罗夫") in found
    assert ("place", "上海") in found
    # jieba's dictionary tags some places as people; a county's suffix says what it is.
    assert kind_words("他来自东光县。") == (("place", "东光县"),)
    # What the question already states is no answer, however it is spaced.
    assert "number" not in kinds_not_in("公司订购了 6000 万剂疫苗。", "订购6000万剂疫苗的金额是多少？")
    # Counts in Chinese numerals: with a measure word, or a fraction; not 一个 ("a"), 十分
    # ("very") or a month.
    written = kind_words("两种方式，五位代表，三分之一的人，一个国家十分重视，七月开幕")
    assert {("number", "两种"), ("number", "五位"), ("number", "三分之一")} <= set(written)
    assert not {word for kind, word in written if kind == "number"} & {"一个", "十分", "七月"}


def test_the_lead_model_picks_the_word_that_answers_from_where_it_stands():
    model = shipped_model()

    def lead(sentence: str, question: str, words: tuple[str, ...] = ()) -> str:
        numbers = set(QUESTION_NUMBER.findall(question))
        q = Question(
            question, "zh", np.zeros(1), dict.fromkeys(words, 1.0), numbers, asked_kinds(question, "zh", model.kinds),
            [], question, frozenset(),
        )  # fmt: skip
        quote = Candidate("a.txt", "", sentence, 0, len(sentence), 0.9, "", 0, 1.0, {"numbers_missing": 0.0}, 0.9)
        return likeliest_lead(model.lead, q, [quote])[0]

    # A name jieba cuts into two person words (艾夫 / 根尼) is answered whole, with its Latin form.
    sentence = "联邦委员会副主席艾夫根尼(Evgeny Pushmin)进行会谈。"
    assert lead(sentence, "联邦委员会副主席是谁？", ("副主席",)) == "艾夫根尼 (Evgeny Pushmin)"
    # A number glued to letters is still a number of the question.
    assert lead("会议于2019年在新加坡举办。", "EMNLP2022在哪里举办？", ("举办",)) == "新加坡"
    # The figure in the clause of the year asked about, not the first figure of the sentence.
    assert lead("近两年来年均增长率达到30%, 2017年达到了35亿美元。", "2017年的贸易额是多少？") == "35亿美元"


def test_the_lead_threshold_is_the_least_that_keeps_the_leads_precise():
    right, wrong = (0.9, True), (0.3, False)
    # Three right leads at 0.9 and one wrong at 0.3: from 0.35 up all shown leads are right.
    assert lowest_threshold_keeping_precision([right] * 3 + [wrong]) == (0.35, 1.0, 3)
    # Precise enough from the start: every lead is shown.
    leads = [right] * 9 + [wrong]
    assert lowest_threshold_keeping_precision(leads)[0] == 0.05 and 9 / 10 >= MIN_LEAD_PRECISION
    # Never precise enough: no answer leads.
    threshold, _, shown = lowest_threshold_keeping_precision([(0.9, False), (0.95, False)])
    assert (threshold, shown) == (1.0, 0)


def test_reference_answers_are_labelled_with_the_kind_their_words_cover_together():
    assert answer_kind("22亿美元") == "number"
    assert answer_kind("1966年") == "time"
    assert answer_kind("日本冲绳县那覇市港区") == "place"  # several places jieba cuts apart
    assert answer_kind("莱昂纳尔·里奇(Lionel Richie)") == "person"  # the Latin aside does not count
    assert answer_kind("因为两国贸易结构单一") == "other"
    assert answer_kind("两种") == answer_kind("首六位") == "number"


def test_asked_kinds_are_learned_for_chinese_and_read_from_interrogatives_elsewhere():
    kinds = shipped_model().kinds

    def likeliest_word_kind(question, language):
        p = asked_kinds(question, language, kinds)
        assert set(p) == set(KINDS) and abs(sum(p.values()) - 1) < 1e-6
        return max(WORD_KINDS, key=p.get)

    # The classifier is unsure between a word and "other" (CMRC answers to 谁 are often
    # descriptions), but among the kinds of word it puts the right one first.
    assert likeliest_word_kind("这部电影是什么时候上映的？", "zh") == "time"
    assert likeliest_word_kind("这家公司的创始人是谁？", "zh") == "person"
    assert likeliest_word_kind("该市一共有多少人口？", "zh") == "number"
    assert likeliest_word_kind("Who founded the company?", "en") == "person"
    assert likeliest_word_kind("When was the bridge opened?", "en") == "time"
    assert likeliest_word_kind("Có bao nhiêu người tham dự?", "vi") == "number"
    assert likeliest_word_kind("Ai là giám đốc nhà máy?", "vi") == "person"  # "Ai" opening the question
    assert likeliest_word_kind("Ai Cập có bao nhiêu dân?", "vi") == "number"  # "Ai Cập" is Egypt
    assert likeliest_word_kind("Which Japanese company built the bridge?", "en") == "organisation"
    assert likeliest_word_kind("How old is the mayor?", "en") == "number"
    assert asked_kinds("Why did prices rise?", "en", kinds)["other"] == 1.0
    # "How long" asks for a period or a length: 3天, 23日至25日, 2.8公里.
    how_long = asked_kinds("How long is the new road?", "en", kinds)
    assert how_long["time"] == how_long["number"] == 0.5
    # Which articles say something: the answer is the articles cited, not a number (几).
    assert asked_kinds("哪几篇报道提到了这座桥？", "zh", kinds)["other"] == 1.0
    assert asked_kinds("Which articles mention the bridge?", "en", kinds)["other"] == 1.0


def test_shipped_model_names_exactly_the_features_the_code_computes():
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert data["sentence"]["features"] == SENTENCE_FEATURE_NAMES
    assert set(data["answerable"]) == set(REFUSAL_GROUP.values()) == set(data["thresholds"]["answerable"])
    for refusal in data["answerable"].values():
        assert refusal["features"] == [f.__name__ for f in QUESTION_FEATURES]
    assert data["lead"]["features"] == LEAD_FEATURE_NAMES
    thresholds = data["thresholds"]
    assert all(0 < t < 1 for t in thresholds["answerable"].values()) and 0 < thresholds["completion_ratio"] <= thresholds["quote_ratio"] <= 1
    # Marked uncertain above the refusal threshold, below what MAX_UNCERTAIN of the answerable fall under.
    assert thresholds["uncertain"].keys() == thresholds["answerable"].keys()
    assert all(thresholds["answerable"][g] <= t < 1 for g, t in thresholds["uncertain"].items())
    assert 0 < thresholds["lead"] <= 1 and 0 <= thresholds["keyword_floor"] <= 1
    assert "CMRC" in data["about"]


def test_a_model_file_of_another_fit_version_is_named_with_how_to_mend_it(tmp_path):
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    older = tmp_path / "older.json"
    del data["thresholds"]["keyword_floor"]
    older.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=r"older\.json lacks 'keyword_floor'.*make fit"):
        shipped_model(older)

    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    data["sentence"]["features"][0] = "a_feature_no_longer_computed"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=r"sentence model of .*other\.json uses other features.*make fit"):
        shipped_model(other)


def test_what_is_asked_for_is_supplied_by_the_likeliest_sentences_as_much_as_they_are_likely():
    """A number in an unlikely sentence about something else does not answer "有多少…" for a
    likeliest sentence that names none: the refusal model reads how much the likely
    sentences add of what is asked for (it once read the best of the first three)."""
    question = Question(
        text="目前在当地学习的留学生有多少？", language="zh", vector=np.zeros(1), weights={}, numbers=set(),
        kinds=dict.fromkeys(KINDS, 0.0) | {"number": 0.9, "other": 0.1}, unmentioned=[], wording="",
        bigrams=frozenset(),
    )  # fmt: skip

    def sentence(text: str, probability: float) -> Candidate:
        c = Candidate("a.txt", "标题", text, 0, len(text), 0.9, "", 0, 1.0, probability=probability)
        c.features = {"kind_match": kind_match(question, c)}
        return c

    unrelated_number = sentence("当地企业签署了购买6000万剂疫苗的合同。", 0.05)
    assert unrelated_number.features["kind_match"] == pytest.approx(0.9)
    lacking = [sentence("目前，当地是留学生最多的地方之一。", 0.9), unrelated_number]
    assert likely_kind_match(question, lacking) < 0.1
    stating = [sentence("目前在当地学习的有1.2万人。", 0.9), unrelated_number]
    assert likely_kind_match(question, stating) == pytest.approx(0.9)


def test_a_number_answers_in_the_unit_asked_for():
    def match(question: str, text: str) -> float:
        q = Question(
            text=question, language="zh", vector=np.zeros(1), weights={}, numbers=set(),
            kinds=dict.fromkeys(KINDS, 0.0) | {"number": 1.0}, unmentioned=[], wording="", bigrams=frozenset(),
        )  # fmt: skip
        return kind_match(q, Candidate("a.txt", "标题", text, 0, len(text), 0.9, "", 0, 1.0))

    assert match("铁路全长有多少公里？", "铁路全长约2.8公里。") == 1.0
    assert match("铁路全长有多少公里？", "矿区面积约200平方公里，共有16个车站。") == 0.0  # an area, a count
    assert match("矿区面积是多少平方公里？", "矿区面积约200平方公里。") == 1.0
    # 个 counts anything, and without a unit any number answers.
    assert match("共有几个车站？", "共有16座车站。") == match("车站有多少？", "共有16座车站。") == 1.0


def test_quotes_add_a_less_likely_sentence_only_for_what_the_question_names_and_they_lack():
    question = Question(
        text="2016年和2017年的贸易额分别是多少？", language="zh", vector=np.zeros(1), weights={"贸易额": 3.0},
        numbers={"2016", "2017"}, kinds={}, unmentioned=[], wording="", bigrams=frozenset(),
    )  # fmt: skip

    def sentence(text: str, probability: float) -> Candidate:
        return Candidate("a.txt", "标题", text, 0, len(text), 0.9, "", 0, 1.0, probability=probability)

    ranked = [
        sentence("2017年贸易额达到35亿美元。", 0.9),
        sentence("该公司成立于2015年。", 0.5),  # likelier, but adds nothing the question names
        sentence("2016年贸易额为22亿美元。", 0.4),  # the other year the question asks about
        sentence("2016年还举办了展会。", 0.1),  # below the completion share of the best
    ]
    assert [c.text for c in quoted(question, ranked, 0.75, 0.3)] == [ranked[0].text, ranked[2].text]
    assert [c.text for c in quoted(question, ranked, 0.75, 0.75)] == [ranked[0].text]  # no completion
    assert [c.text for c in quoted(question, ranked, 0.5, 0.5)] == [ranked[0].text, ranked[1].text]


def test_a_question_across_articles_quotes_every_article_that_answers_it(seed_store, seed_settings):
    # Two of the seed articles name Lavrov: the one that answers best would be quoted alone.
    answer = Assistant(seed_store, seed_settings).ask("哪几篇报道提到了拉夫罗夫？")
    assert not answer.refused, answer.text
    assert len({c.source for c in answer.citations if "拉夫罗夫" in c.quote}) == 2, answer.text


@pytest.mark.parametrize(
    "question",
    [
        "越俄贸易额2016年和2017年分别是多少？",
        # Asked across languages, the best sentence for 2016 is the one quoted for 2017.
        "Kim ngạch thương mại Việt–Nga năm 2016 và năm 2017 là bao nhiêu?",
    ],
)
@pytest.mark.usefixtures("every_likeliest_word_leads")
def test_a_question_on_two_years_quotes_each_years_figure(seed_store, seed_settings, question):
    # The best sentence gives 2017's figure and names "2016年10月" for another matter.
    answer = Assistant(seed_store, seed_settings).ask(question)
    assert not answer.refused, answer.text
    assert "22亿美元" in answer.fact and "35亿美元" in answer.fact
    assert any("22亿美元" in c.quote for c in answer.citations) and any("35亿美元" in c.quote for c in answer.citations)


def test_the_fit_learns_unmentioned_names_from_questions_whose_name_is_changed(seed_store):
    def item(question: str, lang: str = "en", kind: str = "fact") -> QAItem:
        return QAItem(id=question, question=question, lang=lang, type=kind, answer="x", must_contain=["x"], sources=[], evidence=[])

    items = [item("What did Lavrov say about trade?"), item("What did Lavrov say?", kind="unanswerable"), item("拉夫罗夫说了什么？", "zh")]
    # Moscow (莫斯科) is in the seeds, Ukraine (乌克兰) is not: only the latter makes a question unanswerable.
    changed = name_changed(items, seed_store, ["Moscow", "Ukraine"])
    assert [(c.question, c.answerable, c.answer) for c in changed] == [("What did Ukraine say about trade?", False, None)]


def test_the_fit_asks_questions_again_as_though_their_article_were_not_in_the_corpus(other_corpus):
    store, model = other_corpus.retriever.store, shipped_model()
    item = QAItem(id="q", question="2023年城市马拉松在哪里举行？", lang="zh", type="fact", answer="杭州",
                  must_contain=["杭州"], sources=["marathon.txt"], evidence=[])  # fmt: skip
    asked = ask_all(store, [item], model.kinds, model.top_k, model.keyword_floor)
    assert asked[0].question.unknown_name_share == 0.0
    (absent,) = without_their_articles(asked, store, model.kinds)
    assert (absent.item.id, absent.item.answerable) == ("q-absent", False)
    assert absent.candidates and {c.source for c in absent.candidates}.isdisjoint({"marathon.txt"})
    assert min(c.chunk_rank for c in absent.candidates) == 0
    # Only the marathon article writes 马拉松 and 城市: without it, the corpus does not know
    # them, and they weigh as a word only one of its chunks would have.
    remaining = len(store.keyword.ids) - len(store.records["marathon.txt"]["chunk_ids"])
    assert absent.question.weights["马拉松"] == pytest.approx(math.log(1 + remaining))
    assert store.keyword.specificity("马拉松") > 0  # the index itself is untouched
    # A question that names no article, or a follow-up, is not asked so.
    for other in (replace(item, sources=[]), replace(item, history=[("2023年城市马拉松何时举行？", "11月12日。")])):
        assert without_their_articles(ask_all(store, [other], model.kinds, model.top_k, 0.25), store, model.kinds) == []


def test_unknown_names_are_the_proper_nouns_no_article_has(other_corpus):
    store = other_corpus.retriever.store
    assert unknown_name_share(store, "张伟在哪里致辞？") == 0.0
    assert unknown_name_share(store, "《山海情》的导演是谁？") == 0.0
    assert unknown_name_share(store, "《人世间》的编剧是谁？") == 1.0  # a title no article names
    assert unknown_name_share(store, "李明在杭州做了什么？") == 0.5  # 杭州 is in the marathon article
    # A paraphrase changes common words, not names: nothing to count.
    assert unknown_name_share(store, "组委会打算明年怎么扩充比赛？") == 0.0


def test_coverage_is_the_same_in_whatever_order_the_question_words_come():
    # The words come from sets, whose order changes with the process's hash seed; a plain
    # sum of these weights gives three different last bits over their orders.
    weights = {"甲": 0.1, "乙": 0.2, "丙": 0.3, "丁": 0.7}
    shares = {
        weighted_share({(word,): weights[word] for word in order}, "甲乙丙")
        for order in itertools.permutations(weights)
    }
    assert shares == {0.6 / 1.3}


def test_numbers_are_asked_one_by_one_when_they_share_a_unit():
    def parts(text: str) -> list[str]:
        question = Question(text, "zh", np.zeros(1), {}, set(QUESTION_NUMBER.findall(text)), {}, [], text, frozenset())
        return list(number_parts(question).values())

    assert parts("越俄贸易额2016年和2017年分别是多少？") == ["2016年", "2017年"]
    assert parts("How did trade change from 2016 to 2017, and in 2019?") == ["2016", "2017", "2019"]
    assert parts("地铁8号线和10号线在哪里交叉？") == ["8号", "10号"]
    assert parts("2009年4月7日他在哪里举办了记者会？") == []  # one date
    assert parts("2008–09年赛季的比赛安排在哪里？") == []  # one range
    assert parts("他在2008年的110米栏比赛中成绩是多少？") == []
    assert parts("3.11.7版和3.12版哪个快？") == ["3.11", "7", "3.12"]  # read as the question's numbers are


def test_across_articles_is_read_from_how_the_question_sets_its_scope():
    assert asks_across_articles("哪几篇报道提到了自贸协定？", "zh")
    assert asks_across_articles("这两篇文章各自怎么说？", "zh")
    assert asks_across_articles("Which articles mention APEC?", "en")
    assert asks_across_articles("Bài báo nào nhắc đến APEC?", "vi")
    assert not asks_across_articles("2016年和2017年的贸易额分别是多少？", "zh")
    assert not asks_across_articles("What does the article say about APEC?", "en")
    assert not asks_across_articles("Theo các bài báo, ai là đại sứ?", "vi")


def test_a_compound_question_is_cut_into_the_parts_that_each_ask_something():
    assert question_parts("《山海情》什么时候开机？导演是谁？", "zh") == ["《山海情》什么时候开机？", "导演是谁？"]
    assert question_parts("城市马拉松在哪里举行，有多少名选手参加？", "zh") == ["城市马拉松在哪里举行？", "有多少名选手参加？"]
    assert question_parts("When did the marathon take place, and who won the men's race?", "en") == [
        "When did the marathon take place?", "who won the men's race?",
    ]  # fmt: skip
    assert question_parts("Hội nghị nhận được bao nhiêu bài báo, và ai là chủ tịch?", "vi") == [
        "Hội nghị nhận được bao nhiêu bài báo?", "ai là chủ tịch?",
    ]  # fmt: skip
    # One thing asked, though in two clauses or of two subjects.
    assert question_parts("2016年和2017年的贸易额分别是多少？", "zh") == []
    assert question_parts("除了编剧，这部剧的导演是谁？", "zh") == []
    assert question_parts("What did the minister and the mayor discuss?", "en") == []
    assert question_parts("When was the bridge opened, and where?", "en") == []  # "where?" names nothing


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("马拉松冠军是谁？国际语言技术会议在哪里举办？", ["基普乔格•约翰", "新加坡"]),
        ("《山海情》什么时候开机？导演是谁？", ["2020年3月", "李华"]),
        ("Hội nghị nhận được bao nhiêu bài báo, và ai là chủ tịch hội nghị?", ["1200篇", "张伟"]),
    ],
)
def test_each_part_of_a_compound_question_is_answered(other_corpus, question, expected):
    answer = other_corpus.ask(question)
    assert not answer.refused, answer.text
    for fact in expected:
        assert any(fact in c.quote for c in answer.citations), (fact, answer.text)


def test_boosted_trees_walk_every_tree_to_its_leaf():
    # One tree: x <= 0.5 → leaf -1.0, else leaf +2.0; a second tree adds 0.5 everywhere.
    trees = BoostedTrees.from_json({
        "features": ["x"], "baseline": 0.0, "depth": 1,
        "trees": [
            {"feature": [0, 0, 0], "threshold": [0.5, 0, 0], "left": [1, -1, -1], "right": [2, -1, -1], "value": [0, -1.0, 2.0]},
            {"feature": [0], "threshold": [0], "left": [-1], "right": [-1], "value": [0.5]},
        ],
    })  # fmt: skip
    p = trees.probabilities([{"x": 0.2}, {"x": 0.9}])
    assert np.allclose(p, 1 / (1 + np.exp(-np.array([-0.5, 2.5]))))


def test_cmrc_converter_keeps_answers_in_their_passages_and_deletes_them_for_unanswerable(tmp_path):
    passages, items = write_split("validation", tmp_path, limit=6)
    assert passages == 6 == len(list((tmp_path / "docs").glob("*.txt")))
    qa, problems = load_qa(tmp_path / "qa.jsonl")
    assert not problems and items == len(qa)
    assert {item.type for item in qa} == {"fact", "unanswerable", "absent"}
    corpus = "".join(squeeze(path.read_text(encoding="utf-8")) for path in (tmp_path / "docs").glob("*.txt"))
    for item in qa:
        if item.answerable:
            body = load_article(tmp_path / "docs" / item.sources[0], 2**20).body
            assert all(squeeze(e) in squeeze(body) for e in item.evidence)
    # A passage left out of the corpus: nothing written states the answer to its questions.
    absent = {item.id for item in qa if item.type == "absent"}
    for passage in cmrc_passages(DEFAULT_DATA, "validation"):
        for question in passage.questions:
            if question["id"] in absent:
                assert squeeze(answer_text(question, passage.context)[0]) not in corpus
    assert "CC BY-SA 4.0" in (tmp_path / "README.md").read_text(encoding="utf-8")


def test_cmrc_converter_rewrites_only_what_changed(tmp_path):
    write_split("validation", tmp_path, limit=3)
    written = {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*") if path.is_file()}
    stale = tmp_path / "docs" / "left-out-now.txt"
    stale.write_text("标题\n正文。\n", encoding="utf-8")
    time.sleep(0.01)
    write_split("validation", tmp_path, limit=3)
    # Untouched, so that a fit reading the folder meanwhile never misses a file.
    assert {path: path.stat().st_mtime_ns for path in written} == written
    assert not stale.exists()  # a passage no longer written is removed


def test_cmrc_converter_without_the_data_says_so_and_keeps_what_it_wrote(tmp_path, capsys):
    write_split("validation", tmp_path, limit=1)
    written = sorted((tmp_path / "docs").iterdir())
    with pytest.raises(FileNotFoundError, match="cmrc2018_"):
        write_split("validation", tmp_path, tmp_path / "no-such-folder")
    assert sorted((tmp_path / "docs").iterdir()) == written  # nor would the index built from them be emptied
    assert cmrc_main(["--split", "fit", "--out", str(tmp_path), "--data", str(tmp_path / "no-such-folder")]) == 2
    assert "no cmrc2018_*.json in" in capsys.readouterr().err


def test_cmrc_questions_rendered_in_other_languages_keep_their_answers(tmp_path):
    write_split("validation", tmp_path / "zh", limit=2)
    first = load_qa(tmp_path / "zh" / "qa.jsonl")[0][0]
    renderings = tmp_path / "translations.jsonl"
    renderings.write_text(
        json.dumps({"id": first.id, "lang": "en", "question": "Asked in English?"}) + "\n"
        + json.dumps({"id": first.id, "lang": "vi", "question": "Hỏi bằng tiếng Việt?"}, ensure_ascii=False) + "\n"
        + json.dumps({"id": "no-such-question", "lang": "en", "question": "Ignored?"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    write_split("validation", tmp_path / "out", limit=2, translated=renderings)
    translated, problems = load_qa(tmp_path / "out" / "qa_translated.jsonl")
    assert not problems
    assert [(item.id, item.lang) for item in translated] == [(f"{first.id}-en", "en"), (f"{first.id}-vi", "vi")]
    for item in translated:
        assert (item.type, item.answer, item.must_contain, item.sources) == (
            first.type, first.answer, first.must_contain, first.sources,
        )  # fmt: skip
