"""English names are looked up in CC-CEDICT and checked against the index's words."""

from __future__ import annotations

from rag.lexicon import chinese_names, names_in, unmentioned_names


def test_names_skip_question_words_months_and_possessives():
    assert names_in("What did Lavrov's ministry say in September about Ho Chi Minh City?") == [
        "Lavrov",
        "Ho Chi Minh City",
    ]
    assert names_in("Lavrov is spelt two ways. What are they, and where did To Lam go?") == ["Lavrov", "To Lam"]


def test_dictionary_gives_chinese_for_places_and_surnames():
    assert "乌克兰" in chinese_names()["ukraine"]
    assert "普京" in chinese_names()["putin"]  # filed under the surname too
    assert "莫斯科" in chinese_names()["moscow"]  # "Moscow, capital of Russia"
    # Also ordinary words: "the Law of the Sea" names neither a person Law nor a place Sea.
    assert "law" not in chinese_names() and "sea" not in chinese_names()


def test_only_names_the_dictionary_knows_and_the_index_lacks_are_unmentioned():
    index = {"普京", "莫斯科", "sputnik"}
    question = "Did Putin discuss Sputnik or Ukraine with To Lam in Moscow?"
    # To Lam is not in the dictionary: no evidence either way.
    assert unmentioned_names(question, index.__contains__) == ["Ukraine"]
