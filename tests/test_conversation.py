"""Follow-ups made self-contained against the history (jieba's real tagger for names)."""

from __future__ import annotations

import pytest

from rag.conversation import Resolved, resolve_followup


def test_a_question_without_history_or_reference_is_asked_as_it_is():
    assert resolve_followup("2017年的出口额是多少？", []) == Resolved("2017年的出口额是多少？", "2017年的出口额是多少？")
    history = [("2017年的出口额是多少？", "35亿美元。")]
    assert resolve_followup("公司总部在哪里？", history).search == "公司总部在哪里？"


@pytest.mark.parametrize(
    ("question", "previous", "resolved"),
    [
        ("那2016年呢？", "2017年的出口额是多少？", "2016年的出口额是多少？"),
        ("And the year before?", "How much was trade in 2017?", "How much was trade in 2016?"),
    ],
)
def test_an_elided_year_becomes_the_previous_question_with_that_year(question, previous, resolved):
    # The whole question is what is asked: it asks for a number, and for 2016.
    assert resolve_followup(question, [(previous, "35亿美元。")]) == Resolved(resolved, resolved)


def test_he_is_searched_as_the_person_the_previous_question_was_about():
    found = resolve_followup("他当天还去了哪里？", [("张伟在上海和谁会谈了？", "和李明会谈了。")])
    assert found.search == "张伟在上海和谁会谈了？ 张伟当天还去了哪里？"
    assert found.question == "他当天还去了哪里？"  # what an answer must cover: not 张伟 or 上海


def test_he_is_the_person_the_answer_named_when_the_question_named_none():
    found = resolve_followup("他什么时候讲话的？", [("谁是公司的总经理？", "总经理是张伟。")])
    assert found.search == "谁是公司的总经理？ 张伟什么时候讲话的？"


def test_they_and_places_tagged_as_people_are_not_he():
    # "他们" may mean anyone the last turn named: searched with it, not rewritten.
    found = resolve_followup("他们还去了哪里？", [("张伟在上海和谁会谈了？", "和李明会谈了。")])
    assert found == Resolved("他们还去了哪里？", "张伟在上海和谁会谈了？ 他们还去了哪里？")
    # jieba's dictionary tags 东光县 as a person's name; a county is no "he".
    assert resolve_followup("他说了什么？", [("谁是东光县县长？", "他是东光县县长。")]).search == "谁是东光县县长？ 他说了什么？"
