"""English and Vietnamese questions looked up in the index's Chinese words: CC-CEDICT for
English words and names, Sino-Vietnamese readings for Vietnamese."""

from __future__ import annotations

from rag.lexicon import (
    chinese_names,
    chinese_words,
    english_glosses,
    names_in,
    pinyin_syllables_of,
    toneless,
    translations,
    unmentioned_names,
    unread_names,
)


def unmentioned(question: str, index: set[str], language: str = "en") -> list[str]:
    return unmentioned_names(question, index.__contains__, frozenset(index), language)


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
    assert unmentioned(question, index) == ["Ukraine"]


def test_a_name_the_articles_write_with_a_synonym_is_mentioned():
    # CC-CEDICT gives 美金 and 美刀 for "USD"; articles write 美元, the same "US dollar".
    assert unmentioned("Kim ngạch đạt 3,5 tỷ USD năm nào?", {"美元"}, "vi") == []
    assert unmentioned("Kim ngạch đạt 3,5 tỷ USD năm nào?", {"日元"}, "vi") == ["USD"]


def test_vietnamese_words_written_with_capitals_are_no_foreign_names():
    # CC-CEDICT files 金 under "Kim" and 南 under "Nam"; in Vietnamese they are words.
    question = "Kim ngạch thương mại giữa Việt Nam, Đông Nam Á và Algeria là bao nhiêu?"
    assert unmentioned(question, {"越南"}, "vi") == ["Algeria"]


VOCABULARY = frozenset({"范平明", "阮春福", "委员会", "政府", "投资", "政策", "油气", "合作", "主席", "越南", "俄罗斯"})


def test_vietnamese_words_are_read_as_the_chinese_words_they_come_from():
    question = "Phó Thủ tướng Phạm Bình Minh thúc đẩy hợp tác đầu tư với Nga thế nào?"
    assert chinese_words(question, "vi", VOCABULARY) == ["范平明", "合作", "投资"]
    # Old and new spellings place the tone on different vowels: "uỷ"/"ủy", "hoá"/"hóa".
    assert toneless("Uỷ ban") == toneless("Ủy ban") and toneless("hoá") == toneless("hóa")
    assert chinese_words("Chủ tịch nước Nguyễn Xuân Phúc thăm Nga khi nào?", "vi", VOCABULARY) == ["阮春福", "主席"]
    # Native Vietnamese words read as nothing; one syllable alone ("Nga") is too ambiguous.
    assert chinese_words("Cách nấu phở bò ngon như thế nào?", "vi", VOCABULARY) == []


def test_english_words_and_unmarked_vietnamese_names_find_their_chinese_words():
    question = "What did Pham Binh Minh say about investment and the government's policy?"
    found = chinese_words(question, "en", VOCABULARY)
    assert {"范平明", "投资", "政府", "政策"} <= set(found)
    assert all(word in VOCABULARY for word in found)  # only words the index has
    assert chinese_words("2017年越俄贸易额是多少？", "zh", VOCABULARY) == []
    # "(coll.) to invest" and the like are filed under the bare word.
    assert "投资" in english_glosses()["invest"]


def test_translations_are_grouped_by_the_word_they_translate():
    vocabulary = frozenset({"俄国", "俄罗斯", "贸易", "许多"})
    groups = translations("How much was Russia's trade?", "en", vocabulary)
    assert ("俄国", "俄罗斯") in groups  # alternatives for one word: a sentence needs one
    assert ("贸易",) in groups
    assert not any("许多" in group for group in groups)  # "much" asks, it names nothing
    assert chinese_words("How much was Russia's trade?", "en", vocabulary) == ["俄国", "俄罗斯", "贸易"]


def test_the_longest_part_of_a_name_the_dictionary_knows_decides():
    # "FIFA World Cup" is not in CC-CEDICT; "World Cup" (世界杯) is, and the index lacks it.
    assert unmentioned("Who won the 2022 FIFA World Cup?", {"世界", "2022"}) == ["World Cup"]
    # The whole name is mentioned: its parts prove nothing more.
    assert unmentioned("Who is the consul in Ho Chi Minh City?", {"胡志明市"}) == []
    assert unmentioned("What did Lavrov say about NATO?", {"拉夫罗夫"}) == ["NATO"]


def test_names_written_in_pinyin_are_read_not_translated():
    index = {"许慎", "说文解字", "太平军", "卢", "忠亨", "明朝"}
    # CC-CEDICT's English "Ming" is 明, one homophone of many; one syllable proves nothing.
    assert unmentioned("Why did the Ming emperor suspect Lu Zhongheng?", index) == []
    # Read, not translated: 许慎 is "xu shen", 太平军 holds "tai ping".
    assert unmentioned("Whom did Xu Shen teach, and where did Taiping troops go?", index) == []
    # Absent, but neither in the dictionary: jieba may split a name, others romanise otherwise.
    assert unmentioned("What did Li Qiang say in Sham Shui Po?", index) == []
    # The dictionary's pinyin names are still looked up: the index has no 北京 nor a "bei jing".
    assert unmentioned("What happened in Beijing?", index) == ["Beijing"]
    # Only the first syllable of a word may open with a vowel: "Hue" is no pinyin.
    assert pinyin_syllables_of("Lu Zhongheng") == ["lu", "zhong", "heng"]
    assert pinyin_syllables_of("Hue") == pinyin_syllables_of("ASEAN") == []
    # An English question finds the index words its pinyin names read as.
    assert chinese_words("What did Xu Shen write?", "en", frozenset(index)) == ["许慎"]
    assert "忠亨" in chinese_words("Who was Lu Zhongheng?", "en", frozenset(index))


