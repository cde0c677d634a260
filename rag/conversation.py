"""Conversation: the question's language, and follow-ups resolved against the history.

Offline, an elliptical question is rewritten with the earlier turn's subject: "那2016年呢？"
after "2017年的出口额是多少？" becomes "2016年的出口额是多少？"; a pronoun-led one such as
"他是哪一年出生的？" is searched with the person the previous turn was about and with the
previous question. With an LLM, a condense-question step does the same (``rag.generation``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer_kinds import person_named

Turn = tuple[str, str]

CJK = re.compile(r"[\u3400-\u9fff]")
VIETNAMESE = re.compile(
    r"[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]"
)
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
YEAR_WORD = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)(?:\s*年)?")
FOLLOWUP = {
    "zh": re.compile(r"^(那|那么|还有|另外|其中|此外)|呢[？?]?$|[他她它该这那其]"),
    "en": re.compile(
        r"^(and|what about|how about|also)\b|\b(he|she|it|they|him|her|his|its|their|them|that|this|those|these|there)\b"
        r"|\bthe (year|one) (before|after)\b",
        re.IGNORECASE,
    ),
    "vi": re.compile(
        r"^(còn|thế còn|vậy)\b|\b(ông ấy|bà ấy|anh ấy|chị ấy|họ|đó|này|ấy|thì sao)\b|năm trước|năm sau",
        re.IGNORECASE,
    ),
}
# One person: "他们" (they) may mean anyone the last turn named, and is left as it is.
PERSONAL_PRONOUN = {
    "zh": re.compile(r"[他她](?!们)"),
    "en": re.compile(r"\b(he|she|him|her)\b", re.IGNORECASE),
    "vi": re.compile(r"\b(ông ấy|bà ấy|anh ấy|chị ấy)\b", re.IGNORECASE),
}
PREVIOUS_YEAR = re.compile(r"the year before|previous year|前一年|上一年|năm trước", re.IGNORECASE)
NEXT_YEAR = re.compile(r"the year after|following year|后一年|下一年|năm sau", re.IGNORECASE)


def cjk_share(text: str) -> float:
    """Share of the letters of ``text`` that are Chinese characters."""
    letters = re.findall(r"\w", text)
    return len(CJK.findall(text)) / len(letters) if letters else 0.0


def detect_language(text: str) -> str:
    """``zh``, ``vi`` or ``en``: by Chinese characters first, then Vietnamese letters."""
    if cjk_share(text) > 0.3:
        return "zh"
    if VIETNAMESE.search(text):
        return "vi"
    return "en"


def is_followup(question: str, language: str) -> bool:
    return bool(FOLLOWUP[language].search(question.strip()))


@dataclass(frozen=True)
class Resolved:
    """A question read against the conversation: what it asks, and what to search for it."""

    question: str  # what is asked now, its elided year filled in: it decides the kind of
    # answer, the numbers it must state and the words it must cover and add
    search: str  # what is retrieved: with the previous question and the person "he" is,
    # if it leans on them


def resolve_followup(question: str, history: list[Turn]) -> Resolved:
    """The question read against the subject of the earlier turns.

    A question that names a new year in an elliptical way becomes the previous question
    with that year swapped in; one that says "the year before/after" shifts the previous
    year. Any other follow-up is searched together with the previous question, "他/he/ông
    ấy" as the person the previous turn was about; what it asks stays its own words. (With
    the name or the earlier question among them, the sentence that names the speaker
    outranked the one stating what was said: "他说明年的重点是什么？")
    """
    if not history:
        return Resolved(question, question)
    language = detect_language(question)
    if not is_followup(question, language):
        return Resolved(question, question)
    previous = history[-1][0]
    previous_years = YEAR.findall(previous)
    years = YEAR.findall(question)
    if previous_years and (PREVIOUS_YEAR.search(question) or NEXT_YEAR.search(question)):
        shift = -1 if PREVIOUS_YEAR.search(question) else 1
        years = [str(int(previous_years[0]) + shift)]
    if previous_years and years and len(question) < 40:
        resolved = YEAR.sub(years[0], previous, count=1)
        # Only what the follow-up adds beyond its year and its markers ("那…呢", "the year
        # before"): "before" searched as a word (以前) would only mislead.
        rest = FOLLOWUP[language].sub(" ", YEAR_WORD.sub(" ", NEXT_YEAR.sub(" ", PREVIOUS_YEAR.sub(" ", question))))
        resolved = f"{resolved} {rest.strip()}" if re.search(r"\w", rest) else resolved
        return Resolved(resolved, resolved)
    # "他/he" is who the last turn was about: the person its question names, as a subject
    # carries over ("张伟和谁会谈了？" → "他还去了哪里？"), else the one its answer names
    # ("Who is the consul general?" → "When did he speak?").
    person = person_named(previous) or person_named(history[-1][1])
    searched = question
    if person and PERSONAL_PRONOUN[language].search(question):
        searched = PERSONAL_PRONOUN[language].sub(person, question, count=1)
    return Resolved(question, f"{previous} {searched}")