def test_foreign_names_find_the_chinese_the_dictionary_names_them_with():
    index = frozenset({"莫斯科", "普京", "胡志明市", "台北", "海山", "柏林", "明", "明朝"})
    # CC-CEDICT describes them ("Moscow, capital of Russia"): no plain gloss to look up.
    assert {("普京",), ("莫斯科",)} <= set(translations("What did Putin say in Moscow?", "en", index))
    assert ("胡志明市",) in translations("Who is the consul general in Ho Chi Minh City?", "en", index)
    # A run inside a longer name; the pinyin 海山 of the same question is read as before.
    assert {("海山",), ("台北",)} <= set(translations("When did Hai Shan Bus merge into Taipei Bus?", "en", index))
    # In the passages only: jieba cut 金熊奖 in pieces.
    assert ("金熊奖",) in translations("Who won the Golden Bear in Berlin?", "en", index, ["她在柏林夺得金熊奖。"])
    # Vietnamese questions write foreign names in Latin letters too; its own words are read.
    assert translations("Putin gặp ai ở Moscow?", "vi", index) == [("普京",), ("莫斯科",)]
    # One syllable of pinyin is one homophone of many: "Ming" is not looked up as 明, nor the
    # Sino-Vietnamese "Minh", which CC-CEDICT files 胡志明 under; they are read.
    assert translations("Who founded the Ming?", "en", index) == []
    assert translations("How long did Pham Binh Minh stay?", "en", index | {"范平明"}) == [("范平明",)]
    # A word the glosses translate is one concept, not two: "Russia" is not also a name.
    assert translations("Who visited Russia?", "en", index | {"俄罗斯", "塔斯社"}) == [("俄罗斯",)]


def test_what_kind_of_place_a_name_in_pinyin_is_adds_no_word_of_its_own():
    index = frozenset({"王江泾", "城镇", "北京", "师范", "大学", "湖泊"})
    # 王江泾镇 writes "Town" as the suffix 镇: 城镇 is no word its sentences need.
    assert translations("Where is Wangjiangjing Town?", "en", index) == [("王江泾",)]
    # Unless the articles write the name with it (北京大学), or the name is no pinyin.
    assert ("大学",) in translations("When was Beijing University founded?", "en", index, ["北京大学建于1898年。"])
    assert ("湖泊",) in translations("Where is Lake Tahoe?", "en", index)
    # A word inside a name is not the last one.
    assert {("师范",), ("大学",)} <= set(translations("When was Beijing Normal University founded?", "en", index))


def test_a_name_jieba_cut_in_pieces_is_read_in_the_retrieved_passages():
    # jieba cuts the rare 司马晏 into 司马 and 晏: the index has no word "si ma yan" reads as,
    # only its homophone 司马炎. The passage retrieved for the question writes the name whole.
    index = frozenset({"司马", "晏", "司马炎", "大沙", "东站"})
    passage = "司马晏为人恭愿，才能在武帝诸子中最劣。大沙东站位于大沙地东路地底。"
    assert "司马晏" not in chinese_words("Whose son was Sima Yan?", "en", index)
    groups = translations("Whose son was Sima Yan?", "en", index, [passage])
    assert ("司马晏", "司马炎") in groups
    # A pinyin run inside an English name is read too: "Dashadong" of "Dashadong Station".
    assert ("大沙东",) in translations("Where is Dashadong Station?", "en", index, [passage])
    # Vietnamese reads passages by Sino-Vietnamese readings: 李成栋 is "Lý Thành Đống".
    assert ("李成栋",) in translations("Tên tự của Lý Thành Đống là gì?", "vi", index, ["一日李成栋坐城楼上"])


def test_a_name_in_pinyin_or_sino_vietnamese_no_text_reads_as_is_unread():
    # No dictionary names 索靖: that neither the index nor the passages read "suo jing" is
    # what tells that the corpus lacks him.
    index = frozenset({"司马", "晏", "香港", "演员"})
    passage = "司马晏为人恭愿。"
    assert unread_names("Where was Suo Jing from?", "en", index, [passage]) == ["Suo Jing"]
    assert unread_names("Sách Tĩnh là người ở đâu?", "vi", index, [passage]) == ["Sách Tĩnh"]
    # Read in the passages (jieba cut it in pieces), in either language: mentioned.
    assert unread_names("Whose son was Sima Yan?", "en", index, [passage]) == []
    assert unread_names("Tư Mã Yến là con của ai?", "vi", index, [passage]) == []
    # English words and the dictionary's own names are no pinyin, whatever they spell; one
    # syllable proves nothing.
    assert unread_names("Which Hong Kong actress starred in it?", "en", index, [passage]) == []
    assert unread_names("Why do Line 8 stations cross in a T shape?", "en", index, [passage]) == []
    assert unread_names("Who founded the Ming?", "en", index, [passage]) == []
    # Nor is the capitalised head of a Vietnamese title (首相 is "thủ tướng") or a native word.
    assert unread_names("Phó Thủ tướng thăm Nga khi nào?", "vi", index, [passage]) == []
    assert unread_names("Cách mạng Tháng Mười diễn ra năm nào?", "vi", index, [passage]) == []


def test_one_of_many_spellings_of_a_name_proves_nothing():
    # CC-CEDICT's "Bolton (name)" is 博尔顿; an article may write 波顿.
    assert "bolton" not in chinese_names()
    assert unmentioned("Why was he a substitute at Bolton?", {"波顿"}) == []
